package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// envelopeIn is the Functions host's invocation request: POST /{FunctionName}.
// https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers#request-payload
type envelopeIn struct {
	Data     map[string]json.RawMessage `json:"Data"`
	Metadata map[string]json.RawMessage `json:"Metadata"`
}

// envelopeOut is the custom handler's answer to the host.
// https://learn.microsoft.com/azure/azure-functions/functions-custom-handlers#response-payload
type envelopeOut struct {
	Outputs     map[string]any `json:"Outputs"`
	Logs        []string       `json:"Logs"`
	ReturnValue any            `json:"ReturnValue"`
}

// hostRequest is an HTTP trigger's request as the host puts it in Data.
type hostRequest struct {
	URL     string                     `json:"Url"`
	Method  string                     `json:"Method"`
	Headers map[string]json.RawMessage `json:"Headers"`
	Params  map[string]any             `json:"Params"`
	Body    json.RawMessage            `json:"Body"`
	// Query is ignored on purpose: its shape differs between host versions (an object of
	// strings, or a query string); the query is parsed from Url instead.
}

// hostResponse is an HTTP output in the envelope.
type hostResponse struct {
	StatusCode int               `json:"statusCode"`
	Body       string            `json:"body"`
	Headers    map[string]string `json:"headers,omitempty"`
}

// hostTimer is a timer trigger's value in Data.
type hostTimer struct {
	ScheduleStatus *struct {
		Last time.Time `json:"Last"`
		Next time.Time `json:"Next"`
	} `json:"ScheduleStatus"`
	IsPastDue bool `json:"IsPastDue"`
}

// unwrap peels the host's extra JSON string encoding: the host serialises string values a
// second time, so a queue message {"a":1} arrives as "\"{\\\"a\\\":1}\"". It stops at the
// first layer that is not a string holding JSON.
func unwrap(raw json.RawMessage) json.RawMessage {
	for i := 0; i < 3; i++ {
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil || !json.Valid([]byte(s)) {
			return raw
		}
		raw = json.RawMessage(s)
	}
	return raw
}

// decodeEnvelope turns the host's request into an Invocation for a function with trigger
// binding name.
func decodeEnvelope(body []byte, id, function, trigger string) (*Invocation, error) {
	var env envelopeIn
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decode invocation envelope: %v: %w", err, errs.ErrInvalid)
	}
	raw, ok := env.Data[trigger]
	if !ok {
		return nil, fmt.Errorf("invocation envelope has no Data.%s: %w", trigger, errs.ErrInvalid)
	}
	inv := &Invocation{ID: id, Function: function}
	var err error
	switch trigger {
	case registry.BindingHTTPIn:
		inv.Request, err = decodeRequest(unwrap(raw))
	case registry.BindingQueueIn:
		inv.Message = unwrap(raw)
		inv.DequeueCount = metaInt(env.Metadata["DequeueCount"])
	case registry.BindingTimer:
		inv.Timer, err = decodeTimer(unwrap(raw))
	default:
		err = fmt.Errorf("unknown trigger binding %q: %w", trigger, errs.ErrInvalid)
	}
	return inv, err
}

func decodeRequest(raw json.RawMessage) (*Request, error) {
	var hr hostRequest
	if err := json.Unmarshal(raw, &hr); err != nil {
		return nil, fmt.Errorf("decode HTTP request: %v: %w", err, errs.ErrInvalid)
	}
	u, err := url.Parse(hr.URL)
	if err != nil {
		return nil, fmt.Errorf("request Url: %v: %w", err, errs.ErrInvalid)
	}
	req := &Request{Method: strings.ToUpper(hr.Method), URL: u, Header: http.Header{}, Params: map[string]string{}}
	for k, v := range hr.Headers {
		for _, s := range stringOrList(v) {
			req.Header.Add(k, s)
		}
	}
	for k, v := range hr.Params {
		req.Params[k] = fmt.Sprint(v)
	}
	req.Body, err = decodeBody(hr.Body, req.Header.Get("Content-Type"))
	return req, err
}

// decodeBody: the host sends the body as a string, base64 for octet-stream and multipart.
func decodeBody(raw json.RawMessage, contentType string) ([]byte, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw, nil // an older host may inline a JSON body as an object
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/octet-stream" || strings.HasPrefix(mt, "multipart/") {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("binary body is not base64: %w", errs.ErrInvalid)
		}
		return b, nil
	}
	return []byte(s), nil
}

func stringOrList(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{s}
	}
	return nil
}

// metaInt reads a metadata number, which the host sends either as a number or as a string.
func metaInt(raw json.RawMessage) int {
	raw = bytes.Trim(unwrap(raw), `"`)
	n, _ := strconv.Atoi(string(raw))
	return n
}

func decodeTimer(raw json.RawMessage) (*Timer, error) {
	var ht hostTimer
	if err := json.Unmarshal(raw, &ht); err != nil {
		return nil, fmt.Errorf("decode timer: %v: %w", err, errs.ErrInvalid)
	}
	t := &Timer{IsPastDue: ht.IsPastDue}
	if ht.ScheduleStatus != nil {
		t.Last, t.Next = ht.ScheduleStatus.Last, ht.ScheduleStatus.Next
	}
	return t, nil
}

// encodeEnvelope builds the answer for the host from a function's result.
func encodeEnvelope(res *Result) envelopeOut {
	out := envelopeOut{Outputs: map[string]any{}, Logs: []string{}}
	if res == nil {
		return out
	}
	if r := res.Response; r != nil {
		hr := hostResponse{StatusCode: r.Status, Body: string(r.Body)}
		if len(r.Header) > 0 {
			hr.Headers = map[string]string{}
			for k := range r.Header {
				hr.Headers[k] = r.Header.Get(k)
			}
		}
		out.Outputs[registry.BindingHTTPOut] = hr
	}
	if len(res.Messages) > 0 {
		// Each message is a JSON object, never a bare string: the host would try to
		// base64-decode a string output first and alter a message that happens to be valid base64.
		out.Outputs[registry.BindingQueueOut] = res.Messages
	}
	return out
}
