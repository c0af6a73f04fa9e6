package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func newTicket(tb testing.TB, s *Store, mailbox, conv, key, reporter string) Ticket {
	tb.Helper()
	tk, c, err := s.ClaimConversation(context.Background(), mailbox, conv, time.Minute)
	if err != nil || c == nil {
		tb.Fatalf("claim %s: %v, %v", conv, c, err)
	}
	tk.Key, tk.Reporter = key, reporter
	tk, err = s.CompleteTicket(context.Background(), c, tk)
	if err != nil {
		tb.Fatalf("complete %s: %v", conv, err)
	}
	return tk
}

func TestClaimMappedConversationReturnsTicket(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	newTicket(t, s, "help@example.com", "c1", "TK-1", "ann@example.com")
	tk, c, err := s.ClaimConversation(ctx, "help@example.com", "c1", time.Minute)
	if err != nil || c != nil || tk.Key != "TK-1" {
		t.Errorf("claim on a mapped thread: %q, %v, %v; want the ticket and no claim", tk.Key, c, err)
	}
	// A claim in progress is not a ticket yet.
	if _, _, err := s.ClaimConversation(ctx, "help@example.com", "c2", time.Minute); err != nil {
		t.Fatalf("claim: %v", err)
	}
	if _, err := s.Ticket(ctx, "help@example.com", "c2"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Ticket while claimed: %v, want ErrNotFound", err)
	}
	if _, err := s.Ticket(ctx, "help@example.com", "nope"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Ticket of unknown thread: %v, want ErrNotFound", err)
	}
}

func TestCompleteTicketChecksClaim(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	tk, c, err := s.ClaimConversation(ctx, "help@example.com", "c1", time.Minute)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	other := tk
	other.ConversationID, other.Key = "c2", "TK-2"
	if _, err := s.CompleteTicket(ctx, c, other); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("completing another thread: %v, want ErrInvalid", err)
	}
	lease, err := s.AcquireLease(ctx, "job", time.Minute)
	if err != nil {
		t.Fatalf("lease: %v", err)
	}
	tk.Key = "TK-1"
	if _, err := s.CompleteTicket(ctx, lease, tk); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("completing with a lease: %v, want ErrInvalid", err)
	}
	if _, err := s.CompleteTicket(ctx, c, tk); err != nil {
		t.Fatalf("complete: %v", err)
	}
	if _, err := s.CompleteTicket(ctx, c, tk); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("completing twice: %v, want ErrPrecondition", err)
	}
}

// TestUpdateTicketIsConditional: concurrent modifications all land, and a write over a
// stale version is refused.
func TestUpdateTicketIsConditional(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	stale := newTicket(t, s, "help@example.com", "c1", "TK-1", "ann@example.com")
	var wg sync.WaitGroup
	for _, p := range []string{"a@x", "b@x", "c@x", "d@x", "e@x", "f@x"} {
		wg.Go(func() {
			_, err := s.ModifyTicket(ctx, "help@example.com", "c1", func(t *Ticket) error {
				t.Participants = append(t.Participants, p)
				return nil
			})
			if err != nil {
				t.Errorf("modify: %v", err)
			}
		})
	}
	wg.Wait()
	got, err := s.Ticket(ctx, "help@example.com", "c1")
	if err != nil || len(got.Participants) != 6 {
		t.Errorf("participants %v, %v; want all six", got.Participants, err)
	}
	stale.LastMessageID = "lost"
	if _, err := s.UpdateTicket(ctx, stale); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("stale update: %v, want ErrPrecondition", err)
	}
}

func TestRecordSent(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	tk := newTicket(t, s, "help@example.com", "c1", "TK-1", "ann@example.com")
	sent := MailRef{Mailbox: "help@example.com", InternetMessageID: "<reply-1@help>", GraphID: "draft-1", ConversationID: "c1"}
	if _, err := s.RecordSent(ctx, tk, sent); err != nil {
		t.Fatalf("RecordSent: %v", err)
	}
	got, err := s.Ticket(ctx, "help@example.com", "c1")
	if err != nil {
		t.Fatalf("Ticket: %v", err)
	}
	if diff := cmp.Diff([]string{"<reply-1@help>"}, got.SentIDs); diff != "" {
		t.Errorf("sent ids (-want +got):\n%s", diff)
	}
	// The copy in Sent Items, and a copy in another configured mailbox, are never processed.
	for _, mb := range []string{"help@example.com", "other@example.com"} {
		e, c, err := s.BeginMail(ctx, MailRef{Mailbox: mb, InternetMessageID: "<reply-1@help>"}, time.Minute)
		if err != nil || c != nil || !e.State.Final() || e.TicketKey != "TK-1" {
			t.Errorf("copy in %s: %+v, %v, %v; want a final entry for TK-1", mb, e, c, err)
		}
	}
}

func TestForgetTicket(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	tk := newTicket(t, s, "help@example.com", "c1", "TK-1", "ann@example.com")
	if err := s.ForgetTicket(ctx, tk); err != nil {
		t.Fatalf("forget: %v", err)
	}
	if _, err := s.TicketByKey(ctx, "TK-1"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("TicketByKey after forget: %v, want ErrNotFound", err)
	}
	if refs, err := s.TicketsByReporter(ctx, "ann@example.com", time.Time{}); err != nil || len(refs) != 0 {
		t.Errorf("TicketsByReporter after forget: %v, %v", refs, err)
	}
	_, c, err := s.ClaimConversation(ctx, "help@example.com", "c1", time.Minute)
	if err != nil || c == nil || c.Recover() {
		t.Errorf("claim after forget: %v, %v; want a fresh claim", c, err)
	}
}

// TestTicketsByReporterSince serves the per-sender hourly cap.
func TestTicketsByReporterSince(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	newTicket(t, s, "help@example.com", "c1", "TK-1", "storm@example.com")
	clk.Advance(2 * time.Hour)
	newTicket(t, s, "help@example.com", "c2", "TK-2", "storm@example.com")
	newTicket(t, s, "help@example.com", "c3", "TK-3", "storm@example.com")
	refs, err := s.TicketsByReporter(ctx, "storm@example.com", clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatalf("TicketsByReporter: %v", err)
	}
	var keys []string
	for _, r := range refs {
		keys = append(keys, r.Key)
	}
	if diff := cmp.Diff([]string{"TK-2", "TK-3"}, keys); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
