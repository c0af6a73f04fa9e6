package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hostileIDs are the fixture's ids plus two 2 KB ids that differ only in their last byte.
func hostileIDs(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile("testdata/hostile_ids.json")
	if err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		tb.Fatalf("fixture: %v", err)
	}
	long := strings.Repeat("#/?\\ü", 400)
	return append(ids, long+"1", long+"2")
}

// TestHostileKeysRoundTrip uses ids with forbidden, control, unicode and 2 KB values as
// conversation ids, message ids, addresses and cache keys: they must round-trip and stay
// findable through every lookup.
func TestHostileKeysRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t, testTables(t))
	for i, id := range hostileIDs(t) {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			mailbox, reporter := id+"@mailbox.example", id+"@reporter.example"
			key := fmt.Sprintf("HOST-%d", i)
			tk, c, err := s.ClaimConversation(ctx, mailbox, id, time.Minute)
			if err != nil || c == nil {
				t.Fatalf("claim: %v, %v", c, err)
			}
			tk.Key, tk.Reporter, tk.Summary, tk.Participants = key, reporter, id, []string{id}
			if _, err := s.CompleteTicket(ctx, c, tk); err != nil {
				t.Fatalf("complete: %v", err)
			}
			got, err := s.Ticket(ctx, mailbox, id)
			if err != nil {
				t.Fatalf("Ticket: %v", err)
			}
			want := []string{normAddress(mailbox), id, key, normAddress(reporter), id, id}
			if diff := cmp.Diff(want, []string{got.Mailbox, got.ConversationID, got.Key, got.Reporter, got.Summary, got.Participants[0]}); diff != "" {
				t.Errorf("ticket fields (-want +got):\n%s", diff)
			}
			if byKey, err := s.TicketByKey(ctx, key); err != nil || byKey.ConversationID != id {
				t.Errorf("TicketByKey: %q, %v", byKey.ConversationID, err)
			}
			refs, err := s.TicketsByReporter(ctx, reporter, time.Time{})
			if err != nil || len(refs) != 1 || refs[0].ConversationID != id {
				t.Errorf("TicketsByReporter: %+v, %v", refs, err)
			}

			ref := MailRef{Mailbox: mailbox, InternetMessageID: id, GraphID: id, Subject: id, Sender: reporter}
			if _, err := s.RecordMail(ctx, ref, Outcome{State: StateFiltered, Reason: id}); err != nil {
				t.Fatalf("RecordMail: %v", err)
			}
			e, err := s.MailByMessageID(ctx, id)
			if err != nil {
				t.Fatalf("MailByMessageID: %v", err)
			}
			// Free text is kept up to maxText bytes; ids are kept whole.
			wantMail := []string{strings.TrimSpace(id), id, clip(id, maxText), clip(id, maxText)}
			if diff := cmp.Diff(wantMail, []string{e.InternetMessageID, e.GraphID, e.Subject, e.Reason}); diff != "" {
				t.Errorf("mail fields (-want +got):\n%s", diff)
			}

			if err := s.PutCached(ctx, "jira-user", id, map[string]string{"id": id}, time.Hour); err != nil {
				t.Fatalf("PutCached: %v", err)
			}
			var v map[string]string
			if ok, err := s.GetCached(ctx, "jira-user", id, &v); !ok || err != nil || v["id"] != id {
				t.Errorf("GetCached: %v, %v, %v", ok, v, err)
			}
		})
	}
}
