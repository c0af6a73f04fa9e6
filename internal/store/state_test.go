package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	exp := time.Date(2026, 3, 8, 9, 0, 0, 0, time.UTC)
	in := Subscription{Mailbox: "Help@example.com", Folder: "Inbox", ID: "sub-1", ClientState: "s3cret", Expires: exp, Status: "active"}
	sub, err := s.PutSubscription(ctx, in)
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if _, err := s.PutSubscription(ctx, in); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("second insert: %v, want ErrConflict", err)
	}
	if _, err := s.PutSubscription(ctx, Subscription{Mailbox: "help@example.com", Folder: "sentitems", ID: "sub-2"}); err != nil {
		t.Fatalf("put sent items: %v", err)
	}
	renewed := sub
	renewed.Expires = exp.Add(7 * 24 * time.Hour)
	if _, err := s.PutSubscription(ctx, renewed); err != nil {
		t.Fatalf("renew: %v", err)
	}
	if _, err := s.PutSubscription(ctx, sub); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("write over a stale version: %v, want ErrPrecondition", err)
	}
	all, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	want := []Subscription{
		{Mailbox: "help@example.com", Folder: "inbox", ID: "sub-1", ClientState: "s3cret", Expires: renewed.Expires, Status: "active"},
		{Mailbox: "help@example.com", Folder: "sentitems", ID: "sub-2"},
	}
	if diff := cmp.Diff(want, all, cmpopts.IgnoreFields(Subscription{}, "Updated", "ETag")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := s.DeleteSubscription(ctx, all[1]); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.Subscription(ctx, "help@example.com", "sentitems"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
}

func TestCursors(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	if _, err := s.Cursor(ctx, "timer", "help@example.com", "inbox"); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("missing cursor: %v, want ErrNotFound", err)
	}
	c, err := s.PutCursor(ctx, Cursor{Name: "timer", Mailbox: "help@example.com", Folder: "inbox", DeltaLink: "https://graph/delta?$deltatoken=1"})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
	if _, err := s.PutCursor(ctx, Cursor{Name: "days-7", Mailbox: "help@example.com", Folder: "inbox", DeltaLink: "other"}); err != nil {
		t.Fatalf("put manual cursor: %v", err)
	}
	c.DeltaLink = "https://graph/delta?$deltatoken=2"
	if _, err := s.PutCursor(ctx, c); err != nil {
		t.Fatalf("advance: %v", err)
	}
	got, err := s.Cursor(ctx, "timer", "help@example.com", "inbox")
	if err != nil || got.DeltaLink != c.DeltaLink {
		t.Errorf("timer cursor %q, %v; want %q", got.DeltaLink, err, c.DeltaLink)
	}
	if err := s.DeleteCursor(ctx, "days-7", "help@example.com", "inbox"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := s.DeleteCursor(ctx, "days-7", "help@example.com", "inbox"); err != nil {
		t.Errorf("deleting a missing cursor: %v", err)
	}
}

func TestDeliveries(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	c, err := s.ClaimDelivery(ctx, "comment_created:10001", time.Minute)
	if err != nil || c == nil {
		t.Fatalf("claim: %v, %v", c, err)
	}
	if _, err := s.ClaimDelivery(ctx, "comment_created:10001", time.Minute); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("Jira retry while relaying: %v, want ErrConflict", err)
	}
	if err := s.CompleteDelivery(ctx, c, "relayed to help@example.com"); err != nil {
		t.Fatalf("complete: %v", err)
	}
	clk.Advance(time.Hour)
	if again, err := s.ClaimDelivery(ctx, "comment_created:10001", time.Minute); err != nil || again != nil {
		t.Errorf("Jira retry after relaying: %v, %v; want nothing to do", again, err)
	}
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	type user struct{ AccountID string }
	var u user
	if ok, err := s.GetCached(ctx, "jira-user", "ann@example.com", &u); ok || err != nil {
		t.Fatalf("empty cache: %v, %v", ok, err)
	}
	if err := s.PutCached(ctx, "jira-user", "ann@example.com", user{"acc-1"}, time.Hour); err != nil {
		t.Fatalf("put: %v", err)
	}
	if ok, err := s.GetCached(ctx, "jira-user", "ann@example.com", &u); !ok || err != nil || u.AccountID != "acc-1" {
		t.Errorf("cached: %v, %+v, %v", ok, u, err)
	}
	clk.Advance(61 * time.Minute)
	if ok, err := s.GetCached(ctx, "jira-user", "ann@example.com", &u); ok || err != nil {
		t.Errorf("expired: %v, %v; want a miss", ok, err)
	}
	if err := s.PutCached(ctx, "jira-user", "big", make([]byte, maxCachedValue), time.Hour); !errors.Is(err, errs.ErrTooLarge) {
		t.Errorf("oversized value: %v, want ErrTooLarge", err)
	}
}

// TestPurge removes old ledger and delivery rows and expired cache rows, and keeps the rest
// and every ticket.
func TestPurge(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	s, _ := open(t, o)
	const retention = 30 * 24 * time.Hour
	for _, id := range []string{"<old-1@x>", "<old-2@x>"} {
		if _, err := s.RecordMail(ctx, MailRef{Mailbox: "a@example.com", InternetMessageID: id}, Outcome{State: StateFiltered}); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	// A duplicate copy shares the old mail's partition: both go in one transaction.
	if _, _, err := s.BeginMail(ctx, MailRef{Mailbox: "b@example.com", InternetMessageID: "<old-1@x>"}, time.Minute); err != nil {
		t.Fatalf("duplicate: %v", err)
	}
	c, err := s.ClaimDelivery(ctx, "old-delivery", time.Minute)
	if err != nil {
		t.Fatalf("delivery: %v", err)
	}
	if err := s.CompleteDelivery(ctx, c, ""); err != nil {
		t.Fatalf("delivery: %v", err)
	}
	if err := s.PutCached(ctx, "jira-user", "short", "x", time.Hour); err != nil {
		t.Fatalf("cache: %v", err)
	}
	newTicket(t, s, "a@example.com", "old-thread", "OLD-1", "ann@example.com")

	clk.Advance(retention + time.Hour)
	if _, err := s.RecordMail(ctx, MailRef{Mailbox: "a@example.com", InternetMessageID: "<new@x>"}, Outcome{State: StateOwn}); err != nil {
		t.Fatalf("record: %v", err)
	}
	if err := s.PutCached(ctx, "jira-user", "fresh", "y", time.Hour); err != nil {
		t.Fatalf("cache: %v", err)
	}
	got, err := s.Purge(ctx, retention)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	if diff := cmp.Diff(Purged{Ledger: 3, Deliveries: 1, Cache: 1}, got); diff != "" {
		t.Errorf("purged (-want +got):\n%s", diff)
	}
	if _, err := s.MailByMessageID(ctx, "<new@x>"); err != nil {
		t.Errorf("recent mail: %v", err)
	}
	if _, err := s.MailByMessageID(ctx, "<old-1@x>"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("old mail: %v, want ErrNotFound", err)
	}
	var v string
	if ok, _ := s.GetCached(ctx, "jira-user", "fresh", &v); !ok {
		t.Errorf("fresh cache entry purged")
	}
	if _, err := s.TicketByKey(ctx, "OLD-1"); err != nil {
		t.Errorf("ticket purged: %v", err)
	}
}
