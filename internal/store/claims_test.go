package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// TestClaimConversationRace has 16 workers, each with its own client, race through the same
// 500 conversations: each conversation must be won exactly once, and every winner's record
// must be the one stored.
func TestClaimConversationRace(t *testing.T) {
	const workers, convs = 16, 500
	ctx := context.Background()
	o := testTables(t)
	stores := make([]*Store, workers)
	for w := range stores {
		stores[w], _ = open(t, o)
	}
	var wins [convs]atomic.Int32
	var winner [convs]atomic.Int32
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for w, st := range stores {
		wg.Go(func() {
			for _, i := range rand.New(rand.NewPCG(uint64(w), 7)).Perm(convs) {
				tk, c, err := st.ClaimConversation(ctx, "Race@Example.com", fmt.Sprintf("conv-%03d", i), time.Minute)
				switch {
				case errors.Is(err, errs.ErrConflict):
					continue // a live winner holds it
				case err != nil:
					errc <- fmt.Errorf("worker %d claim %d: %w", w, i, err)
					return
				case c == nil:
					continue // already created
				}
				wins[i].Add(1)
				winner[i].Store(int32(w))
				tk.Key, tk.Summary, tk.Reporter = fmt.Sprintf("RACE-%d", i), fmt.Sprintf("worker %d", w), "sender@example.com"
				if _, err := st.CompleteTicket(ctx, c, tk); err != nil {
					errc <- fmt.Errorf("worker %d complete %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	for i := range convs {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("conversation %d won %d times, want exactly once", i, n)
			continue
		}
		got, err := stores[0].Ticket(ctx, "race@example.com", fmt.Sprintf("conv-%03d", i))
		if err != nil {
			t.Errorf("conversation %d: %v", i, err)
			continue
		}
		want := fmt.Sprintf("RACE-%d by worker %d", i, winner[i].Load())
		if g := got.Key + " by " + got.Summary; g != want {
			t.Errorf("conversation %d: stored %q, want %q", i, g, want)
		}
	}
	refs, err := stores[1].TicketsByReporter(ctx, "sender@example.com", time.Time{})
	if err != nil || len(refs) != convs {
		t.Errorf("TicketsByReporter: %d refs, %v; want %d", len(refs), err, convs)
	}
}

// TestBeginMailRace has 16 workers race on the same 150 mails, delivered to two configured
// mailboxes: each mail must be processed exactly once, the other copy recorded as duplicate.
func TestBeginMailRace(t *testing.T) {
	const workers, mails = 16, 150
	ctx := context.Background()
	o := testTables(t)
	var wins [mails]atomic.Int32
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		st, _ := open(t, o)
		mailbox := []string{"a@example.com", "b@example.com"}[w%2]
		wg.Go(func() {
			for _, i := range rand.New(rand.NewPCG(uint64(w), 11)).Perm(mails) {
				ref := MailRef{Mailbox: mailbox, InternetMessageID: fmt.Sprintf("<race-%d@example.org>", i)}
				_, c, err := st.BeginMail(ctx, ref, time.Minute)
				switch {
				case errors.Is(err, errs.ErrConflict) || (err == nil && c == nil):
					continue
				case err != nil:
					errc <- fmt.Errorf("worker %d begin %d: %w", w, i, err)
					return
				}
				wins[i].Add(1)
				if err := st.FinishMail(ctx, c, Outcome{State: StateCommented, Reason: mailbox, TicketKey: "M-1"}); err != nil {
					errc <- fmt.Errorf("worker %d finish %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	st, _ := open(t, o)
	for i := range mails {
		if n := wins[i].Load(); n != 1 {
			t.Errorf("mail %d processed %d times, want exactly once", i, n)
		}
		e, err := st.MailByMessageID(ctx, fmt.Sprintf("<race-%d@example.org>", i))
		if err != nil || e.State != StateCommented || e.Reason != e.Mailbox {
			t.Errorf("mail %d: entry %+v, %v; want commented by its owner", i, e, err)
		}
	}
}

// TestLeaseTakeover abandons a claim mid-way: another worker may take it over after the
// lease and not before, learns that it must recover, and the old holder cannot write.
func TestLeaseTakeover(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	dead, _ := open(t, o)
	taker, _ := open(t, o)
	const lease = 10 * time.Minute

	tk, held, err := dead.ClaimConversation(ctx, "help@example.com", "thread-1", lease)
	if err != nil || held == nil || held.Recover() {
		t.Fatalf("first claim: %v, %v", held, err)
	}
	for _, wait := range []time.Duration{0, lease - time.Second} {
		clk.Advance(wait)
		_, c, err := taker.ClaimConversation(ctx, "help@example.com", "thread-1", lease)
		var he *HeldError
		if c != nil || !errors.As(err, &he) || !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("claim before the lease ended: got claim %v, err %v; want *HeldError", c, err)
		}
	}
	clk.Advance(2 * time.Second)
	_, c, err := taker.ClaimConversation(ctx, "help@example.com", "thread-1", lease)
	if err != nil || c == nil {
		t.Fatalf("claim after the lease: %v, %v", c, err)
	}
	if !c.Recover() || c.Attempt() != 2 {
		t.Errorf("taker: Recover %v, Attempt %d; want true, 2", c.Recover(), c.Attempt())
	}
	tk.Key = "OLD-1"
	if _, err := dead.CompleteTicket(ctx, held, tk); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("old holder completing: %v, want ErrPrecondition", err)
	}
	if err := held.Renew(ctx); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("old holder renewing: %v, want ErrPrecondition", err)
	}
	tk.Key = "NEW-1"
	if _, err := taker.CompleteTicket(ctx, c, tk); err != nil {
		t.Fatalf("taker completing: %v", err)
	}
	got, err := dead.Ticket(ctx, "help@example.com", "thread-1")
	if err != nil || got.Key != "NEW-1" {
		t.Errorf("stored ticket %q, %v; want NEW-1", got.Key, err)
	}
}

// TestRenewKeepsHolder shows that a holder that renews is never overtaken.
func TestRenewKeepsHolder(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	a, _ := open(t, o)
	b, _ := open(t, o)
	const lease = 10 * time.Minute
	_, ca, err := a.BeginMail(ctx, MailRef{Mailbox: "m@example.com", InternetMessageID: "<slow@x>"}, lease)
	if err != nil || ca == nil {
		t.Fatalf("begin: %v, %v", ca, err)
	}
	for range 5 {
		clk.Advance(lease * 9 / 10)
		if err := ca.Renew(ctx); err != nil {
			t.Fatalf("renew: %v", err)
		}
		if _, cb, err := b.BeginMail(ctx, MailRef{Mailbox: "m@example.com", InternetMessageID: "<slow@x>"}, lease); cb != nil || !errors.Is(err, errs.ErrConflict) {
			t.Fatalf("second worker while renewed: claim %v, err %v; want held", cb, err)
		}
	}
	if err := a.FinishMail(ctx, ca, Outcome{State: StateCommented, TicketKey: "K-1"}); err != nil {
		t.Fatalf("finish: %v", err)
	}
}

// TestReleaseLetsNextRecover checks that a claim released after a transient failure can be
// taken at once and tells the taker to look for an effect of the earlier attempt.
func TestReleaseLetsNextRecover(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	ref := MailRef{Mailbox: "m@example.com", InternetMessageID: "<flaky@x>"}
	_, c1, err := s.BeginMail(ctx, ref, time.Hour)
	if err != nil || c1 == nil {
		t.Fatalf("begin: %v, %v", c1, err)
	}
	if err := c1.Release(ctx, "jira answered 503"); err != nil {
		t.Fatalf("release: %v", err)
	}
	e, err := s.Mail(ctx, ref)
	if err != nil || e.State != StateRetry {
		t.Fatalf("after release: %+v, %v; want state retry", e, err)
	}
	_, c2, err := s.BeginMail(ctx, ref, time.Hour)
	if err != nil || c2 == nil || !c2.Recover() {
		t.Fatalf("second begin: %v, %v; want a recovering claim", c2, err)
	}
	if err := s.FinishMail(ctx, c1, Outcome{State: StateFailed}); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("finishing a released claim: %v, want ErrPrecondition", err)
	}
}

// TestKeepAlive renews in the background until stopped.
func TestKeepAlive(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	c, err := s.AcquireLease(ctx, "renew-subscriptions", time.Minute)
	if err != nil {
		t.Fatalf("acquire: %v", err)
	}
	first := c.Until()
	stop := c.KeepAlive(ctx, 10*time.Millisecond)
	deadline := time.Now().Add(30 * time.Second)
	for !c.Until().After(first) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if !c.Until().After(first) {
		t.Fatalf("lease was not renewed within 30s")
	}
	if _, err := s.AcquireLease(ctx, "renew-subscriptions", time.Minute); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("second acquire while held: %v, want ErrConflict", err)
	}
	if err := c.Release(ctx, "done"); err != nil {
		t.Fatalf("release: %v", err)
	}
	if _, err := s.AcquireLease(ctx, "renew-subscriptions", time.Minute); err != nil {
		t.Errorf("acquire after release: %v", err)
	}
}
