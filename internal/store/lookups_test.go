package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLookupsArePointQueries records the requests the SDK sends for the reporter, key,
// thread and message-id lookups: each must read one entity or one partition, never scan.
func TestLookupsArePointQueries(t *testing.T) {
	ctx := context.Background()
	s, rec := open(t, testTables(t))
	for i := range 6 {
		reporter := []string{"ann@example.com", "bob@example.com"}[i%2]
		tk, c, err := s.ClaimConversation(ctx, "help@example.com", fmt.Sprintf("conv-%d", i), time.Minute)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		tk.Key, tk.Reporter = fmt.Sprintf("LK-%d", i), reporter
		if _, err := s.CompleteTicket(ctx, c, tk); err != nil {
			t.Fatalf("complete: %v", err)
		}
		if _, err := s.RecordMail(ctx, MailRef{Mailbox: "help@example.com", InternetMessageID: fmt.Sprintf("<%d@x>", i)},
			Outcome{State: StateCreated, TicketKey: tk.Key}); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
	rec.take()

	lookups := []struct {
		name string
		run  func() (any, error)
		want any
	}{
		{"by reporter", func() (any, error) {
			refs, err := s.TicketsByReporter(ctx, "Ann@Example.com", time.Time{})
			var keys []string
			for _, r := range refs {
				keys = append(keys, r.Key)
			}
			return keys, err
		}, []string{"LK-0", "LK-2", "LK-4"}},
		{"by key", func() (any, error) {
			tk, err := s.TicketByKey(ctx, "lk-3")
			return tk.ConversationID + " " + tk.Reporter, err
		}, "conv-3 bob@example.com"},
		{"by thread", func() (any, error) {
			tk, err := s.Ticket(ctx, "HELP@example.com", "conv-5")
			return tk.Key, err
		}, "LK-5"},
		{"by message id", func() (any, error) {
			e, err := s.MailByMessageID(ctx, "<1@x>")
			return e.TicketKey, err
		}, "LK-1"},
		{"one copy of a mail", func() (any, error) {
			e, err := s.Mail(ctx, MailRef{Mailbox: "help@example.com", InternetMessageID: "<2@x>"})
			return e.TicketKey, err
		}, "LK-2"},
	}
	for _, l := range lookups {
		t.Run(l.name, func(t *testing.T) {
			got, err := l.run()
			if err != nil {
				t.Fatalf("lookup: %v", err)
			}
			if diff := cmp.Diff(l.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			reqs := rec.take()
			if len(reqs) == 0 {
				t.Fatalf("no request recorded")
			}
			for _, r := range reqs {
				if r.Method != "GET" || !isPointOrPartition(r) {
					t.Errorf("request %s %s filter %q is not a point or partition query", r.Method, r.Path, r.Filter)
				}
			}
		})
	}
}

// TestRecorderSeesScans proves the assertion above can fail: the log query is a scan.
func TestRecorderSeesScans(t *testing.T) {
	ctx := context.Background()
	s, rec := open(t, testTables(t))
	if _, err := s.MailLog(ctx, LogQuery{Since: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatalf("MailLog: %v", err)
	}
	for _, r := range rec.take() {
		if isPointOrPartition(r) {
			t.Errorf("log query %s %q classified as a point query", r.Path, r.Filter)
		}
	}
}
