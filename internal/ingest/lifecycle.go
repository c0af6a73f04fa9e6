package ingest

import (
	"context"
	"log/slog"
	"time"
)

// Lifecycle events Graph sends to the lifecycle URL.
// https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
const (
	EventReauthorize = "reauthorizationRequired"
	EventRemoved     = "subscriptionRemoved"
	EventMissed      = "missed"
)

// DefaultLifecycleBudget is how long the lifecycle trigger works on events before it
// answers: Graph expects a quick answer, and whatever is left over (a renewal, the rest of
// a sweep) is done by the renewal and sweep timers, which resume from the stored state.
const DefaultLifecycleBudget = 2 * time.Second

// Lifecycle acts on lifecycle events inline, within a budget: reauthorizationRequired renews
// the subscription, subscriptionRemoved recreates it and sweeps its mailbox, missed sweeps
// the mailbox. The sweep's messages are returned for the trigger's queue output.
type Lifecycle struct {
	Index   *SubscriptionIndex
	Renewer *Renewer
	Sweeper *Sweeper
	Budget  time.Duration // DefaultLifecycleBudget when zero
	Log     *slog.Logger
}

// Handle checks a lifecycle collection (clientState as for notifications), acts on each
// valid event and returns the queue messages of the sweeps it ran. Failures of the work
// itself are logged, not returned: the timers repair what is left, and an error answer would
// only make Graph deliver the event again.
func (l *Lifecycle) Handle(ctx context.Context, body []byte) ([]QueueMessage, error) {
	ns, err := parseCollection(body)
	if err != nil {
		return nil, err
	}
	log := logOr(l.Log)
	budget := durationOr(l.Budget, DefaultLifecycleBudget)
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	sweep := map[string]bool{}
	for _, n := range ns {
		sub, ok, err := verify(ctx, l.Index, log, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		log.InfoContext(ctx, "lifecycle event", "event", n.LifecycleEvent, "subscriptionId", sub.ID, "mailbox", sub.Mailbox, "folder", sub.Folder)
		switch n.LifecycleEvent {
		case EventReauthorize, EventRemoved:
			status := StatusReauthorize
			if n.LifecycleEvent == EventRemoved {
				status, sweep[sub.Mailbox] = StatusRemoved, true
			}
			if err := l.Renewer.Repair(ctx, sub, status); err != nil {
				log.WarnContext(ctx, "subscription repair failed; the renewal timer retries", "mailbox", sub.Mailbox, "folder", sub.Folder, "err", err)
			}
		case EventMissed:
			sweep[sub.Mailbox] = true
		default:
			log.InfoContext(ctx, "lifecycle event ignored", "event", n.LifecycleEvent)
		}
	}
	return l.sweep(ctx, log, sweep, budget), nil
}

// sweep runs the timer's sweep for the named mailboxes within what is left of the budget.
func (l *Lifecycle) sweep(ctx context.Context, log *slog.Logger, mailboxes map[string]bool, budget time.Duration) []QueueMessage {
	if len(mailboxes) == 0 {
		return nil
	}
	var list []string
	for mb := range mailboxes {
		list = append(list, mb)
	}
	rep, err := l.Sweeper.Run(ctx, SweepOptions{Mailboxes: list, Budget: budget / 2})
	if err != nil {
		log.WarnContext(ctx, "lifecycle sweep stopped; the sweep timer resumes it", "mailboxes", list, "err", err)
	}
	log.InfoContext(ctx, "lifecycle sweep", "mailboxes", list, "seen", rep.Seen, "enqueued", rep.Enqueued, "complete", rep.Complete)
	return rep.Messages
}
