package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// State is where a mail stands in the ledger.
type State string

// Ledger states. The last six are final: a mail in one of them is never processed again
// (failed ones only when the sweep is asked to retry them).
const (
	StateEnqueued   State = "enqueued"   // the sweep put it on the queue; no worker has it yet
	StateProcessing State = "processing" // a worker holds it (see the lease)
	StateRetry      State = "retry"      // a worker let go after a transient failure
	StateCreated    State = "created"    // it created a ticket
	StateCommented  State = "commented"  // it became a comment
	StateFiltered   State = "filtered"   // not ticketed, see the reason (automatic mail, blocked sender, ...)
	StateOwn        State = "own"        // mail the service sent itself
	StateDuplicate  State = "duplicate"  // another configured mailbox's copy of the same mail was processed
	StateFailed     State = "failed"     // gave up, see the reason
)

// Final reports whether the state is an outcome.
func (s State) Final() bool {
	switch s {
	case StateCreated, StateCommented, StateFiltered, StateOwn, StateDuplicate, StateFailed:
		return true
	}
	return false
}

// MailRef names one copy of a mail: the mailbox it arrived in and its ids. The
// internetMessageId is the mail's identity across mailboxes; when it is missing the copy is
// identified by its Graph id instead (and cannot be recognised in another mailbox).
type MailRef struct {
	Mailbox           string    // configured mailbox holding this copy
	InternetMessageID string    // RFC 5322 Message-ID, e.g. <abc@example.com>
	GraphID           string    // Graph immutable id of this copy
	ConversationID    string    // Graph conversationId, for the log
	Sender            string    // sender address, for the log
	Subject           string    // for the log
	Received          time.Time // receivedDateTime, for the log
}

// Outcome is what became of a mail.
type Outcome struct {
	State     State  // a final state
	Reason    string // why, in words an operator understands ("out-of-office by message class")
	TicketKey string // the ticket created or commented on, or the thread's ticket for own mail
}

// Entry is a ledger row: one copy of a mail and what became of it.
type Entry struct {
	MailRef
	State       State
	Reason      string
	TicketKey   string
	DuplicateOf string    // for duplicates: the mailbox whose copy was processed
	Copies      []string  // other mailboxes whose copies were recorded as duplicates of this one
	Attempts    int       // how many times a worker claimed it
	FirstSeen   time.Time // first enqueue, claim or record
	Updated     time.Time
	EnqueuedAt  time.Time // last time the sweep enqueued it
	LeaseUntil  time.Time // while processing: the holder's lease
}

const (
	mailRow    = "mail"  // the copy that is (or will be) processed
	copyPrefix = "copy:" // other mailboxes' copies, recorded as duplicates
)

func mailPK(ref MailRef) (string, error) {
	if id := strings.TrimSpace(ref.InternetMessageID); id != "" {
		return "m:" + keyPart(id), nil
	}
	if ref.GraphID != "" && ref.Mailbox != "" {
		return joinKey("g:", normAddress(ref.Mailbox), ref.GraphID), nil
	}
	return "", fmt.Errorf("mail: %w: need an internetMessageId, or a mailbox and Graph id", errs.ErrInvalid)
}

func copyRK(mailbox string) string { return copyPrefix + keyPart(normAddress(mailbox)) }

func refProps(ref MailRef) props {
	p := props{
		"Mailbox":           normAddress(ref.Mailbox),
		"InternetMessageID": strings.TrimSpace(ref.InternetMessageID),
		"GraphID":           ref.GraphID,
		"ConversationID":    ref.ConversationID,
		"Sender":            normAddress(ref.Sender),
		"Subject":           clip(ref.Subject, maxText),
	}
	p.setTime("Received", ref.Received)
	return p
}

func entryFromRow(r row) Entry {
	p := r.Props
	return Entry{
		MailRef: MailRef{
			Mailbox: p.str("Mailbox"), InternetMessageID: p.str("InternetMessageID"), GraphID: p.str("GraphID"),
			ConversationID: p.str("ConversationID"), Sender: p.str("Sender"), Subject: p.str("Subject"),
			Received: p.time("Received"),
		},
		State: State(p.str("State")), Reason: p.str("Reason"), TicketKey: p.str("TicketKey"),
		DuplicateOf: p.str("DuplicateOf"), Copies: p.strings("Copies"), Attempts: p.integer(propAttempts),
		FirstSeen: p.time("FirstSeen"), Updated: p.time("Updated"), EnqueuedAt: p.time("EnqueuedAt"),
		LeaseUntil: p.time(propLeaseUntil),
	}
}

// liveHolder reports whether a worker holds r's lease at now.
func liveHolder(r row, now time.Time) bool {
	return r.Props.str(propHolder) != "" && r.Props.time(propLeaseUntil).After(now)
}

// belongsElsewhere reports whether another mailbox's copy of the mail was or is being
// processed, which makes ref's copy a duplicate.
func belongsElsewhere(r row, ref MailRef, now time.Time) bool {
	if r.Props.str("Mailbox") == normAddress(ref.Mailbox) {
		return false
	}
	st := State(r.Props.str("State"))
	return st.Final() || (st == StateProcessing && liveHolder(r, now))
}

// BeginMail claims a mail for processing. It returns a claim (finish it with FinishMail or
// Release it) when the caller should process the mail; a nil claim and the entry when there
// is nothing to do: the mail has an outcome already, or another mailbox's copy of it was
// processed (then this copy is recorded as a duplicate and the entry says so). While another
// worker processes it, it fails with a *HeldError (errs.ErrConflict).
func (s *Store) BeginMail(ctx context.Context, ref MailRef, lease time.Duration) (Entry, *Claim, error) {
	pk, err := mailPK(ref)
	if err != nil {
		return Entry{}, nil, err
	}
	now := s.now()
	ins := refProps(ref)
	ins["State"] = string(StateProcessing)
	ins.setTime("FirstSeen", now)
	ins.setTime("Updated", now)
	take := refProps(ref)
	take["State"] = string(StateProcessing)
	take.setTime("Updated", now)
	release := props{"State": string(StateRetry)}
	c, r, err := s.acquire(ctx, claimSpec{
		t: s.ledger, kind: "mail", what: "mail " + pk, pk: pk, rk: mailRow, lease: lease,
		insert: ins, release: release,
		inspect: func(r row, now time.Time) (props, bool) {
			if belongsElsewhere(r, ref, now) {
				return nil, true
			}
			return take, State(r.Props.str("State")).Final()
		},
	})
	if err != nil {
		return Entry{}, nil, err
	}
	if c != nil || r.Props.str("Mailbox") == normAddress(ref.Mailbox) {
		return entryFromRow(r), c, nil
	}
	e, err := s.recordDuplicate(ctx, ref, r)
	return e, nil, err
}

// FinishMail records the outcome of a mail claimed with BeginMail and ends the claim.
// errs.ErrPrecondition means the claim was taken over: the taker records the outcome.
func (s *Store) FinishMail(ctx context.Context, c *Claim, o Outcome) error {
	if !o.State.Final() || o.State == StateDuplicate {
		return fmt.Errorf("finish mail: %w: %q is not an outcome", errs.ErrInvalid, o.State)
	}
	p := props{"State": string(o.State), "Reason": clip(o.Reason, maxText), "TicketKey": normIssueKey(o.TicketKey)}
	p.setTime("Updated", s.now())
	return c.complete(ctx, "mail", p)
}

// RecordMail records an outcome decided without side effects (filtered, own mail) in one
// write when the mail is new. An outcome already recorded is kept and returned; a copy of a
// mail another mailbox processed is recorded as a duplicate; a mail a worker is processing
// fails with a *HeldError.
func (s *Store) RecordMail(ctx context.Context, ref MailRef, o Outcome) (Entry, error) {
	if !o.State.Final() || o.State == StateDuplicate {
		return Entry{}, fmt.Errorf("record mail: %w: %q is not an outcome", errs.ErrInvalid, o.State)
	}
	pk, err := mailPK(ref)
	if err != nil {
		return Entry{}, err
	}
	for range 8 {
		now := s.now()
		p := refProps(ref)
		p["State"], p["Reason"], p["TicketKey"] = string(o.State), clip(o.Reason, maxText), normIssueKey(o.TicketKey)
		p.setTime("Updated", now)
		ins := maps.Clone(p)
		ins.setTime("FirstSeen", now)
		etag, err := s.ledger.add(ctx, row{PK: pk, RK: mailRow, Props: ins})
		if err == nil {
			return entryFromRow(row{PK: pk, RK: mailRow, Props: ins, ETag: etag}), nil
		}
		if !errors.Is(err, errs.ErrConflict) {
			return Entry{}, fmt.Errorf("record mail: %w", err)
		}
		e, retry, err := s.recordOver(ctx, ref, pk, p, now)
		if !retry {
			return e, err
		}
	}
	return Entry{}, fmt.Errorf("record mail: %w: the row keeps changing", errs.ErrConflict)
}

// recordOver writes outcome properties p over an existing mail row, unless the row has an
// outcome, a live holder, or belongs to another mailbox's copy. retry means the row changed
// or vanished between read and write.
func (s *Store) recordOver(ctx context.Context, ref MailRef, pk string, p props, now time.Time) (e Entry, retry bool, err error) {
	r, err := s.ledger.get(ctx, pk, mailRow)
	if errors.Is(err, errs.ErrNotFound) {
		return Entry{}, true, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("record mail: %w", err)
	}
	switch st := State(r.Props.str("State")); {
	case belongsElsewhere(r, ref, now):
		e, err := s.recordDuplicate(ctx, ref, r)
		return e, false, err
	case st.Final():
		return entryFromRow(r), false, nil
	case liveHolder(r, now):
		return Entry{}, false, &HeldError{What: "mail " + pk, Until: r.Props.time(propLeaseUntil)}
	}
	p[propHolder] = ""
	etag, err := s.ledger.merge(ctx, row{PK: pk, RK: mailRow, Props: p}, r.ETag)
	switch {
	case err == nil:
		maps.Copy(r.Props, p)
		r.ETag = etag
		return entryFromRow(r), false, nil
	case errors.Is(err, errs.ErrPrecondition), errors.Is(err, errs.ErrNotFound):
		return Entry{}, true, nil
	}
	return Entry{}, false, fmt.Errorf("record mail: %w", err)
}

// recordDuplicate records ref's copy as a duplicate of the processed copy in owner, and adds
// ref's mailbox to the owner row's copies in the same entity group transaction, so the two
// rows never disagree.
func (s *Store) recordDuplicate(ctx context.Context, ref MailRef, owner row) (Entry, error) {
	me := normAddress(ref.Mailbox)
	for range 8 {
		now := s.now()
		dup := refProps(ref)
		dup["State"], dup["DuplicateOf"] = string(StateDuplicate), owner.Props.str("Mailbox")
		dup["Reason"] = "the same mail was processed in mailbox " + owner.Props.str("Mailbox")
		dup["TicketKey"] = owner.Props.str("TicketKey")
		dup.setTime("FirstSeen", now)
		dup.setTime("Updated", now)
		copies := owner.Props.strings("Copies")
		if !slices.Contains(copies, me) {
			copies = append(copies, me)
		}
		mark := props{}
		mark.setStrings("Copies", copies)
		dupRow := row{PK: owner.PK, RK: copyRK(me), Props: dup}
		markRow := row{PK: owner.PK, RK: mailRow, Props: mark}
		db, err := dupRow.marshal()
		if err != nil {
			return Entry{}, err
		}
		mb, err := markRow.marshal()
		if err != nil {
			return Entry{}, err
		}
		err = s.ledger.transact(ctx, owner.PK, []aztables.TransactionAction{
			{ActionType: aztables.TransactionTypeUpdateMerge, Entity: mb, IfMatch: to.Ptr(owner.ETag)},
			{ActionType: aztables.TransactionTypeInsertReplace, Entity: db},
		})
		if err == nil {
			return entryFromRow(dupRow), nil
		}
		if !errors.Is(err, errs.ErrPrecondition) {
			return Entry{}, fmt.Errorf("record duplicate: %w", err)
		}
		if owner, err = s.ledger.get(ctx, owner.PK, mailRow); err != nil {
			return Entry{}, fmt.Errorf("record duplicate: %w", err)
		}
	}
	return Entry{}, fmt.Errorf("record duplicate: %w: the row keeps changing", errs.ErrConflict)
}

// EnqueueOptions tunes MarkEnqueued.
type EnqueueOptions struct {
	MinAge      time.Duration // re-enqueue a waiting mail only after this long; DefaultReenqueueAge when zero
	RetryFailed bool          // enqueue mail that failed permanently again
}

// MarkEnqueued is the sweep's check-and-mark: it reports whether the mail should be put on
// the queue (no outcome yet, nobody processing it, not enqueued within MinAge) and, if so,
// records that it was enqueued now.
func (s *Store) MarkEnqueued(ctx context.Context, ref MailRef, o EnqueueOptions) (bool, error) {
	if o.MinAge <= 0 {
		o.MinAge = DefaultReenqueueAge
	}
	pk, err := mailPK(ref)
	if err != nil {
		return false, err
	}
	token, err := newToken()
	if err != nil {
		return false, err
	}
	for range 8 {
		now := s.now()
		p := refProps(ref)
		p["State"], p["EnqueuedBy"] = string(StateEnqueued), token
		p.setTime("FirstSeen", now)
		p.setTime("Updated", now)
		p.setTime("EnqueuedAt", now)
		_, err := s.ledger.add(ctx, row{PK: pk, RK: mailRow, Props: p})
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, errs.ErrConflict) {
			return false, fmt.Errorf("mark enqueued: %w", err)
		}
		ok, retry, err := s.enqueueOver(ctx, pk, token, o, now)
		if !retry {
			return ok, err
		}
	}
	return false, fmt.Errorf("mark enqueued: %w: the row keeps changing", errs.ErrConflict)
}

// enqueueOver marks an existing mail row enqueued when the sweep should enqueue it. retry
// means the row changed or vanished between read and write.
func (s *Store) enqueueOver(ctx context.Context, pk, token string, o EnqueueOptions, now time.Time) (ok, retry bool, err error) {
	r, err := s.ledger.get(ctx, pk, mailRow)
	if errors.Is(err, errs.ErrNotFound) {
		return false, true, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("mark enqueued: %w", err)
	}
	st := State(r.Props.str("State"))
	switch {
	case r.Props.str("EnqueuedBy") == token && st == StateEnqueued:
		return true, false, nil // our own write landed although its answer was lost
	case st == StateFailed && o.RetryFailed:
	case st.Final(), liveHolder(r, now):
		return false, false, nil
	case now.Sub(r.Props.time("EnqueuedAt")) < o.MinAge:
		return false, false, nil
	}
	upd := props{"State": string(StateEnqueued), "EnqueuedBy": token}
	upd.setTime("Updated", now)
	upd.setTime("EnqueuedAt", now)
	_, err = s.ledger.merge(ctx, row{PK: pk, RK: mailRow, Props: upd}, r.ETag)
	switch {
	case err == nil:
		return true, false, nil
	case errors.Is(err, errs.ErrPrecondition), errors.Is(err, errs.ErrNotFound):
		return false, true, nil
	}
	return false, false, fmt.Errorf("mark enqueued: %w", err)
}

// Mail returns the ledger entry of one copy of a mail (one partition query of at most a few
// rows): the duplicate entry when ref's mailbox was recorded as a duplicate, else the
// entry of the processed copy, whichever mailbox that is.
func (s *Store) Mail(ctx context.Context, ref MailRef) (Entry, error) {
	pk, err := mailPK(ref)
	if err != nil {
		return Entry{}, err
	}
	rows, err := s.ledger.query(ctx, partitionFilter(pk), "")
	if err != nil {
		return Entry{}, fmt.Errorf("mail: %w", err)
	}
	var main *row
	for i, r := range rows {
		switch r.RK {
		case copyRK(ref.Mailbox):
			return entryFromRow(r), nil
		case mailRow:
			main = &rows[i]
		}
	}
	if main == nil {
		return Entry{}, fmt.Errorf("mail: %w", errs.ErrNotFound)
	}
	return entryFromRow(*main), nil
}

// MailByMessageID returns the processed copy's entry for an internetMessageId (one point
// read): how In-Reply-To and References find the ticket a reply belongs to.
func (s *Store) MailByMessageID(ctx context.Context, internetMessageID string) (Entry, error) {
	pk, err := mailPK(MailRef{InternetMessageID: internetMessageID})
	if err != nil {
		return Entry{}, err
	}
	r, err := s.ledger.get(ctx, pk, mailRow)
	if err != nil {
		return Entry{}, fmt.Errorf("mail by message id: %w", err)
	}
	return entryFromRow(r), nil
}

// LogQuery selects ledger entries for the `log` command.
type LogQuery struct {
	Since   time.Time // entries updated at or after; required
	Mailbox string    // only this mailbox's copies when set
	States  []State   // only these states when set
}

// MailLog lists ledger entries updated since q.Since, newest first. It is the one query that
// scans the table (filtered on the server by time and mailbox): it serves the operator's
// `log` command, and the table holds no more than the retention period.
func (s *Store) MailLog(ctx context.Context, q LogQuery) ([]Entry, error) {
	if q.Since.IsZero() {
		return nil, fmt.Errorf("mail log: %w: a start time is required", errs.ErrInvalid)
	}
	filter := "Updated ge " + odataTime(q.Since)
	if q.Mailbox != "" {
		filter += " and Mailbox eq " + odataString(normAddress(q.Mailbox))
	}
	if len(q.States) > 0 {
		var or []string
		for _, st := range q.States {
			or = append(or, "State eq "+odataString(string(st)))
		}
		filter += " and (" + strings.Join(or, " or ") + ")"
	}
	rows, err := s.ledger.query(ctx, filter, "")
	if err != nil {
		return nil, fmt.Errorf("mail log: %w", err)
	}
	out := make([]Entry, 0, len(rows))
	for _, r := range rows {
		out = append(out, entryFromRow(r))
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return b.Updated.Compare(a.Updated) })
	return out, nil
}
