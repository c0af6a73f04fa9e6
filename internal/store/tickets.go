package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Ticket is the mapping of one mail thread (a conversation in one mailbox) to a Jira issue.
type Ticket struct {
	Mailbox               string    // configured mailbox the thread lives in; "" for tickets made through the API
	ConversationID        string    // Graph conversationId, or the API's own id for API tickets
	Key                   string    // Jira issue key
	Reporter              string    // the requester's address, lower-case
	Summary               string    // the issue's summary when it was created
	Created               time.Time // when the conversation was first claimed
	Updated               time.Time // last change of this row
	LastMessageID         string    // Graph immutable id of the latest message we can reply on
	LastInternetMessageID string    // its internetMessageId
	SentIDs               []string  // internetMessageIds of mail the service sent on this thread, newest last
	Participants          []string  // addresses seen on the thread, lower-case
	ETag                  string    // version read; UpdateTicket and ForgetTicket write only over it
}

// TicketRef is an index entry pointing at a ticket.
type TicketRef struct {
	Key            string
	Mailbox        string
	ConversationID string
	Reporter       string
	Created        time.Time
}

const (
	ticketRow       = "ticket"
	maxSentIDs      = 50  // keeps the row small; older ids stay findable in the ledger
	maxParticipants = 300 // a 64 KiB string property holds about this many addresses
)

func ticketPK(mailbox, conversationID string) string {
	return joinKey("c:", normAddress(mailbox), conversationID)
}

func keyIndexPK(key string) string { return "k:" + keyPart(normIssueKey(key)) }

func reporterPK(addr string) string { return "r:" + keyPart(normAddress(addr)) }

// ClaimConversation is called before creating an issue for a thread. It returns the existing
// ticket and a nil claim when the thread is already mapped; otherwise a claim the caller must
// complete with CompleteTicket (or Release on a transient failure). While another worker
// holds the thread it fails with a *HeldError (errs.ErrConflict). When claim.Recover() is
// true an earlier holder may have created the issue already: search for it before creating.
func (s *Store) ClaimConversation(ctx context.Context, mailbox, conversationID string, lease time.Duration) (Ticket, *Claim, error) {
	if conversationID == "" {
		return Ticket{}, nil, fmt.Errorf("claim conversation: %w: empty conversation id", errs.ErrInvalid)
	}
	pk := ticketPK(mailbox, conversationID)
	ins := props{"Mailbox": normAddress(mailbox), "ConversationID": conversationID, "State": "claimed"}
	ins.setTime("Created", s.now())
	c, r, err := s.acquire(ctx, claimSpec{
		t: s.tickets, kind: "ticket", what: "conversation " + pk, pk: pk, rk: ticketRow, lease: lease,
		insert: ins,
		inspect: func(r row, _ time.Time) (props, bool) {
			return nil, r.Props.str("Key") != ""
		},
	})
	if err != nil {
		return Ticket{}, nil, err
	}
	return ticketFromRow(r), c, nil
}

// CompleteTicket records the Jira issue created under claim c. t names the thread
// (Mailbox, ConversationID as claimed) and carries Key and the ticket's data. The write is
// conditional on the claim: a holder that lost its lease gets errs.ErrPrecondition.
func (s *Store) CompleteTicket(ctx context.Context, c *Claim, t Ticket) (Ticket, error) {
	pk := ticketPK(t.Mailbox, t.ConversationID)
	if c == nil || c.kind != "ticket" || c.pk != pk {
		return Ticket{}, fmt.Errorf("complete ticket: %w: claim is not for conversation %s", errs.ErrInvalid, pk)
	}
	if t.Key == "" {
		return Ticket{}, fmt.Errorf("complete ticket: %w: empty issue key", errs.ErrInvalid)
	}
	now := s.now()
	if t.Created.IsZero() {
		t.Created = now
	}
	t.Key, t.Reporter, t.Updated = normIssueKey(t.Key), normAddress(t.Reporter), now
	// Indexes first: if we die before the ticket row is written, a stale index entry is
	// harmless (lookups check the ticket row), while a missing one would hide the ticket.
	if err := s.writeIndexes(ctx, pk, t); err != nil {
		return Ticket{}, fmt.Errorf("complete ticket %s: %w", t.Key, err)
	}
	p := ticketData(t)
	p["Key"], p["Reporter"], p["State"] = t.Key, t.Reporter, "created"
	if err := c.complete(ctx, "ticket", p); err != nil {
		return Ticket{}, err
	}
	t.ETag = string(c.etag)
	return t, nil
}

func (s *Store) writeIndexes(ctx context.Context, pk string, t Ticket) error {
	ref := props{"Key": t.Key, "Mailbox": normAddress(t.Mailbox), "ConversationID": t.ConversationID, "Reporter": t.Reporter}
	ref.setTime("Created", t.Created)
	rows := []row{{PK: keyIndexPK(t.Key), RK: pk, Props: ref}}
	if t.Reporter != "" {
		rows = append(rows, row{PK: reporterPK(t.Reporter), RK: pk, Props: ref})
	}
	errc := make([]error, len(rows))
	var wg sync.WaitGroup
	for i, r := range rows {
		wg.Go(func() { _, errc[i] = s.tickets.upsert(ctx, r) })
	}
	wg.Wait()
	return errors.Join(errc...)
}

// ticketData are the properties UpdateTicket may change.
func ticketData(t Ticket) props {
	p := props{
		"Summary":               t.Summary,
		"LastMessageID":         t.LastMessageID,
		"LastInternetMessageID": t.LastInternetMessageID,
	}
	p.setTime("Updated", t.Updated)
	p.setTime("Created", t.Created)
	p.setStrings("SentIDs", lastN(t.SentIDs, maxSentIDs))
	p.setStrings("Participants", lastN(t.Participants, maxParticipants))
	return p
}

func lastN(v []string, n int) []string {
	if len(v) > n {
		return v[len(v)-n:]
	}
	return v
}

func ticketFromRow(r row) Ticket {
	p := r.Props
	return Ticket{
		Mailbox:               p.str("Mailbox"),
		ConversationID:        p.str("ConversationID"),
		Key:                   p.str("Key"),
		Reporter:              p.str("Reporter"),
		Summary:               p.str("Summary"),
		Created:               p.time("Created"),
		Updated:               p.time("Updated"),
		LastMessageID:         p.str("LastMessageID"),
		LastInternetMessageID: p.str("LastInternetMessageID"),
		SentIDs:               p.strings("SentIDs"),
		Participants:          p.strings("Participants"),
		ETag:                  string(r.ETag),
	}
}

// Ticket returns the ticket of a thread (one point read). It fails with errs.ErrNotFound when
// the thread has no issue yet, including while a claim on it is in progress.
func (s *Store) Ticket(ctx context.Context, mailbox, conversationID string) (Ticket, error) {
	r, err := s.tickets.get(ctx, ticketPK(mailbox, conversationID), ticketRow)
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket: %w", err)
	}
	t := ticketFromRow(r)
	if t.Key == "" {
		return Ticket{}, fmt.Errorf("ticket: %w: conversation is claimed but has no issue yet", errs.ErrNotFound)
	}
	return t, nil
}

// UpdateTicket writes t's summary, last message, sent ids and participants, only over the
// version t was read at; errs.ErrPrecondition means someone changed it meanwhile: read again.
func (s *Store) UpdateTicket(ctx context.Context, t Ticket) (Ticket, error) {
	if t.Key == "" || t.ETag == "" {
		return Ticket{}, fmt.Errorf("update ticket: %w: read the ticket first", errs.ErrInvalid)
	}
	t.Updated = s.now()
	p := ticketData(t)
	etag, err := s.tickets.merge(ctx, row{PK: ticketPK(t.Mailbox, t.ConversationID), RK: ticketRow, Props: p}, azcore.ETag(t.ETag))
	if err != nil {
		return Ticket{}, fmt.Errorf("update ticket %s: %w", t.Key, err)
	}
	t.ETag = string(etag)
	return t, nil
}

// ModifyTicket reads a thread's ticket, applies fn and writes it back, starting over when a
// concurrent writer got in between.
func (s *Store) ModifyTicket(ctx context.Context, mailbox, conversationID string, fn func(*Ticket) error) (Ticket, error) {
	for range 8 {
		t, err := s.Ticket(ctx, mailbox, conversationID)
		if err != nil {
			return Ticket{}, err
		}
		if err := fn(&t); err != nil {
			return Ticket{}, err
		}
		t, err = s.UpdateTicket(ctx, t)
		if !errors.Is(err, errs.ErrPrecondition) {
			return t, err
		}
	}
	return Ticket{}, fmt.Errorf("modify ticket: %w: too many concurrent writers", errs.ErrPrecondition)
}

// TicketByKey finds the ticket of a Jira issue: one partition query on the key index plus a
// point read of the thread. When several threads map to the key, the oldest wins.
func (s *Store) TicketByKey(ctx context.Context, key string) (Ticket, error) {
	refs, err := s.tickets.query(ctx, partitionFilter(keyIndexPK(key)), "")
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket by key %s: %w", key, err)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Props.time("Created").Before(refs[j].Props.time("Created")) })
	for _, ref := range refs {
		t, err := s.Ticket(ctx, ref.Props.str("Mailbox"), ref.Props.str("ConversationID"))
		if errors.Is(err, errs.ErrNotFound) {
			continue
		}
		if err != nil {
			return Ticket{}, fmt.Errorf("ticket by key %s: %w", key, err)
		}
		if t.Key == normIssueKey(key) { // an index entry outlives a forgotten or re-keyed thread
			return t, nil
		}
	}
	return Ticket{}, fmt.Errorf("ticket by key %s: %w", key, errs.ErrNotFound)
}

// TicketsByReporter lists the tickets a requester raised, oldest first, created at or after
// since (zero for all): one partition query, also used for the per-sender hourly cap.
func (s *Store) TicketsByReporter(ctx context.Context, address string, since time.Time) ([]TicketRef, error) {
	filter := partitionFilter(reporterPK(address))
	if !since.IsZero() {
		filter += " and Created ge " + odataTime(since)
	}
	rows, err := s.tickets.query(ctx, filter, "")
	if err != nil {
		return nil, fmt.Errorf("tickets by reporter: %w", err)
	}
	out := make([]TicketRef, 0, len(rows))
	for _, r := range rows {
		p := r.Props
		out = append(out, TicketRef{
			Key: p.str("Key"), Mailbox: p.str("Mailbox"), ConversationID: p.str("ConversationID"),
			Reporter: p.str("Reporter"), Created: p.time("Created"),
		})
	}
	slices.SortStableFunc(out, func(a, b TicketRef) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// ForgetTicket removes a thread's mapping (its issue was deleted in Jira) so the next mail
// on the thread creates a new issue. It only deletes the version t was read at.
func (s *Store) ForgetTicket(ctx context.Context, t Ticket) error {
	pk := ticketPK(t.Mailbox, t.ConversationID)
	if err := s.tickets.delete(ctx, pk, ticketRow, azcore.ETag(t.ETag)); err != nil {
		return fmt.Errorf("forget ticket %s: %w", t.Key, err)
	}
	for _, ipk := range []string{keyIndexPK(t.Key), reporterPK(t.Reporter)} {
		if err := s.tickets.delete(ctx, ipk, pk, ""); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return fmt.Errorf("forget ticket %s: %w", t.Key, err)
		}
	}
	return nil
}

// RecordSent records mail the service is about to send on a ticket's thread (a draft's ids,
// before send): as the sender mailbox's own mail in the ledger, so its copy in Sent Items and
// any other configured mailbox is never ticketed, and in the ticket's sent ids.
func (s *Store) RecordSent(ctx context.Context, t Ticket, sent MailRef) (Ticket, error) {
	var wg sync.WaitGroup
	var lerr, terr error
	key := t.Key
	wg.Go(func() {
		_, lerr = s.RecordMail(ctx, sent, Outcome{State: StateOwn, Reason: "sent by the service", TicketKey: key})
	})
	wg.Go(func() { t, terr = s.addSentID(ctx, t, sent.InternetMessageID) })
	wg.Wait()
	if err := errors.Join(lerr, terr); err != nil {
		return Ticket{}, fmt.Errorf("record sent mail: %w", err)
	}
	return t, nil
}

// addSentID appends id to the ticket's sent ids. The caller usually holds the latest version
// (CompleteTicket returned it), so that is tried first; a read follows only when someone
// changed the ticket meanwhile.
func (s *Store) addSentID(ctx context.Context, t Ticket, id string) (Ticket, error) {
	add := func(cur *Ticket) error {
		if id != "" && !slices.Contains(cur.SentIDs, id) {
			cur.SentIDs = append(slices.Clone(cur.SentIDs), id)
		}
		return nil
	}
	if t.ETag != "" {
		_ = add(&t)
		updated, err := s.UpdateTicket(ctx, t)
		if !errors.Is(err, errs.ErrPrecondition) {
			return updated, err
		}
	}
	return s.ModifyTicket(ctx, t.Mailbox, t.ConversationID, add)
}
