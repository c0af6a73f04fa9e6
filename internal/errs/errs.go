// Package errs holds the sentinel errors that adapters translate their SDK errors into.
//
// Callers test for them with errors.Is; handlers map them to HTTP status codes in one table
// (handlers/errors.go). Wrap them with context: fmt.Errorf("get ticket %s: %w", key, errs.ErrNotFound).
package errs

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the input was malformed or failed validation.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict means someone else holds or created the thing (a claim, a duplicate).
	ErrConflict = errors.New("conflict")
	// ErrPrecondition means an optimistic-concurrency check (ETag) failed.
	ErrPrecondition = errors.New("precondition failed")
	// ErrThrottled means an upstream asked us to slow down; see RetryAfter.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable means an upstream is temporarily unavailable; retrying later may work.
	ErrUnavailable = errors.New("unavailable")
	// ErrUnauthorized means the caller's credentials are missing or wrong.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden means the credentials are valid but lack a permission.
	ErrForbidden = errors.New("forbidden")
	// ErrTooLarge means a body or file exceeds a size limit.
	ErrTooLarge = errors.New("too large")
	// ErrUnsupportedMedia means the request's content type is not accepted.
	ErrUnsupportedMedia = errors.New("unsupported media type")
	// ErrNotImplemented means the function exists but its logic has not landed yet.
	ErrNotImplemented = errors.New("not implemented")
)

// Throttled is an ErrThrottled (or ErrUnavailable) that carries the upstream's Retry-After.
type Throttled struct {
	Op         string        // what was being done, for logs
	RetryAfter time.Duration // zero when the upstream gave none
	Err        error         // ErrThrottled or ErrUnavailable, possibly wrapping the SDK error
}

// Error describes the throttling without any upstream response body.
func (t *Throttled) Error() string {
	if t.RetryAfter > 0 {
		return fmt.Sprintf("%s: %v (retry after %s)", t.Op, t.Err, t.RetryAfter)
	}
	return fmt.Sprintf("%s: %v", t.Op, t.Err)
}

// Unwrap lets errors.Is see the sentinel.
func (t *Throttled) Unwrap() error { return t.Err }

// RetryAfter returns the Retry-After carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var t *Throttled
	if errors.As(err, &t) && t.RetryAfter > 0 {
		return t.RetryAfter, true
	}
	return 0, false
}

// Field is one problem with one named input, for validation errors that name every field.
type Field struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// Validation is an ErrInvalid that lists every offending field at once.
type Validation struct {
	Fields []Field
}

// Error lists the fields and their problems.
func (v *Validation) Error() string {
	s := "invalid input:"
	for i, f := range v.Fields {
		if i > 0 {
			s += ";"
		}
		s += " " + f.Name + ": " + f.Message
	}
	return s
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (v *Validation) Unwrap() error { return ErrInvalid }

// Add records a problem with a field.
func (v *Validation) Add(name, format string, args ...any) {
	v.Fields = append(v.Fields, Field{Name: name, Message: fmt.Sprintf(format, args...)})
}

// Err returns v when it holds problems, else nil.
func (v *Validation) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// public is an error with a message that is safe to show to API clients.
type public struct {
	msg string
	err error
}

func (p *public) Error() string { return p.msg + ": " + p.err.Error() }
func (p *public) Unwrap() error { return p.err }

// WithPublic attaches a client-safe message to err (which should wrap a sentinel). Only such
// messages, never internal error text, reach HTTP responses.
func WithPublic(err error, format string, args ...any) error {
	return &public{msg: fmt.Sprintf(format, args...), err: err}
}

// PublicMessage returns the client-safe message attached with WithPublic, if any.
func PublicMessage(err error) (string, bool) {
	var p *public
	if errors.As(err, &p) {
		return p.msg, true
	}
	return "", false
}
