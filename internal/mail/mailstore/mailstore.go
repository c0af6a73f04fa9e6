// Package mailstore adapts internal/store to the mail.Store interface the processor
// declares: it converts between the two packages' types and nothing else.
package mailstore

import (
	"context"
	"fmt"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/store"
)

// Adapter is a mail.Store backed by a *store.Store.
type Adapter struct {
	s     *store.Store
	lease time.Duration
}

var _ mail.Store = (*Adapter)(nil)

// New returns an adapter whose claims last lease (store.DefaultLease when zero).
func New(s *store.Store, lease time.Duration) *Adapter {
	return &Adapter{s: s, lease: lease}
}

// BeginMail claims a mail in the ledger.
func (a *Adapter) BeginMail(ctx context.Context, ref mail.MailRef) (mail.Entry, mail.Claim, error) {
	e, c, err := a.s.BeginMail(ctx, toRef(ref), a.lease)
	if err != nil || c == nil {
		return fromEntry(e), nil, err // a nil *store.Claim must not become a non-nil interface
	}
	return fromEntry(e), c, nil
}

// FinishMail records a claimed mail's outcome.
func (a *Adapter) FinishMail(ctx context.Context, c mail.Claim, r mail.Result) error {
	sc, err := claim(c)
	if err != nil {
		return err
	}
	return a.s.FinishMail(ctx, sc, toOutcome(r))
}

// RecordMail records an outcome without a claim.
func (a *Adapter) RecordMail(ctx context.Context, ref mail.MailRef, r mail.Result) error {
	_, err := a.s.RecordMail(ctx, toRef(ref), toOutcome(r))
	return err
}

// MailByMessageID returns the processed copy's entry of an internetMessageId.
func (a *Adapter) MailByMessageID(ctx context.Context, id string) (mail.Entry, error) {
	e, err := a.s.MailByMessageID(ctx, id)
	return fromEntry(e), err
}

// Ticket returns a thread's ticket.
func (a *Adapter) Ticket(ctx context.Context, mailbox, conversationID string) (mail.Ticket, error) {
	t, err := a.s.Ticket(ctx, mailbox, conversationID)
	return fromTicket(t), err
}

// TicketByKey returns the ticket of an issue key.
func (a *Adapter) TicketByKey(ctx context.Context, key string) (mail.Ticket, error) {
	t, err := a.s.TicketByKey(ctx, key)
	return fromTicket(t), err
}

// ClaimConversation claims a thread before its issue is created.
func (a *Adapter) ClaimConversation(ctx context.Context, mailbox, conversationID string) (mail.Ticket, mail.Claim, error) {
	t, c, err := a.s.ClaimConversation(ctx, mailbox, conversationID, a.lease)
	if err != nil || c == nil {
		return fromTicket(t), nil, err
	}
	return fromTicket(t), c, nil
}

// CompleteTicket records the issue created under a conversation claim.
func (a *Adapter) CompleteTicket(ctx context.Context, c mail.Claim, t mail.Ticket) (mail.Ticket, error) {
	sc, err := claim(c)
	if err != nil {
		return mail.Ticket{}, err
	}
	st, err := a.s.CompleteTicket(ctx, sc, toTicket(t))
	return fromTicket(st), err
}

// ForgetTicket drops a thread's mapping.
func (a *Adapter) ForgetTicket(ctx context.Context, t mail.Ticket) error {
	return a.s.ForgetTicket(ctx, toTicket(t))
}

// ModifyTicket applies fn to a thread's ticket under optimistic concurrency.
func (a *Adapter) ModifyTicket(ctx context.Context, mailbox, conversationID string, fn func(*mail.Ticket) error) (mail.Ticket, error) {
	st, err := a.s.ModifyTicket(ctx, mailbox, conversationID, func(cur *store.Ticket) error {
		mt := fromTicket(*cur)
		if err := fn(&mt); err != nil {
			return err
		}
		next := toTicket(mt)
		next.Created, next.Updated = cur.Created, cur.Updated
		*cur = next
		return nil
	})
	return fromTicket(st), err
}

// RecordSent records mail the service is about to send on a thread.
func (a *Adapter) RecordSent(ctx context.Context, t mail.Ticket, sent mail.MailRef) (mail.Ticket, error) {
	st, err := a.s.RecordSent(ctx, toTicket(t), toRef(sent))
	return fromTicket(st), err
}

// TicketsOpenedSince counts a sender's tickets created since a time.
func (a *Adapter) TicketsOpenedSince(ctx context.Context, sender string, since time.Time) (int, error) {
	refs, err := a.s.TicketsByReporter(ctx, sender, since)
	return len(refs), err
}

func claim(c mail.Claim) (*store.Claim, error) {
	sc, ok := c.(*store.Claim)
	if !ok || sc == nil {
		return nil, fmt.Errorf("%w: claim %T is not a store claim", errs.ErrInvalid, c)
	}
	return sc, nil
}

func toRef(r mail.MailRef) store.MailRef {
	return store.MailRef{
		Mailbox: r.Mailbox, InternetMessageID: r.InternetMessageID, GraphID: r.GraphID,
		ConversationID: r.ConversationID, Sender: r.Sender, Subject: r.Subject, Received: r.Received,
	}
}

func fromEntry(e store.Entry) mail.Entry {
	return mail.Entry{
		MailRef: mail.MailRef{
			Mailbox: e.Mailbox, InternetMessageID: e.InternetMessageID, GraphID: e.GraphID,
			ConversationID: e.ConversationID, Sender: e.Sender, Subject: e.Subject, Received: e.Received,
		},
		State: mail.State(e.State), Reason: e.Reason, TicketKey: e.TicketKey,
	}
}

func toOutcome(r mail.Result) store.Outcome {
	return store.Outcome{State: store.State(r.State), Reason: r.Reason, TicketKey: r.TicketKey}
}

func fromTicket(t store.Ticket) mail.Ticket {
	return mail.Ticket{
		Mailbox: t.Mailbox, ConversationID: t.ConversationID, Key: t.Key, Reporter: t.Reporter,
		Summary: t.Summary, LastMessageID: t.LastMessageID, LastInternetMessageID: t.LastInternetMessageID,
		SentIDs: t.SentIDs, Participants: t.Participants, Version: t.ETag,
	}
}

func toTicket(t mail.Ticket) store.Ticket {
	return store.Ticket{
		Mailbox: t.Mailbox, ConversationID: t.ConversationID, Key: t.Key, Reporter: t.Reporter,
		Summary: t.Summary, LastMessageID: t.LastMessageID, LastInternetMessageID: t.LastInternetMessageID,
		SentIDs: t.SentIDs, Participants: t.Participants, ETag: t.Version,
	}
}
