package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// ErrDeltaExpired means a delta or next link is no longer valid (Graph answered 410
// Gone); the caller starts over with a windowed resync. It is the ingestion package's
// sentinel, so its sweep recognises it; errors carrying it also wrap errs.ErrNotFound.
// https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset
var ErrDeltaExpired = ingest.ErrDeltaExpired

// graphFailure is what a failed Graph response says, whichever way it reached us.
type graphFailure struct {
	status  int
	code    string
	message string
	header  http.Header
}

// mapErr turns an SDK, transport or token error into an error wrapping an errs sentinel.
// It keeps Graph's status and error code for logs, never a token or a request body.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(err, &authErr) {
		return fmt.Errorf("%s: getting a Graph token failed (check tenant, client id and credential): %w", op, errs.ErrUnauthorized)
	}
	if f, ok := failureOf(err); ok {
		return f.err(op)
	}
	return fmt.Errorf("%s: %w: %v", op, errs.ErrUnavailable, err)
}

// failureOf extracts status, code and headers from the SDK's error types.
func failureOf(err error) (graphFailure, bool) {
	var f graphFailure
	var oe *odataerrors.ODataError
	if errors.As(err, &oe) {
		f.status = oe.ResponseStatusCode
		if main := oe.GetErrorEscaped(); main != nil {
			f.code, f.message = deref(main.GetCode()), deref(main.GetMessage())
		}
		f.header = toHeader(oe.ResponseHeaders)
		return f, true
	}
	var ae abstractions.ApiErrorable
	if errors.As(err, &ae) {
		f.status = ae.GetStatusCode()
		f.header = toHeader(ae.GetResponseHeaders())
		return f, true
	}
	return f, false
}

func toHeader(rh *abstractions.ResponseHeaders) http.Header {
	h := http.Header{}
	if rh == nil {
		return h
	}
	for _, k := range rh.ListKeys() {
		for _, v := range rh.Get(k) {
			h.Add(k, v)
		}
	}
	return h
}

// failureFromResponse reads a raw (non-SDK) error response: status, Graph's code and
// Retry-After.
func failureFromResponse(resp *http.Response, body []byte) graphFailure {
	f := graphFailure{status: resp.StatusCode, header: resp.Header}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil {
		f.code, f.message = e.Error.Code, e.Error.Message
	}
	return f
}

// err maps the failure to a sentinel, following Graph's documented status codes.
// https://learn.microsoft.com/en-us/graph/errors
func (f graphFailure) err(op string) error {
	detail := fmt.Sprintf("graph answered %d", f.status)
	if f.code != "" {
		detail += " " + f.code
	}
	if f.message != "" {
		detail += ": " + truncate(f.message, 300)
	}
	wrap := func(sentinel error) error { return fmt.Errorf("%s: %s: %w", op, detail, sentinel) }
	switch {
	case f.status == http.StatusTooManyRequests:
		return &errs.Throttled{Op: op + ": " + detail, RetryAfter: retryAfter(f.header), Err: errs.ErrThrottled}
	case f.status == http.StatusGone || strings.EqualFold(f.code, "syncStateNotFound"):
		return fmt.Errorf("%s: %s: %w (%w)", op, detail, ErrDeltaExpired, errs.ErrNotFound)
	case f.status == http.StatusNotFound || strings.EqualFold(f.code, "ErrorItemNotFound"):
		return wrap(errs.ErrNotFound)
	case f.status == http.StatusConflict:
		return wrap(errs.ErrConflict)
	case f.status == http.StatusUnauthorized:
		return wrap(errs.ErrUnauthorized)
	case f.status == http.StatusForbidden:
		return wrap(errs.ErrForbidden)
	case f.status == http.StatusPreconditionFailed:
		return wrap(errs.ErrPrecondition)
	case f.status == http.StatusRequestEntityTooLarge:
		return wrap(errs.ErrTooLarge)
	case f.status == http.StatusUnsupportedMediaType:
		return wrap(errs.ErrUnsupportedMedia)
	case f.status == http.StatusNotImplemented:
		return wrap(errs.ErrNotImplemented)
	case f.status >= 500:
		if ra := retryAfter(f.header); ra > 0 {
			return &errs.Throttled{Op: op + ": " + detail, RetryAfter: ra, Err: errs.ErrUnavailable}
		}
		return wrap(errs.ErrUnavailable)
	default:
		return wrap(errs.ErrInvalid)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
