package mailstore

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// open gives a test an adapter over its own tables in the harness's Azurite.
func open(tb testing.TB) (*Adapter, *clock) {
	tb.Helper()
	cs := testenv.StorageConnection(tb)
	prefix := testenv.UniqueName(tb, "m")
	tb.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, err := store.Open(context.Background(), store.Options{ConnectionString: cs, TablePrefix: prefix, Now: c.Now})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	return New(s, 0), c
}

func ref(mailbox, graphID string) mail.MailRef {
	return mail.MailRef{Mailbox: mailbox, InternetMessageID: "<m1@fabrikam.com>", GraphID: graphID, ConversationID: "conv-1", Sender: "ann@fabrikam.com"}
}

// TestLedgerContract checks the behaviour the processor (and its fake store) rely on.
func TestLedgerContract(t *testing.T) {
	ctx := context.Background()
	a, clk := open(t)
	r := ref("support@contoso.com", "g1")
	_, c, err := a.BeginMail(ctx, r)
	if err != nil || c == nil || c.Recover() {
		t.Fatalf("first BeginMail: claim %v, err %v", c, err)
	}
	if _, c2, err := a.BeginMail(ctx, r); !errors.Is(err, errs.ErrConflict) || c2 != nil {
		t.Fatalf("second BeginMail while held: %v, %v; want a conflict", c2, err)
	}
	clk.Advance(store.DefaultLease + time.Minute)
	_, c3, err := a.BeginMail(ctx, r)
	if err != nil || c3 == nil || !c3.Recover() {
		t.Fatalf("BeginMail after the lease: %v, %v; want a recovering claim", c3, err)
	}
	if err := a.FinishMail(ctx, c, mail.Result{State: mail.StateCreated}); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("the overtaken holder finished: %v", err)
	}
	if err := a.FinishMail(ctx, c3, mail.Result{State: mail.StateCreated, Reason: "new ticket", TicketKey: "SUP-1"}); err != nil {
		t.Fatal(err)
	}
	e, c4, err := a.BeginMail(ctx, r)
	if err != nil || c4 != nil || e.State != mail.StateCreated || e.TicketKey != "SUP-1" {
		t.Fatalf("BeginMail after the outcome: %+v, %v, %v", e, c4, err)
	}
	e, c5, err := a.BeginMail(ctx, ref("helpdesk@contoso.com", "g2"))
	if err != nil || c5 != nil || e.State != mail.StateDuplicate {
		t.Fatalf("copy in another mailbox: %+v, %v, %v", e, c5, err)
	}
	if got, err := a.MailByMessageID(ctx, "<m1@fabrikam.com>"); err != nil || got.TicketKey != "SUP-1" || got.GraphID != "g1" {
		t.Errorf("MailByMessageID: %+v, %v", got, err)
	}
}

func TestTicketContract(t *testing.T) {
	ctx := context.Background()
	a, _ := open(t)
	_, c, err := a.ClaimConversation(ctx, "support@contoso.com", "conv-1")
	if err != nil || c == nil {
		t.Fatalf("claim: %v, %v", c, err)
	}
	if _, err := a.Ticket(ctx, "support@contoso.com", "conv-1"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("a claimed thread has a ticket: %v", err)
	}
	if _, _, err := a.ClaimConversation(ctx, "support@contoso.com", "conv-1"); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("second claim: %v, want a conflict", err)
	}
	tk, err := a.CompleteTicket(ctx, c, mail.Ticket{
		Mailbox: "support@contoso.com", ConversationID: "conv-1", Key: "SUP-1", Reporter: "ann@fabrikam.com",
		Summary: "Printer", LastMessageID: "g1", Participants: []string{"ann@fabrikam.com"},
	})
	if err != nil || tk.Version == "" {
		t.Fatalf("complete: %+v, %v", tk, err)
	}
	existing, c2, err := a.ClaimConversation(ctx, "support@contoso.com", "conv-1")
	if err != nil || c2 != nil || existing.Key != "SUP-1" {
		t.Fatalf("claim of a mapped thread: %+v, %v, %v", existing, c2, err)
	}
	if byKey, err := a.TicketByKey(ctx, "sup-1"); err != nil || byKey.ConversationID != "conv-1" {
		t.Errorf("TicketByKey: %+v, %v", byKey, err)
	}
	if n, err := a.TicketsOpenedSince(ctx, "Ann@Fabrikam.com", time.Time{}); err != nil || n != 1 {
		t.Errorf("TicketsOpenedSince: %d, %v", n, err)
	}
	sent := mail.MailRef{Mailbox: "support@contoso.com", InternetMessageID: "<draft-1@contoso.com>", GraphID: "d1", ConversationID: "conv-1"}
	if _, err := a.RecordSent(ctx, tk, sent); err != nil {
		t.Fatal(err)
	}
	if e, err := a.MailByMessageID(ctx, "<draft-1@contoso.com>"); err != nil || e.State != mail.StateOwn || e.GraphID != "d1" || e.TicketKey != "SUP-1" {
		t.Errorf("recorded draft: %+v, %v", e, err)
	}
	mod, err := a.ModifyTicket(ctx, "support@contoso.com", "conv-1", func(cur *mail.Ticket) error {
		cur.Participants = append(cur.Participants, "eve@fabrikam.com")
		cur.LastMessageID = "g2"
		return nil
	})
	if err != nil || !slices.Equal(mod.SentIDs, []string{"<draft-1@contoso.com>"}) {
		t.Fatalf("modify: %+v, %v", mod, err)
	}
	got, err := a.Ticket(ctx, "support@contoso.com", "conv-1")
	if err != nil || got.LastMessageID != "g2" || !slices.Contains(got.Participants, "eve@fabrikam.com") || got.Reporter != "ann@fabrikam.com" {
		t.Errorf("after modify: %+v, %v", got, err)
	}
	if err := a.ForgetTicket(ctx, tk); !errors.Is(err, errs.ErrPrecondition) {
		t.Errorf("forget with a stale version: %v, want a precondition failure", err)
	}
	if err := a.ForgetTicket(ctx, got); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Ticket(ctx, "support@contoso.com", "conv-1"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("forgotten ticket still there: %v", err)
	}
}
