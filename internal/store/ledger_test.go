package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// TestSameMailInTwoMailboxes delivers one mail to two configured mailboxes: it is processed
// once, the second copy is recorded as a duplicate, and both rows agree.
func TestSameMailInTwoMailboxes(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	a := MailRef{Mailbox: "Sales@example.com", InternetMessageID: "<both@example.org>", GraphID: "ga", Subject: "hello"}
	b := MailRef{Mailbox: "support@example.com", InternetMessageID: "<both@example.org>", GraphID: "gb", Subject: "hello"}

	_, ca, err := s.BeginMail(ctx, a, time.Minute)
	if err != nil || ca == nil {
		t.Fatalf("first copy: %v, %v", ca, err)
	}
	// While the first copy is processing, the second is a duplicate, not a wait.
	eb, cb, err := s.BeginMail(ctx, b, time.Minute)
	if err != nil || cb != nil {
		t.Fatalf("second copy: claim %v, %v; want no claim", cb, err)
	}
	if eb.State != StateDuplicate || eb.DuplicateOf != "sales@example.com" || eb.Mailbox != "support@example.com" {
		t.Errorf("second copy entry %+v", eb)
	}
	if err := s.FinishMail(ctx, ca, Outcome{State: StateCreated, TicketKey: "dup-1"}); err != nil {
		t.Fatalf("finish: %v", err)
	}
	// A redelivery of either copy does nothing.
	for _, ref := range []MailRef{a, b} {
		if e, c, err := s.BeginMail(ctx, ref, time.Minute); err != nil || c != nil || !e.State.Final() {
			t.Errorf("redelivery to %s: %+v, %v, %v", ref.Mailbox, e, c, err)
		}
	}
	owner, err := s.Mail(ctx, a)
	if err != nil {
		t.Fatalf("Mail: %v", err)
	}
	got := []string{string(owner.State), owner.TicketKey, owner.Mailbox}
	if diff := cmp.Diff([]string{"created", "DUP-1", "sales@example.com"}, got); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"support@example.com"}, owner.Copies); diff != "" {
		t.Errorf("owner copies (-want +got):\n%s", diff)
	}
	dup, err := s.Mail(ctx, b)
	if err != nil || dup.State != StateDuplicate || dup.GraphID != "gb" {
		t.Errorf("duplicate copy: %+v, %v", dup, err)
	}
}

func TestRecordMail(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	ref := MailRef{Mailbox: "m@example.com", InternetMessageID: "<ooo@x>"}
	e, err := s.RecordMail(ctx, ref, Outcome{State: StateFiltered, Reason: "out-of-office by message class"})
	if err != nil || e.State != StateFiltered {
		t.Fatalf("record: %+v, %v", e, err)
	}
	// A second record keeps the first outcome.
	e, err = s.RecordMail(ctx, ref, Outcome{State: StateFailed, Reason: "later"})
	if err != nil || e.State != StateFiltered || e.Reason != "out-of-office by message class" {
		t.Errorf("second record: %+v, %v", e, err)
	}
	if _, err := s.RecordMail(ctx, ref, Outcome{State: StateProcessing}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("non-final outcome: %v, want ErrInvalid", err)
	}
	if _, err := s.RecordMail(ctx, MailRef{Mailbox: "m@example.com"}, Outcome{State: StateOwn}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("mail without ids: %v, want ErrInvalid", err)
	}
	// A mail being processed cannot be recorded over.
	busy := MailRef{Mailbox: "m@example.com", InternetMessageID: "<busy@x>"}
	if _, _, err := s.BeginMail(ctx, busy, time.Minute); err != nil {
		t.Fatalf("begin: %v", err)
	}
	if _, err := s.RecordMail(ctx, busy, Outcome{State: StateFiltered}); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("record over a live claim: %v, want ErrConflict", err)
	}
	// Mail without an internetMessageId is keyed by mailbox and Graph id.
	g := MailRef{Mailbox: "m@example.com", GraphID: "AAMk/graph+id=="}
	if _, err := s.RecordMail(ctx, g, Outcome{State: StateOwn}); err != nil {
		t.Fatalf("record by graph id: %v", err)
	}
	if e, err := s.Mail(ctx, g); err != nil || e.State != StateOwn {
		t.Errorf("Mail by graph id: %+v, %v", e, err)
	}
}

// TestMarkEnqueued walks the sweep's decisions: enqueue new mail once, again only after the
// re-enqueue age, never while processing or after an outcome, failed mail only on request.
func TestMarkEnqueued(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	ref := MailRef{Mailbox: "m@example.com", InternetMessageID: "<sweep@x>"}
	opts := EnqueueOptions{MinAge: 30 * time.Minute}
	step := func(name string, want bool, o EnqueueOptions) {
		t.Helper()
		got, err := s.MarkEnqueued(ctx, ref, o)
		if err != nil || got != want {
			t.Errorf("%s: MarkEnqueued = %v, %v; want %v", name, got, err, want)
		}
	}
	step("new mail", true, opts)
	step("enqueued just now", false, opts)
	clk.Advance(31 * time.Minute)
	step("still waiting after the age", true, opts)

	_, c, err := s.BeginMail(ctx, ref, time.Hour)
	if err != nil || c == nil || c.Recover() {
		t.Fatalf("begin after enqueue: %v, %v; want a first claim", c, err)
	}
	clk.Advance(31 * time.Minute)
	step("processing", false, opts)
	if err := s.FinishMail(ctx, c, Outcome{State: StateFailed, Reason: "jira rejected the issue"}); err != nil {
		t.Fatalf("finish: %v", err)
	}
	step("failed", false, opts)
	step("failed, retry asked", true, EnqueueOptions{MinAge: opts.MinAge, RetryFailed: true})
	_, c, err = s.BeginMail(ctx, ref, time.Hour)
	if err != nil || c == nil || !c.Recover() {
		t.Fatalf("begin after retry: %v, %v; want a recovering claim", c, err)
	}
}

func TestMailLog(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	record := func(mailbox, id string, st State) {
		t.Helper()
		if _, err := s.RecordMail(ctx, MailRef{Mailbox: mailbox, InternetMessageID: id}, Outcome{State: st}); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	record("a@example.com", "<old@x>", StateFiltered)
	clk.Advance(48 * time.Hour)
	record("a@example.com", "<1@x>", StateFiltered)
	clk.Advance(time.Minute)
	record("b@example.com", "<2@x>", StateOwn)
	clk.Advance(time.Minute)
	record("a@example.com", "<3@x>", StateOwn)

	tests := []struct {
		name string
		q    LogQuery
		want []string
	}{
		{"last day", LogQuery{Since: clk.Now().Add(-24 * time.Hour)}, []string{"<3@x>", "<2@x>", "<1@x>"}},
		{"one mailbox", LogQuery{Since: clk.Now().Add(-24 * time.Hour), Mailbox: "A@example.com"}, []string{"<3@x>", "<1@x>"}},
		{"one outcome", LogQuery{Since: clk.Now().Add(-24 * time.Hour), States: []State{StateOwn}}, []string{"<3@x>", "<2@x>"}},
		{"everything", LogQuery{Since: clk.Now().Add(-72 * time.Hour)}, []string{"<3@x>", "<2@x>", "<1@x>", "<old@x>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entries, err := s.MailLog(ctx, tt.q)
			if err != nil {
				t.Fatalf("MailLog: %v", err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.InternetMessageID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
