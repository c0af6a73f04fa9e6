// Package handlers is the custom handler's HTTP surface: the functions' implementations, the
// Functions host's invocation envelope, routing, authentication and error mapping. The same
// code serves under the Functions host and in standalone mode; only delivery differs.
package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// Request is an HTTP trigger's request, however it arrived (proxied or in an envelope).
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Params map[string]string // route parameters
	Body   []byte
}

// Response is an HTTP output.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Timer describes a timer trigger's firing.
type Timer struct {
	IsPastDue bool
	Last      time.Time
	Next      time.Time
}

// Invocation is one function call's trigger input.
type Invocation struct {
	ID           string
	Function     string
	Request      *Request        // HTTP triggers
	Message      json.RawMessage // queue triggers: the message, a JSON value
	DequeueCount int             // queue triggers: 1 on the first delivery
	Timer        *Timer          // timer triggers
}

// Result is what a function produces: an HTTP response (HTTP triggers) and queue messages
// for its queue output, each a JSON object.
type Result struct {
	Response *Response
	Messages []json.RawMessage
}

// InvokeFunc runs a non-proxied function (timer, queue, or HTTP with a queue output).
type InvokeFunc func(ctx context.Context, inv *Invocation) (*Result, error)

// HTTPFunc serves a proxied HTTP function; a returned error is mapped to a problem response.
type HTTPFunc func(w http.ResponseWriter, r *http.Request) error

// Impl is a function's implementation: Serve for proxied HTTP functions, Invoke for the rest.
type Impl struct {
	Serve  HTTPFunc
	Invoke InvokeFunc
}
