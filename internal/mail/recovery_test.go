package mail

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// TestProcessCrashWindows kills a worker (it hangs at the named step and never acts again)
// and lets a second worker take the mail over once the leases ended: every window must end
// with one issue and one reply.
func TestProcessCrashWindows(t *testing.T) {
	tests := []struct {
		name      string
		at        func(h *harness, hook func(context.Context) error)
		wantDraft int // drafts created in all
	}{
		{"after create, before record", func(h *harness, f func(context.Context) error) { h.store.setHook("CompleteTicket", f) }, 1},
		{"Jira created, answer lost", func(h *harness, f func(context.Context) error) { h.jira.setHook("CreateIssue:after", f) }, 1},
		{"after draft, before recording it", func(h *harness, f func(context.Context) error) { h.graph.setHook("CreateReplyAll:after", f) }, 2},
		{"after recording the draft, before send", func(h *harness, f func(context.Context) error) { h.graph.setHook("Send", f) }, 1},
		{"after send, before the outcome", func(h *harness, f func(context.Context) error) { h.store.setHook("FinishMail", f) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			hook, reached := h.crash()
			tt.at(h, hook)
			ref, m := h.deliverFixture(t, "new-request", "support@contoso.com")
			h.background(ref)
			h.waitFor(t, reached)

			// While the dead worker's lease lasts, deliveries find the mail held.
			if _, err := h.p.Process(context.Background(), redeliver(ref)); !errors.Is(err, errs.ErrConflict) {
				t.Fatalf("during the lease: %v, want a conflict", err)
			}
			h.clock.Advance(fakeLease + time.Minute)
			out := h.process(t, redeliver(redeliver(ref)))
			if out.State != StateCreated || out.TicketKey != "SUP-1" {
				t.Fatalf("recovered outcome %+v", out)
			}
			if n := h.jira.count(); n != 1 {
				t.Errorf("%d issues, want 1", n)
			}
			if n := h.graph.sentCount(); n != 1 {
				t.Errorf("%d replies sent, want 1", n)
			}
			if n := len(h.graph.drafts); n != tt.wantDraft {
				t.Errorf("%d drafts, want %d", n, tt.wantDraft)
			}
			is := h.jira.snapshot("SUP-1")
			if n := len(is.attachments); n != 4 {
				t.Errorf("%d attachments, want 4 (none twice)", n)
			}
			if e := h.store.entry(m.InternetMessageID); e.State != StateCreated {
				t.Errorf("ledger %+v", e)
			}
		})
	}
}

// TestProcessRecoveryWaitsForSearch shows why the conversation stays claimed after an
// ambiguous create: Jira's search would not show the issue to an immediate successor.
func TestProcessRecoveryWaitsForSearch(t *testing.T) {
	h := newHarness(t)
	h.jira.setHook("CreateIssue:after", func(context.Context) error {
		return &errs.Throttled{Op: "create issue", Err: errs.ErrUnavailable} // a 503 after the issue was made
	})
	ref, _ := h.deliverFixture(t, "new-request", "support@contoso.com")
	if _, err := h.p.Process(context.Background(), ref); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("got %v, want unavailable", err)
	}
	h.jira.setHook("CreateIssue:after", nil)
	// The mail was let go, but the conversation was not: the retry must wait.
	if _, err := h.p.Process(context.Background(), redeliver(ref)); !errors.Is(err, errs.ErrConflict) {
		t.Fatalf("immediate retry: %v, want the conversation still claimed", err)
	}
	h.clock.Advance(fakeLease + time.Minute)
	if out := h.process(t, redeliver(ref)); out.State != StateCreated {
		t.Fatalf("outcome %+v", out)
	}
	if n := h.jira.count(); n != 1 {
		t.Errorf("%d issues, want 1", n)
	}
}

func TestProcessCommentCrash(t *testing.T) {
	h := newHarness(t)
	ref, _ := h.deliverFixture(t, "new-request", "support@contoso.com")
	h.process(t, ref)
	hook, reached := h.crash()
	h.store.setHook("FinishMail", hook)
	rref, _ := h.deliverFixture(t, "reply", "support@contoso.com")
	h.background(rref)
	h.waitFor(t, reached)
	h.clock.Advance(fakeLease + time.Minute)
	if out := h.process(t, redeliver(rref)); out.State != StateCommented {
		t.Fatalf("outcome %+v", out)
	}
	if n := len(h.jira.snapshot("SUP-1").comments); n != 1 {
		t.Errorf("%d comments, want 1", n)
	}
}

// TestProcessPrepareFailureReleases: a failure before the create call leaves nothing in
// Jira, so the conversation is let go and the next delivery proceeds at once.
func TestProcessPrepareFailureReleases(t *testing.T) {
	h := newHarness(t)
	h.jira.setHook("UserByEmail", func(context.Context) error {
		return &errs.Throttled{Op: "user search", Err: errs.ErrUnavailable}
	})
	ref, _ := h.deliverFixture(t, "new-request", "support@contoso.com")
	if _, err := h.p.Process(context.Background(), ref); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("got %v, want unavailable", err)
	}
	h.jira.setHook("UserByEmail", nil)
	if out := h.process(t, redeliver(ref)); out.State != StateCreated {
		t.Fatalf("retry: %+v", out)
	}
}

// TestFakeJiraSearchLags pins the fake's eventual consistency that the recovery tests rely
// on: a just-created issue is missing from search until the index catches up.
func TestFakeJiraSearchLags(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if _, err := h.jira.CreateIssue(ctx, NewIssue{ProjectKey: "SUP", Summary: "s", Labels: []string{"m2j-x"}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := h.jira.SearchLabel(ctx, "m2j-x"); len(got) != 0 {
		t.Errorf("search saw a fresh issue: %v", got)
	}
	h.clock.Advance(h.jira.indexLag)
	if got, _ := h.jira.SearchLabel(ctx, "m2j-x"); len(got) != 1 {
		t.Errorf("search missed an indexed issue: %v", got)
	}
}
