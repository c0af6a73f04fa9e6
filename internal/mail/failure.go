package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Transient reports whether retrying err later may succeed: throttling, an unavailable
// service, a claim held or taken over elsewhere, a cancelled invocation, or an error no
// adapter classified. Refusals (invalid, forbidden, not found, too large) are permanent.
func Transient(err error) bool {
	for _, permanent := range []error{errs.ErrInvalid, errs.ErrForbidden, errs.ErrNotFound, errs.ErrTooLarge, errs.ErrUnsupportedMedia} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return err != nil
}

// failed ends a mail that hit err: a transient error lets go of the claim and is returned
// so the queue retries, unless this is the queue's last delivery; a permanent one is
// recorded as failed with its reason.
func (p *Processor) failed(ctx context.Context, ref Ref, c Claim, mr MailRef, err error) (Outcome, error) {
	if Transient(err) && !ref.lastAttempt() {
		if c != nil {
			if rerr := c.Release(context.WithoutCancel(ctx), err.Error()); rerr != nil {
				p.log().WarnContext(ctx, "release mail claim", "err", rerr)
			}
		}
		return Outcome{}, err
	}
	res := Result{State: StateFailed, Reason: err.Error()}
	if Transient(err) {
		res.Reason = "gave up after the queue's last delivery: " + res.Reason
	}
	var rerr error
	if c != nil {
		rerr = p.Store.FinishMail(context.WithoutCancel(ctx), c, res)
	} else {
		rerr = p.Store.RecordMail(context.WithoutCancel(ctx), mr, res)
	}
	if rerr != nil {
		return Outcome{Result: res}, fmt.Errorf("record failure (%v): %w", err, rerr)
	}
	return Outcome{Result: res}, nil
}

// fetchFailed handles a mail Graph would not give us. Without the message there is no
// internetMessageId, so a failure is recorded under the Graph id.
func (p *Processor) fetchFailed(ctx context.Context, ref Ref, err error) (Outcome, error) {
	err = fmt.Errorf("fetch message: %w", err)
	mr := MailRef{Mailbox: ref.Mailbox, GraphID: ref.MessageID}
	return p.failed(ctx, ref, nil, mr, err)
}

// busy answers a mail another worker holds: retry later, or on the last delivery leave it
// to the holder (and the sweep, should the holder die).
func (p *Processor) busy(ref Ref, err error) (Outcome, error) {
	if ref.lastAttempt() {
		return Outcome{Busy: true}, nil
	}
	return Outcome{Busy: true}, fmt.Errorf("mail held by another worker: %w", err)
}

// logOutcome writes the one log line per mail.
func (p *Processor) logOutcome(ctx context.Context, ref Ref, out Outcome, err error, start time.Time) {
	attrs := []any{
		"mailbox", ref.Mailbox, "message", ref.MessageID, "dequeue", ref.DequeueCount,
		"state", string(out.State), "reason", out.Reason, "ticket", out.TicketKey,
		"class", string(out.Class), "repeat", out.Repeat, "busy", out.Busy,
		"ms", p.now().Sub(start).Milliseconds(),
	}
	if err != nil {
		p.log().WarnContext(ctx, "mail not processed; will retry", append(attrs, "err", err)...)
		return
	}
	p.log().InfoContext(ctx, "mail processed", attrs...)
}
