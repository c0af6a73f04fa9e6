package graphemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// writeError answers with Graph's error body: {"error":{"code","message","innerError"}}.
// https://learn.microsoft.com/en-us/graph/errors
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	type inner struct {
		Date            string `json:"date"`
		RequestID       string `json:"request-id"`
		ClientRequestID string `json:"client-request-id,omitempty"`
	}
	type body struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError inner  `json:"innerError"`
	}
	reqID := w.Header().Get("request-id")
	if reqID == "" {
		reqID = newGUID()
		w.Header().Set("request-id", reqID)
	}
	payload := map[string]body{"error": {
		Code:    code,
		Message: message,
		InnerError: inner{
			Date:            time.Now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       reqID,
			ClientRequestID: r.Header.Get("client-request-id"),
		},
	}}
	writeJSON(w, status, payload)
}

// writeThrottled answers 429 (or 503) with Retry-After in whole seconds, as Graph does.
// https://learn.microsoft.com/en-us/graph/throttling
func writeThrottled(w http.ResponseWriter, r *http.Request, status int, code, message string, retryAfter time.Duration) {
	if retryAfter > 0 {
		secs := int((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeError(w, r, status, code, message)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// defaultCode is the Graph error code used for an injected status without an explicit code.
func defaultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "ServiceNotAvailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken"
	case http.StatusForbidden:
		return "ErrorAccessDenied"
	case http.StatusNotFound:
		return "ErrorItemNotFound"
	case http.StatusConflict:
		return "Conflict"
	default:
		if status >= 500 {
			return "InternalServerError"
		}
		return "BadRequest"
	}
}
