package handlers

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/registry"
)

func TestE2ELifecycle(t *testing.T) {
	tests := []struct {
		event     graphemu.LifecycleEvent
		recreated bool
		wantSwept bool
		renewed   bool
	}{
		{event: graphemu.SubscriptionRemoved, recreated: true, wantSwept: true},
		{event: graphemu.Missed, wantSwept: true},
		{event: graphemu.ReauthorizationRequired, renewed: true},
	}
	for _, tt := range tests {
		t.Run(string(tt.event), func(t *testing.T) {
			e := newE2E(t, true)
			mail := e.deliver(t, 3) // before any subscription: no notifications
			e.invoke(t, registry.FuncRenewSubscriptions)
			ctx := context.Background()
			before, err := e.st.Subscription(ctx, supportBox, ingest.FolderInbox)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.emu.FireLifecycle(before.ID, tt.event); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the lifecycle event", func() bool { return e.emu.Stats().Notifications >= 1 })
			after, err := e.st.Subscription(ctx, supportBox, ingest.FolderInbox)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.ID != before.ID; got != tt.recreated {
				t.Errorf("recreated = %v", got)
			}
			if tt.renewed && !after.Expires.After(before.Expires) {
				t.Errorf("expiry %s not moved past %s", after.Expires, before.Expires)
			}
			if live := e.emu.SubscriptionIDs(); len(live) != 2 || !contains(live, after.ID) {
				t.Errorf("live subscriptions %v, want 2 including %s", live, after.ID)
			}
			var want []string
			if tt.wantSwept {
				want = mail
			}
			if diff := cmp.Diff(want, e.queuedIDs()); diff != "" {
				t.Errorf("swept (-want +got):\n%s", diff)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
