package ingest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

const mb = "support@example.com"

func newSweeper(t *testing.T) (*Sweeper, *fakeGraph, *store.Store, *clock) {
	t.Helper()
	clk := newClock()
	st := openStore(t, clk.Now)
	g := newFakeGraph(clk.Now)
	return &Sweeper{Graph: g, Store: st, Mailboxes: []string{mb}, LookbackDays: 2, Budget: time.Hour, Log: quiet(), Now: clk.Now}, g, st, clk
}

func TestSweepEnqueuesEveryMailOnce(t *testing.T) {
	s, g, _, _ := newSweeper(t)
	want := g.deliver(mb, FolderInbox, 300, time.Hour)
	sort.Strings(want)
	rep, err := s.Run(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ids(rep.Messages)); diff != "" {
		t.Errorf("first sweep (-want +got):\n%s", diff)
	}
	if !rep.Complete || rep.Seen != 300 || rep.Enqueued != 300 {
		t.Errorf("report %+v", rep)
	}
	rep, err = s.Run(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Messages) != 0 {
		t.Errorf("second sweep enqueued %d messages", len(rep.Messages))
	}
}

func TestSweepRewalkSkipsRecentlyEnqueuedAndRequeuesLost(t *testing.T) {
	s, g, _, clk := newSweeper(t)
	g.deliver(mb, FolderInbox, 20, time.Hour)
	if _, err := s.Run(context.Background(), SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	// Past the rewalk interval but within the re-enqueue age nothing goes again...
	s.Rewalk, s.ReenqueueAge = time.Minute, 2*time.Hour
	clk.Advance(time.Hour)
	rep, err := s.Run(context.Background(), SweepOptions{})
	if err != nil || rep.Seen != 20 || rep.Enqueued != 0 {
		t.Fatalf("rewalk within re-enqueue age: %+v, %v", rep, err)
	}
	// ...and past it, the mail still without an outcome (lost from the queue) goes again.
	clk.Advance(2 * time.Hour)
	rep, err = s.Run(context.Background(), SweepOptions{})
	if err != nil || rep.Enqueued != 20 {
		t.Fatalf("rewalk after re-enqueue age: %+v, %v", rep, err)
	}
}

func TestSweepKilledHalfwayResumes(t *testing.T) {
	s, g, _, _ := newSweeper(t)
	want := g.deliver(mb, FolderInbox, 300, time.Hour)
	sort.Strings(want)
	ctx, kill := context.WithCancel(context.Background())
	g.beforeDelta = func(call int) error {
		if call == 4 {
			kill() // the instance dies while asking for the fourth page
		}
		return nil
	}
	first, err := s.Run(ctx, SweepOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed sweep: %v", err)
	}
	g.beforeDelta = nil
	second, err := s.Run(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := append(ids(first.Messages), ids(second.Messages)...)
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("both runs together (-want +got):\n%s", diff)
	}
	if len(first.Messages) != 150 {
		t.Errorf("the killed run enqueued %d, want the 3 pages it finished", len(first.Messages))
	}
}

func TestSweepBudgetStopsAndResumes(t *testing.T) {
	s, g, _, clk := newSweeper(t)
	g.deliver(mb, FolderInbox, 120, time.Hour)
	g.beforeDelta = func(int) error { clk.Advance(time.Minute); return nil }
	s.Budget = 90 * time.Second
	total := 0
	for run := 1; ; run++ {
		rep, err := s.Run(context.Background(), SweepOptions{})
		if err != nil {
			t.Fatal(err)
		}
		total += rep.Enqueued
		if rep.Complete {
			break
		}
		if run > 10 {
			t.Fatal("the sweep never completes")
		}
	}
	if total != 120 {
		t.Errorf("enqueued %d over all runs, want 120", total)
	}
}

func TestSweepDaysUsesItsOwnCursorAndWindow(t *testing.T) {
	s, g, st, _ := newSweeper(t)
	recent := g.deliver(mb, FolderInbox, 5, 36*time.Hour)
	g.deliver(mb, FolderInbox, 7, 3*24*time.Hour)
	recent = append(recent, g.deliver(mb, FolderSent, 2, time.Hour)...)
	sort.Strings(recent)
	rep, err := s.Run(context.Background(), SweepOptions{Days: 2, Classify: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recent, ids(rep.Messages)); diff != "" {
		t.Errorf("--days 2 (-want +got):\n%s", diff)
	}
	if _, err := st.Cursor(context.Background(), TimerCursor, mb, FolderInbox); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("the timer's cursor was touched: %v", err)
	}
	// A second manual run walks the window again (and finds everything waiting).
	rep, err = s.Run(context.Background(), SweepOptions{Days: 2, Classify: true})
	if err != nil || rep.Seen != len(recent) || rep.Enqueued != 0 || rep.Waiting != len(recent) {
		t.Errorf("second --days 2 run: %+v, %v", rep, err)
	}
}

func TestSweepRetryFailed(t *testing.T) {
	s, g, st, _ := newSweeper(t)
	id := g.deliver(mb, FolderInbox, 1, time.Hour)[0]
	ref := store.MailRef{Mailbox: mb, InternetMessageID: "<" + id + "@example.com>", GraphID: id}
	if _, err := st.RecordMail(context.Background(), ref, store.Outcome{State: store.StateFailed, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts SweepOptions
		want int
	}{
		{"failed mail is left alone", SweepOptions{Days: 1, Classify: true}, 0},
		{"--retry-failed enqueues it", SweepOptions{Days: 1, RetryFailed: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := s.Run(context.Background(), tt.opts)
			if err != nil || rep.Enqueued != tt.want {
				t.Errorf("%+v, %v", rep, err)
			}
			if tt.opts.Classify && rep.Failed != 1 {
				t.Errorf("failed count %d, want 1", rep.Failed)
			}
		})
	}
}

func TestSweepResyncsExpiredDeltaLink(t *testing.T) {
	s, g, _, _ := newSweeper(t)
	g.deliver(mb, FolderInbox, 10, time.Hour)
	if _, err := s.Run(context.Background(), SweepOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := g.deliver(mb, FolderInbox, 3, 0)
	g.mu.Lock()
	g.expired = true
	g.mu.Unlock()
	g.beforeDelta = func(call int) error {
		if call > 5 {
			g.mu.Lock()
			g.expired = false // only links issued before the expiry are gone
			g.mu.Unlock()
		}
		return nil
	}
	rep, err := s.Run(context.Background(), SweepOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fresh, ids(rep.Messages)); diff != "" {
		t.Errorf("after 410 (-want +got):\n%s", diff)
	}
	if rep.Seen != 13 {
		t.Errorf("the resync walked %d messages, want the whole window of 13", rep.Seen)
	}
}

// TestSweepUnderThrottling has 20% of Graph calls fail as throttled: each failure ends a
// run, the next run resumes, and every mail is enqueued exactly once.
func TestSweepUnderThrottling(t *testing.T) {
	s, g, _, _ := newSweeper(t)
	g.pageSize = 10
	want := g.deliver(mb, FolderInbox, 300, time.Hour)
	want = append(want, g.deliver(mb, FolderSent, 40, time.Hour)...)
	sort.Strings(want)
	g.beforeDelta = func(call int) error {
		if call%5 == 0 {
			return &errs.Throttled{Op: "delta", RetryAfter: time.Second, Err: errs.ErrThrottled}
		}
		return nil
	}
	var got []string
	for run := 0; run < 100; run++ {
		rep, err := s.Run(context.Background(), SweepOptions{})
		got = append(got, ids(rep.Messages)...)
		if err != nil && !errors.Is(err, errs.ErrThrottled) {
			t.Fatal(err)
		}
		if err == nil && rep.Complete {
			break
		}
	}
	sort.Strings(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSweepEmitFailureKeepsCursor(t *testing.T) {
	s, g, _, _ := newSweeper(t)
	g.deliver(mb, FolderInbox, 60, time.Hour)
	pages := 0
	emit := func(ctx context.Context, msgs []QueueMessage) error {
		pages++
		if pages == 2 {
			return fmt.Errorf("queue down: %w", errs.ErrUnavailable)
		}
		return nil
	}
	if _, err := s.Run(context.Background(), SweepOptions{Emit: emit}); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("emit failure not reported: %v", err)
	}
	var progress []Progress
	rep, err := s.Run(context.Background(), SweepOptions{Emit: emit, Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	// The failed page is walked again (its mail is marked, so it waits for its re-enqueue age).
	if rep.Seen != 10 || len(progress) == 0 || progress[0] != (Progress{Mailbox: mb, Folder: FolderInbox, Page: 1, Seen: 10}) {
		t.Errorf("resumed run: %+v, progress %+v", rep, progress)
	}
}

func TestHousekeepRunsOncePerDay(t *testing.T) {
	s, _, st, clk := newSweeper(t)
	old := store.MailRef{Mailbox: mb, InternetMessageID: "<old@example.com>", GraphID: "AAMkold"}
	if _, err := st.RecordMail(context.Background(), old, store.Outcome{State: store.StateFiltered, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * 24 * time.Hour)
	steps := []struct {
		name    string
		advance time.Duration
		wantRan bool
	}{
		{"first run purges", 0, true},
		{"an hour later it is skipped", time.Hour, false},
		{"a day later it runs again", 24 * time.Hour, true},
	}
	for _, step := range steps {
		clk.Advance(step.advance)
		p, ran, err := s.Housekeep(context.Background(), 7*24*time.Hour)
		if err != nil || ran != step.wantRan {
			t.Fatalf("%s: ran %v, %v", step.name, ran, err)
		}
		if step.name == "first run purges" && p.Ledger != 1 {
			t.Errorf("purged %+v, want the old ledger entry", p)
		}
	}
}
