package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/logging"
)

// statusTable is the one place errors become HTTP status codes.
var statusTable = []struct {
	err    error
	status int
}{
	{errs.ErrInvalid, http.StatusBadRequest},
	{errs.ErrUnauthorized, http.StatusUnauthorized},
	{errs.ErrForbidden, http.StatusForbidden},
	{errs.ErrNotFound, http.StatusNotFound},
	{errs.ErrConflict, http.StatusConflict},
	{errs.ErrPrecondition, http.StatusPreconditionFailed},
	{errs.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{errs.ErrUnsupportedMedia, http.StatusUnsupportedMediaType},
	{errs.ErrThrottled, http.StatusTooManyRequests},
	{errs.ErrUnavailable, http.StatusServiceUnavailable},
	{errs.ErrNotImplemented, http.StatusNotImplemented},
}

// StatusOf maps an error to its HTTP status; unknown errors are 500.
func StatusOf(err error) int {
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.status
		}
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []errs.Field `json:"errors,omitempty"`
}

// problemFor builds the client-visible problem: only messages attached with errs.WithPublic
// and validation fields are shown, never internal error text.
func problemFor(err error) Problem {
	status := StatusOf(err)
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status}
	if msg, ok := errs.PublicMessage(err); ok {
		p.Detail = msg
	}
	var v *errs.Validation
	if errors.As(err, &v) {
		p.Errors = v.Fields
	}
	return p
}

// writeError logs err once and answers with a problem document.
func writeError(ctx context.Context, w http.ResponseWriter, err error) {
	p := problemFor(err)
	level := slog.LevelWarn
	if p.Status >= 500 && p.Status != http.StatusNotImplemented && p.Status != http.StatusServiceUnavailable {
		level = slog.LevelError
	}
	logging.From(ctx).Log(ctx, level, "request failed", "status", p.Status, "err", err)
	if d, ok := errs.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.Seconds()+0.999)))
	}
	writeJSON(w, p.Status, "application/problem+json", p)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	w.Write(body)
}
