package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// Ingest is what the ingestion functions (notifications, lifecycle, renewal, sweep and the
// operator functions) run on.
type Ingest struct {
	Notifications *ingest.Notifications
	Lifecycle     *ingest.Lifecycle
	Renewer       *ingest.Renewer
	Sweeper       *ingest.Sweeper
	Checker       *ingest.Checker
	Store         ingest.Store
	RetentionDays int
	// HTTPBudget caps an operator's sweep over HTTP below the front end's request timeout
	// (230 s in Azure); a longer sweep resumes on the next call.
	HTTPBudget time.Duration
	// AfterSweep runs after each timer sweep (the relay's safety net for missed comments).
	AfterSweep func(ctx context.Context) error
}

// maxValidationToken bounds the token we echo; Graph's are well under it.
const maxValidationToken = 2048

// validation answers Graph's validation handshake when the request carries a
// validationToken: 200, text/plain, the URL-decoded token, never interpreted as HTML.
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
func validation(req *Request) (*Response, bool, error) {
	q := req.URL.Query()
	if !q.Has("validationToken") {
		return nil, false, nil
	}
	tok := q.Get("validationToken")
	if tok == "" || len(tok) > maxValidationToken || !utf8.ValidString(tok) || strings.ContainsAny(tok, "\r\n\x00") {
		return nil, true, errs.WithPublic(fmt.Errorf("validation token of %d bytes: %w", len(tok), errs.ErrInvalid), "the validationToken is empty, too long or not text")
	}
	h := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Content-Type-Options": {"nosniff"},
		"Content-Security-Policy": {"default-src 'none'"}}
	return &Response{Status: http.StatusOK, Header: h, Body: []byte(tok)}, true, nil
}

// graphPost is the shape of both Graph triggers: the handshake, else a collection whose
// queue messages go to the queue output with 202.
func graphPost(handle func(ctx context.Context, body []byte) ([]ingest.QueueMessage, error)) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		if inv.Request == nil {
			return nil, fmt.Errorf("%s needs an HTTP request: %w", inv.Function, errs.ErrInvalid)
		}
		if res, ok, err := validation(inv.Request); ok {
			return &Result{Response: res}, err
		}
		msgs, err := handle(ctx, inv.Request.Body)
		if err != nil {
			return nil, err
		}
		raw, err := ingest.Encode(msgs)
		if err != nil {
			return nil, err
		}
		return &Result{Response: &Response{Status: http.StatusAccepted}, Messages: raw}, nil
	}
}

// graphNotifications is the GraphNotifications function: no Graph or Jira call, one queue
// message per valid created notification.
func graphNotifications(in *Ingest) InvokeFunc { return graphPost(in.Notifications.Handle) }
