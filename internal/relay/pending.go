package relay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// PendingReport counts what Pending did.
type PendingReport struct {
	Issues   int // issues of ours updated within the window
	Comments int // comments created within the window
	Relayed  int // relayed now
	Failed   int // failed transiently; the next run tries again
}

// Pending relays the comments that no delivery completed: those of the service's tickets
// created within the window (Options.Window) whose relay never finished (Jira gave up
// retrying, the instance died mid-relay, or relaying was switched off for a while). It
// reads Jira, not a list of its own, so a webhook that never arrived is covered too.
// Comments older than grace are considered, so that in-flight webhook deliveries go first;
// claims make any overlap harmless. The sweep timer runs it.
func (r *Relayer) Pending(ctx context.Context) (PendingReport, error) {
	var rep PendingReport
	now := r.o.Now()
	since, err := r.epoch(ctx, now.Add(-r.o.Window))
	if err != nil {
		return rep, err
	}
	keys, err := r.o.Jira.UpdatedSince(ctx, r.o.Labels, since)
	if err != nil {
		return rep, fmt.Errorf("find recently updated tickets: %w", err)
	}
	rep.Issues = len(keys)
	var problems []error
	for _, key := range keys {
		cs, err := r.o.Jira.Comments(ctx, key)
		if errors.Is(err, errs.ErrNotFound) {
			continue
		}
		if err != nil {
			problems = append(problems, fmt.Errorf("comments of %s: %w", key, err))
			continue
		}
		for _, c := range cs {
			if c.Created.Before(since) || c.Created.After(now.Add(-pendingGrace)) {
				continue
			}
			rep.Comments++
			out, err := r.Deliver(ctx, Delivery{Event: EventCommentCreated, IssueKey: key, CommentID: c.ID, Identifier: "pending"})
			switch {
			case errors.Is(err, errs.ErrConflict):
			case err != nil:
				rep.Failed++
				problems = append(problems, err)
			case out.Result == Relayed:
				rep.Relayed++
			}
		}
	}
	if len(problems) > 0 {
		return rep, fmt.Errorf("pending relays: %d failed: %w", len(problems), errors.Join(problems...))
	}
	return rep, nil
}

// epochKey is the marker that remembers when Pending first ran.
const epochKey = "pending-epoch"

// epoch moves the window's start forward to Pending's first run, so switching over from
// the old automation-mail rule never mails comments that rule relayed already.
func (r *Relayer) epoch(ctx context.Context, since time.Time) (time.Time, error) {
	mk, ok, err := r.o.Store.Marker(ctx, epochKey)
	if err != nil {
		return since, fmt.Errorf("read relay epoch: %w", err)
	}
	if !ok {
		mk = Marker{Since: r.o.Now()}
		if err := r.o.Store.PutMarker(ctx, epochKey, mk); err != nil {
			return since, fmt.Errorf("record relay epoch: %w", err)
		}
	}
	if mk.Since.After(since) {
		return mk.Since, nil
	}
	return since, nil
}

// pendingGrace leaves fresh comments to their webhook delivery, which is usually under way.
const pendingGrace = 2 * time.Minute
