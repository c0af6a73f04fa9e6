package store

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// HeldError is an errs.ErrConflict saying that a live holder has the claim until Until.
type HeldError struct {
	What  string    // what is held, for logs
	Until time.Time // when the holder's lease ends unless renewed
}

// Error names the claim and the end of the holder's lease.
func (e *HeldError) Error() string {
	return fmt.Sprintf("%s is held by another worker until %s", e.What, e.Until.UTC().Format(time.RFC3339))
}

// Unwrap lets errors.Is(err, errs.ErrConflict) hold.
func (e *HeldError) Unwrap() error { return errs.ErrConflict }

// innerStatus finds the status line of a failed operation inside an entity group
// transaction's multipart answer: the service answers 202 for the batch and reports the
// failing operation's own status inside
// (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions#sample-error-response).
var innerStatus = regexp.MustCompile(`HTTP/1\.1 ([45]\d\d)`)

// mapErr translates an aztables/azcore error into the project's sentinels, keeping the
// service's error code but never the request URL (it may carry a SAS signature).
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		// Transport failures reach us only after the SDK's retry policy gave up.
		return fmt.Errorf("%s: %w: %v", op, errs.ErrUnavailable, err)
	}
	status, code := re.StatusCode, re.ErrorCode
	if status < 400 && re.RawResponse != nil {
		if body, perr := runtime.Payload(re.RawResponse); perr == nil {
			if m := innerStatus.FindSubmatch(body); m != nil {
				status, _ = strconv.Atoi(string(m[1]))
			}
		}
	}
	detail := fmt.Sprintf("status %d", status)
	if code != "" {
		detail += " " + code
	}
	switch {
	case code == "EntityTooLarge" || code == "PropertyValueTooLarge" || status == http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrTooLarge, detail)
	case status == http.StatusNotFound:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrNotFound, detail)
	case status == http.StatusConflict:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrConflict, detail)
	case status == http.StatusPreconditionFailed:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrPrecondition, detail)
	case status == http.StatusTooManyRequests:
		return &errs.Throttled{Op: op, RetryAfter: retryAfter(re), Err: fmt.Errorf("%w (%s)", errs.ErrThrottled, detail)}
	case status == http.StatusServiceUnavailable:
		return &errs.Throttled{Op: op, RetryAfter: retryAfter(re), Err: fmt.Errorf("%w (%s)", errs.ErrUnavailable, detail)}
	case status == http.StatusUnauthorized:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrUnauthorized, detail)
	case status == http.StatusForbidden:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrForbidden, detail)
	case status >= 500:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrUnavailable, detail)
	case status >= 400:
		return fmt.Errorf("%s: %w (%s)", op, errs.ErrInvalid, detail)
	}
	return fmt.Errorf("%s: unexpected answer (%s)", op, detail)
}

func retryAfter(re *azcore.ResponseError) time.Duration {
	if re.RawResponse == nil {
		return 0
	}
	v := re.RawResponse.Header.Get("Retry-After")
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := time.Until(at); d > 0 {
			return d
		}
	}
	return 0
}
