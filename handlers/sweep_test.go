package handlers

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// TestE2ESweepWithoutNotifications is SUBSCRIPTIONS_ENABLED=false: the renewal timer does
// nothing, and the sweep timer alone enqueues each of 300 mails once; a second sweep
// enqueues nothing.
func TestE2ESweepWithoutNotifications(t *testing.T) {
	e := newE2E(t, false)
	e.invoke(t, registry.FuncRenewSubscriptions)
	if n := len(e.emu.SubscriptionIDs()); n != 0 {
		t.Fatalf("%d subscriptions while disabled", n)
	}
	want := e.deliver(t, 300)
	e.invoke(t, registry.FuncSweep)
	if diff := cmp.Diff(want, e.queuedIDs()); diff != "" {
		t.Errorf("first sweep (-want +got):\n%s", diff)
	}
	if res := e.invoke(t, registry.FuncSweep); len(res.Messages) != 0 {
		t.Errorf("second sweep enqueued %d", len(res.Messages))
	}
}

// TestE2ESweepUnderThrottling: 20% of Graph's delta calls answer 429 with Retry-After. Each
// throttled run stops where it was and the next resumes; nothing is lost or enqueued twice.
func TestE2ESweepUnderThrottling(t *testing.T) {
	e := newE2E(t, false)
	e.emu.SetLimits(&graphemu.Limits{Concurrent: 4, Requests: 10000, Window: 600e9})
	want := e.deliver(t, 300)
	e.emu.InjectFault(graphemu.RouteMessageDelta, graphemu.Fault{Status: 429, RetryAfter: 1e9, Fraction: 0.2})
	for run := 0; len(e.queuedIDs()) < len(want) && run < 200; run++ {
		e.invoke(t, registry.FuncSweep)
	}
	e.emu.ClearFaults()
	e.invoke(t, registry.FuncSweep)
	if diff := cmp.Diff(want, e.queuedIDs()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	st := e.emu.Stats()
	if st.Throttled == 0 || st.MaxConcurrent[supportBox] > 4 {
		t.Errorf("throttled %d times, at most %d concurrent calls", st.Throttled, st.MaxConcurrent[supportBox])
	}
}
