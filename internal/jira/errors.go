package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxDetail bounds how much of Jira's error body is kept in an error text.
const maxDetail = 500

// sentinelFor maps an HTTP status to the project's sentinel.
func sentinelFor(code int) error {
	switch {
	case code == http.StatusBadRequest:
		return errs.ErrInvalid
	case code == http.StatusUnauthorized:
		return errs.ErrUnauthorized
	case code == http.StatusForbidden:
		return errs.ErrForbidden
	case code == http.StatusNotFound, code == http.StatusGone:
		return errs.ErrNotFound
	case code == http.StatusConflict:
		return errs.ErrConflict
	case code == http.StatusRequestEntityTooLarge:
		return errs.ErrTooLarge
	case code == http.StatusUnsupportedMediaType:
		return errs.ErrUnsupportedMedia
	case code == http.StatusTooManyRequests:
		return errs.ErrThrottled
	case code >= 500:
		return errs.ErrUnavailable
	default:
		return errs.ErrInvalid
	}
}

// httpError turns a non-2xx answer into an error wrapping the sentinel, with Jira's
// errorMessages and field errors kept for logs. 429 and 503 become *errs.Throttled.
func (c *Client) httpError(op string, code int, header http.Header, body []byte) error {
	sentinel := sentinelFor(code)
	detail := c.redact(errorDetail(body))
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		ra, _ := retryAfter(header.Get("Retry-After"), c.now())
		return &errs.Throttled{Op: op, RetryAfter: ra, Err: fmt.Errorf("%w (HTTP %d)%s", sentinel, code, detail)}
	}
	return fmt.Errorf("%s: %w (HTTP %d)%s", op, sentinel, code, detail)
}

// callError maps what go-atlassian returned: an answer with a status, or a transport failure.
func (c *Client) callError(ctx context.Context, op string, res *models.ResponseScheme, err error) error {
	if res != nil && res.Response != nil && (res.Code < 200 || res.Code > 299) {
		return c.httpError(op, res.Code, res.Response.Header, res.Bytes.Bytes())
	}
	return c.transportError(ctx, op, err)
}

// transportError maps a failure without a usable answer. A cancelled context stays a
// context error; anything else may be a dropped connection after Jira acted, so it is
// ErrUnavailable, which callers treat as "outcome unknown".
func (c *Client) transportError(ctx context.Context, op string, err error) error {
	msg := c.redact(err.Error())
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s: %w: %s", op, cerr, msg)
	}
	var jsonErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &jsonErr) || errors.As(err, &typeErr) {
		return fmt.Errorf("%s: unexpected response: %s", op, msg)
	}
	return fmt.Errorf("%s: %w: %s", op, errs.ErrUnavailable, msg)
}

// redact removes the API token from text that may echo a request (defence in depth: the
// token travels only in the Authorization header, which no error prints).
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[redacted]")
}

// errorDetail renders Jira's ErrorCollection ({"errorMessages":[...],"errors":{...}}) as
// ": msg; field: msg", or a short snippet of a body that is not one.
func errorDetail(body []byte) string {
	var ec struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
		Message       string            `json:"message"`
	}
	var parts []string
	if json.Unmarshal(body, &ec) == nil {
		parts = append(parts, ec.ErrorMessages...)
		if ec.Message != "" {
			parts = append(parts, ec.Message)
		}
		fields := make([]string, 0, len(ec.Errors))
		for f := range ec.Errors {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		for _, f := range fields {
			parts = append(parts, f+": "+ec.Errors[f])
		}
	} else if s := strings.TrimSpace(string(body)); s != "" {
		parts = append(parts, strings.Join(strings.Fields(s), " "))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + truncate(strings.Join(parts, "; "), maxDetail)
}

// retryAfter parses Retry-After as delta-seconds or an HTTP date (RFC 9110 section 10.2.3).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, 86400)) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
