package ingest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/store"
)

func lifecycleBody(sub store.Subscription, event, clientState string) []byte {
	return fmt.Appendf(nil, `{"value":[{"subscriptionId":%q,"subscriptionExpirationDateTime":"2026-03-16T09:00:00Z","tenantId":"t","clientState":%q,"lifecycleEvent":%q,"resource":%q}]}`,
		sub.ID, clientState, event, sub.Resource)
}

func TestLifecycle(t *testing.T) {
	tests := []struct {
		name        string
		event       string
		wrongSecret bool
		wantNewSub  bool // the inbox subscription was replaced
		wantSwept   bool // the mailbox's mail was enqueued
		wantExpiry  bool // the subscription's expiry moved
	}{
		{name: "reauthorizationRequired renews", event: EventReauthorize, wantExpiry: true},
		{name: "subscriptionRemoved recreates and sweeps", event: EventRemoved, wantNewSub: true, wantSwept: true},
		{name: "missed sweeps", event: EventMissed, wantSwept: true},
		{name: "wrong clientState is dropped", event: EventRemoved, wrongSecret: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, g, st, clk := newRenewer(t)
			ctx := context.Background()
			if _, err := r.Run(ctx); err != nil {
				t.Fatal(err)
			}
			s := &Sweeper{Graph: g, Store: st, Mailboxes: r.Mailboxes, LookbackDays: 2, Log: quiet(), Now: clk.Now}
			l := &Lifecycle{Index: r.Index, Renewer: r, Sweeper: s, Budget: time.Minute, Log: quiet()}
			mail := g.deliver(mb, FolderInbox, 3, time.Hour)
			before, err := st.Subscription(ctx, mb, FolderInbox)
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Hour)
			if tt.event == EventRemoved && !tt.wrongSecret {
				if err := g.DeleteSubscription(ctx, before.ID); err != nil { // Graph removed it
					t.Fatal(err)
				}
			}
			secret := before.ClientState
			if tt.wrongSecret {
				secret = "not-the-secret"
			}
			msgs, err := l.Handle(ctx, lifecycleBody(before, tt.event, secret))
			if err != nil {
				t.Fatal(err)
			}
			after, err := st.Subscription(ctx, mb, FolderInbox)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.ID != before.ID; got != tt.wantNewSub {
				t.Errorf("new subscription: %v (before %s after %s)", got, before.ID, after.ID)
			}
			if got := after.Expires.After(before.Expires); got != tt.wantExpiry && !tt.wantNewSub {
				t.Errorf("expiry moved: %v", got)
			}
			if after.Status != StatusActive {
				t.Errorf("status %q", after.Status)
			}
			if got := len(msgs) == len(mail); got != tt.wantSwept {
				t.Errorf("swept %d messages", len(msgs))
			}
			if tt.wantNewSub {
				if _, ok, _ := r.Index.Lookup(ctx, after.ID); !ok {
					t.Error("the new subscription is not in the index")
				}
				if len(g.resources()) != 4 {
					t.Errorf("%d live subscriptions", len(g.resources()))
				}
			}
		})
	}
}

func TestLifecycleLeaseHeldLeavesStatusForTheTimer(t *testing.T) {
	r, g, st, _ := newRenewer(t)
	ctx := context.Background()
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	sub, err := st.Subscription(ctx, mb, FolderInbox)
	if err != nil {
		t.Fatal(err)
	}
	claim, err := st.AcquireLease(ctx, LeaseSubscriptions, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_ = g.DeleteSubscription(ctx, sub.ID)
	l := &Lifecycle{Index: r.Index, Renewer: r, Sweeper: &Sweeper{Graph: g, Store: st, Mailboxes: r.Mailboxes, LookbackDays: 2, Log: quiet()}, Log: quiet()}
	if _, err := l.Handle(ctx, lifecycleBody(sub, EventRemoved, sub.ClientState)); err != nil {
		t.Fatal(err)
	}
	row, _ := st.Subscription(ctx, mb, FolderInbox)
	if row.Status != StatusRemoved || row.ID != sub.ID {
		t.Fatalf("row %s %s, want the old one marked removed", row.ID, row.Status)
	}
	_ = claim.Release(ctx, "test")
	rep, err := r.Run(ctx)
	if err != nil || rep.Created != 1 {
		t.Errorf("the timer did not recreate it: %+v, %v", rep, err)
	}
}
