package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkMailFlows reports the storage round trips (HTTP requests, each one billed storage
// transaction) and writes per processed mail for the processor's typical flows, calling the
// store the way the package doc's flows describe. The processing issue uses it to keep the
// count minimal.
func BenchmarkMailFlows(b *testing.B) {
	ctx := context.Background()
	s, rec := open(b, testTables(b))
	const mailbox = "help@example.com"
	existing := newTicket(b, s, mailbox, "known-thread", "BEN-1", "ann@example.com")
	_ = existing

	flows := []struct {
		name string
		run  func(i int) error
	}{
		{"new-ticket", func(i int) error {
			ref := MailRef{Mailbox: mailbox, InternetMessageID: fmt.Sprintf("<new-%d@x>", i), ConversationID: fmt.Sprintf("t-%d", i)}
			_, mc, err := s.BeginMail(ctx, ref, time.Minute)
			if err != nil {
				return err
			}
			tk, tc, err := s.ClaimConversation(ctx, mailbox, ref.ConversationID, time.Minute)
			if err != nil {
				return err
			}
			tk.Key, tk.Reporter = fmt.Sprintf("NEW-%d", i), "ann@example.com"
			if tk, err = s.CompleteTicket(ctx, tc, tk); err != nil {
				return err
			}
			sent := MailRef{Mailbox: mailbox, InternetMessageID: fmt.Sprintf("<reply-%d@help>", i)}
			if _, err := s.RecordSent(ctx, tk, sent); err != nil {
				return err
			}
			return s.FinishMail(ctx, mc, Outcome{State: StateCreated, TicketKey: tk.Key})
		}},
		{"comment", func(i int) error {
			ref := MailRef{Mailbox: mailbox, InternetMessageID: fmt.Sprintf("<re-%d@x>", i), ConversationID: "known-thread"}
			_, mc, err := s.BeginMail(ctx, ref, time.Minute)
			if err != nil {
				return err
			}
			tk, err := s.Ticket(ctx, mailbox, ref.ConversationID)
			if err != nil {
				return err
			}
			tk.LastMessageID = ref.InternetMessageID
			if _, err := s.UpdateTicket(ctx, tk); err != nil {
				return err
			}
			return s.FinishMail(ctx, mc, Outcome{State: StateCommented, TicketKey: tk.Key})
		}},
		{"filtered", func(i int) error {
			ref := MailRef{Mailbox: mailbox, InternetMessageID: fmt.Sprintf("<ooo-%d@x>", i)}
			_, err := s.RecordMail(ctx, ref, Outcome{State: StateFiltered, Reason: "out-of-office"})
			return err
		}},
		{"redelivered", func(i int) error {
			ref := MailRef{Mailbox: mailbox, InternetMessageID: "<new-0@x>"}
			_, c, err := s.BeginMail(ctx, ref, time.Minute)
			if c != nil {
				return fmt.Errorf("redelivery claimed")
			}
			return err
		}},
	}
	for _, f := range flows {
		b.Run(f.name, func(b *testing.B) {
			rec.take()
			mails, reqs, writes := 0, 0, 0
			for b.Loop() {
				if err := f.run(mails); err != nil {
					b.Fatalf("mail %d: %v", mails, err)
				}
				mails++
				for _, r := range rec.take() {
					reqs++
					if r.Method != "GET" {
						writes++
					}
				}
			}
			b.ReportMetric(float64(reqs)/float64(mails), "roundtrips/mail")
			b.ReportMetric(float64(writes)/float64(mails), "writes/mail")
		})
	}
}
