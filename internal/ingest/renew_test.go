package ingest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

const base = "https://m2j.example.net"

func newRenewer(t *testing.T) (*Renewer, *fakeGraph, *store.Store, *clock) {
	t.Helper()
	clk := newClock()
	st := openStore(t, clk.Now)
	g := newFakeGraph(clk.Now)
	r := &Renewer{Graph: g, Store: st, Index: &SubscriptionIndex{Store: st, Now: clk.Now}, Mailboxes: []string{mb, "sales@example.com"},
		BaseURL: base, Margin: 48 * time.Hour, Enabled: true, Log: quiet(), Now: clk.Now}
	return r, g, st, clk
}

var wantResources = []string{
	"users/sales@example.com/mailFolders('inbox')/messages", "users/sales@example.com/mailFolders('sentitems')/messages",
	"users/support@example.com/mailFolders('inbox')/messages", "users/support@example.com/mailFolders('sentitems')/messages",
}

func TestRenewerCreatesKeepsRenewsAndRecreates(t *testing.T) {
	r, g, st, clk := newRenewer(t)
	ctx := context.Background()
	steps := []struct {
		name    string
		before  func()
		want    RenewReport
		wantErr bool
	}{
		{"first run creates four", nil, RenewReport{Created: 4}, false},
		{"second run keeps them", func() { clk.Advance(time.Hour) }, RenewReport{Kept: 4}, false},
		{"within the margin they are renewed", func() { clk.Advance(6 * 24 * time.Hour) }, RenewReport{Renewed: 4}, false},
		{"404 on renewal recreates", func() {
			clk.Advance(6 * 24 * time.Hour)
			g.mu.Lock()
			for id, s := range g.subs {
				if s.Resource == wantResources[0] {
					delete(g.subs, id)
				}
			}
			g.mu.Unlock()
		}, RenewReport{Created: 1, Renewed: 3}, false},
		{"a duplicate and a stale one are deleted", func() {
			g.mu.Lock()
			g.subs["dup"] = GraphSubscription{ID: "dup", Resource: wantResources[2], NotificationURL: r.NotificationURL(), LifecycleURL: r.LifecycleURL(), Expires: clk.Now().Add(time.Hour)}
			g.subs["other-env"] = GraphSubscription{ID: "other-env", Resource: wantResources[2], NotificationURL: "https://staging.example.net/api/graph/notifications", Expires: clk.Now().Add(time.Hour)}
			g.mu.Unlock()
		}, RenewReport{Kept: 4, Deleted: 1}, false},
		{"renewal failures are reported", func() {
			clk.Advance(6 * 24 * time.Hour)
			g.failRenew = fmt.Errorf("renew: %w", errs.ErrUnavailable)
		}, RenewReport{}, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.before != nil {
				s.before()
			}
			rep, err := r.Run(ctx)
			if (err != nil) != s.wantErr {
				t.Fatalf("err = %v", err)
			}
			if diff := cmp.Diff(s.want, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
	got := g.resources()
	if diff := cmp.Diff(append(append([]string(nil), wantResources[:3]...), wantResources[2], wantResources[3]), got); diff != "" {
		t.Errorf("live subscriptions (-want +got):\n%s", diff)
	}
	rows, err := st.Subscriptions(ctx)
	if err != nil || len(rows) != 4 {
		t.Fatalf("stored rows %d, %v", len(rows), err)
	}
	secrets := map[string]bool{}
	for _, row := range rows {
		if len(row.ClientState) < 40 || len(row.ClientState) > 128 || secrets[row.ClientState] {
			t.Errorf("clientState of %s %s is not a fresh random secret", row.Mailbox, row.Folder)
		}
		secrets[row.ClientState] = true
		if row.LifecycleURL != base+"/api/graph/lifecycle" || row.NotificationURL != base+"/api/graph/notifications" {
			t.Errorf("URLs %s %s", row.NotificationURL, row.LifecycleURL)
		}
	}
}

func TestRenewerLeaseAndDisabled(t *testing.T) {
	r, g, st, _ := newRenewer(t)
	ctx := context.Background()
	claim, err := st.AcquireLease(ctx, LeaseSubscriptions, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Run(ctx)
	if err != nil || rep.Skipped == "" || len(g.resources()) != 0 {
		t.Errorf("with the lease held elsewhere: %+v, %v, %d subscriptions", rep, err, len(g.resources()))
	}
	if err := claim.Release(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	r.Enabled = false
	rep, err = r.Run(ctx)
	if err != nil || rep.Skipped == "" || len(g.resources()) != 0 {
		t.Errorf("disabled: %+v, %v", rep, err)
	}
	if _, err := r.Ensure(ctx); err == nil {
		t.Error("subscriptions ensure ran while disabled")
	}
}

func TestRenewerConcurrentRunsCreateOneEach(t *testing.T) {
	r, g, _, _ := newRenewer(t)
	errc := make(chan error, 3)
	for range 3 {
		go func() { _, err := r.Run(context.Background()); errc <- err }()
	}
	for range 3 {
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantResources, g.resources()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDeleteAllAndList(t *testing.T) {
	r, g, st, _ := newRenewer(t)
	ctx := context.Background()
	if _, err := r.Run(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := r.List(ctx)
	if err != nil || len(list) != 4 || !list[0].InGraph {
		t.Fatalf("list: %+v, %v", list, err)
	}
	n, err := r.DeleteAll(ctx)
	if err != nil || n != 4 || len(g.resources()) != 0 {
		t.Errorf("deleted %d, %v, %d left", n, err, len(g.resources()))
	}
	if rows, _ := st.Subscriptions(ctx); len(rows) != 0 {
		t.Errorf("%d stored rows left", len(rows))
	}
}
