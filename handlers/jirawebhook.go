package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/logging"
	"github.com/mail2jira/mail2jira/internal/relay"
)

// Relayer relays one verified Jira webhook delivery (relay.Relayer).
type Relayer interface {
	Deliver(ctx context.Context, d relay.Delivery) (relay.Outcome, error)
}

// RelayDeps are what the Jira webhook function needs.
type RelayDeps struct {
	Enabled bool   // JIRA_RELAY_ENABLED
	Secret  string // JIRA_WEBHOOK_SECRET
	Relay   Relayer
	// Budget is how long the answer waits for the mail work; 10 seconds when zero. Jira
	// gives a delivery about 20 seconds, and a relay (Jira reads, image downloads, a draft
	// and its send) usually takes a second or two.
	Budget time.Duration
	// Timeout bounds the work that outlives the answer; 2 minutes when zero.
	Timeout time.Duration
}

// maxWebhookBody bounds a delivery: Jira's comment payloads are a few KB, a long comment
// with its ADF some hundred KB.
const maxWebhookBody = 4 << 20

// JiraWebhookFunc serves the Jira admin webhook. It is a proxied function (an HTTP trigger
// and an HTTP output only), so the body read here is the bytes Jira signed; the
// envelope would hand over a re-decoded string instead. Answers: 404 while relaying is
// off (Jira does not retry it, and there is nothing to retry into), 401 without a valid
// signature, 200 with the outcome, 202 when the mail work goes on after the answer or
// another worker has the comment (the delivery claim and relay.Pending finish it), and
// 503 on a transient failure, which Jira retries for about 30 minutes
// (https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy).
func JiraWebhookFunc(d RelayDeps) HTTPFunc {
	if d.Budget <= 0 {
		d.Budget = 10 * time.Second
	}
	if d.Timeout <= 0 {
		d.Timeout = 2 * time.Minute
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if !d.Enabled || d.Relay == nil {
			return errs.WithPublic(fmt.Errorf("jira webhook: relay off: %w", errs.ErrNotFound),
				"relaying Jira comments is turned off on this service (JIRA_RELAY_ENABLED)")
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
		if err != nil {
			return fmt.Errorf("read webhook body: %v: %w", err, errs.ErrInvalid)
		}
		if len(body) > maxWebhookBody {
			return errs.WithPublic(errs.ErrTooLarge, "the webhook body exceeds %d bytes", maxWebhookBody)
		}
		if err := relay.Verify(d.Secret, body, r.Header.Get(relay.SignatureHeader)); err != nil {
			return errs.WithPublic(err, "send the webhook with the configured secret (%s: sha256=<HMAC of the body>)", relay.SignatureHeader)
		}
		del, err := relay.ParseDelivery(body, r.Header)
		if err != nil {
			return err
		}
		out, done, err := d.run(r.Context(), del)
		switch {
		case !done:
			writeJSON(w, http.StatusAccepted, "application/json", relay.Outcome{Result: "accepted", Reason: "the relay continues after this answer"})
		case errors.Is(err, errs.ErrConflict):
			writeJSON(w, http.StatusAccepted, "application/json", relay.Outcome{Result: "accepted", Reason: "another worker is relaying this comment"})
		case err != nil:
			return errs.WithPublic(fmt.Errorf("%w: %w", errs.ErrUnavailable, err), "the comment could not be relayed now; retry later")
		default:
			writeJSON(w, http.StatusOK, "application/json", out)
		}
		return nil
	}
}

// run relays in its own goroutine, detached from the request, and waits up to the budget:
// a slow relay finishes after the answer instead of being cut off mid-send.
func (d RelayDeps) run(ctx context.Context, del relay.Delivery) (relay.Outcome, bool, error) {
	type result struct {
		out relay.Outcome
		err error
	}
	ch := make(chan result, 1)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.Timeout)
	go func() {
		defer cancel()
		out, err := d.Relay.Deliver(wctx, del)
		ch <- result{out, err}
	}()
	t := time.NewTimer(d.Budget)
	defer t.Stop()
	select {
	case res := <-ch:
		return res.out, true, res.err
	case <-t.C:
		logging.From(ctx).Info("relay continues after the answer", "issue", del.IssueKey, "comment", del.CommentID)
		return relay.Outcome{}, false, nil
	}
}
