package mail

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// clock is a test clock shared by the fakes.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

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

// fakeLease mirrors internal/store.DefaultLease.
const fakeLease = 35 * time.Minute

// fakeStore behaves like internal/store: leased claims that a successor takes over only
// when the lease ended or was released, a ledger keyed by internetMessageId across
// mailboxes (other mailboxes' copies become duplicates), and ticket rows with versions.
type fakeStore struct {
	mu      sync.Mutex
	gate    *gate
	clock   *clock
	ledger  map[string]*fakeRow // by mail key
	tickets map[string]*fakeTicketRow
	version int
	hooks   map[string]func(context.Context) error // called (outside the lock) when a method starts, to simulate crashes
}

type fakeRow struct {
	entry   Entry
	holder  string
	until   time.Time
	attempt int
	copies  map[string]Entry // other mailboxes' copies recorded as duplicates
}

type fakeTicketRow struct {
	ticket  Ticket
	claimed bool // a claim row without an issue yet
	holder  string
	until   time.Time
	attempt int
	created time.Time
}

func newFakeStore(c *clock) *fakeStore {
	return &fakeStore{clock: c, ledger: map[string]*fakeRow{}, tickets: map[string]*fakeTicketRow{}, hooks: map[string]func(context.Context) error{}}
}

func (s *fakeStore) hook(ctx context.Context, name string) error {
	if err := s.gate.enter(ctx); err != nil {
		return err
	}
	defer s.gate.exit()
	s.mu.Lock()
	h := s.hooks[name]
	s.mu.Unlock()
	if h != nil {
		return h(ctx)
	}
	return nil
}

func (s *fakeStore) setHook(name string, h func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks[name] = h
}

// fakeClaim is a claim on a ledger or ticket row.
type fakeClaim struct {
	s       *fakeStore
	kind    string // "mail" or "ticket"
	key     string
	token   string
	attempt int
}

func (c *fakeClaim) Recover() bool { return c.attempt > 1 }

func (c *fakeClaim) Release(ctx context.Context, reason string) error {
	if err := c.s.gate.enter(ctx); err != nil {
		return err
	}
	defer c.s.gate.exit()
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	holder, until := c.s.claimFields(c)
	if holder == nil || *holder != c.token {
		return fmt.Errorf("release: %w", errs.ErrPrecondition)
	}
	*holder, *until = "", c.s.clock.Now()
	if c.kind == "mail" {
		c.s.ledger[c.key].entry.State, c.s.ledger[c.key].entry.Reason = "retry", reason
	}
	return nil
}

func (c *fakeClaim) KeepAlive(context.Context, time.Duration) func() { return func() {} }

func (s *fakeStore) claimFields(c *fakeClaim) (*string, *time.Time) {
	if c.kind == "mail" {
		if r := s.ledger[c.key]; r != nil {
			return &r.holder, &r.until
		}
		return nil, nil
	}
	if r := s.tickets[c.key]; r != nil {
		return &r.holder, &r.until
	}
	return nil, nil
}

func (s *fakeStore) newToken() string {
	s.version++
	return fmt.Sprint("t", s.version)
}

func final(st State) bool {
	switch st {
	case StateCreated, StateCommented, StateFiltered, StateOwn, StateDuplicate, StateFailed:
		return true
	}
	return false
}

func (s *fakeStore) live(holder string, until time.Time) bool {
	return holder != "" && until.After(s.clock.Now())
}

func (s *fakeStore) BeginMail(ctx context.Context, ref MailRef) (Entry, Claim, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Entry{}, nil, err
	}
	defer s.gate.exit()
	if err := s.hook(ctx, "BeginMail"); err != nil {
		return Entry{}, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := mailKey(ref)
	r := s.ledger[k]
	if r == nil {
		r = &fakeRow{entry: Entry{MailRef: ref, State: "processing"}, copies: map[string]Entry{}}
		s.ledger[k] = r
	} else {
		if !strings.EqualFold(r.entry.Mailbox, ref.Mailbox) && (final(r.entry.State) || s.live(r.holder, r.until)) {
			dup := Entry{MailRef: ref, State: StateDuplicate, Reason: "the same mail was processed in mailbox " + r.entry.Mailbox, TicketKey: r.entry.TicketKey}
			r.copies[normAddr(ref.Mailbox)] = dup
			return dup, nil, nil
		}
		if final(r.entry.State) {
			return r.entry, nil, nil
		}
		if s.live(r.holder, r.until) {
			return Entry{}, nil, fmt.Errorf("mail %s: %w: held until %s", k, errs.ErrConflict, r.until)
		}
		r.entry.MailRef, r.entry.State = ref, "processing"
	}
	r.attempt++
	r.holder, r.until = s.newToken(), s.clock.Now().Add(fakeLease)
	return r.entry, &fakeClaim{s: s, kind: "mail", key: k, token: r.holder, attempt: r.attempt}, nil
}

func mailKey(ref MailRef) string {
	if ref.InternetMessageID != "" {
		return ref.InternetMessageID
	}
	return "graph:" + ref.GraphID
}

func (s *fakeStore) FinishMail(ctx context.Context, c Claim, res Result) error {
	if err := s.gate.enter(ctx); err != nil {
		return err
	}
	defer s.gate.exit()
	if err := s.hook(ctx, "FinishMail"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := c.(*fakeClaim)
	r := s.ledger[fc.key]
	if fc.kind != "mail" || r == nil || r.holder != fc.token {
		return fmt.Errorf("finish mail: %w: lease taken over", errs.ErrPrecondition)
	}
	r.entry.State, r.entry.Reason, r.entry.TicketKey = res.State, res.Reason, res.TicketKey
	r.holder = ""
	return nil
}

func (s *fakeStore) RecordMail(ctx context.Context, ref MailRef, res Result) error {
	if err := s.gate.enter(ctx); err != nil {
		return err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := mailKey(ref)
	if r := s.ledger[k]; r != nil {
		if final(r.entry.State) {
			return nil
		}
		if s.live(r.holder, r.until) {
			return fmt.Errorf("record mail: %w", errs.ErrConflict)
		}
	}
	s.ledger[k] = &fakeRow{entry: Entry{MailRef: ref, State: res.State, Reason: res.Reason, TicketKey: res.TicketKey}, copies: map[string]Entry{}}
	return nil
}

func (s *fakeStore) MailByMessageID(ctx context.Context, id string) (Entry, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Entry{}, err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ledger[id]
	if r == nil {
		return Entry{}, fmt.Errorf("mail %s: %w", id, errs.ErrNotFound)
	}
	return r.entry, nil
}

func ticketKey(mailbox, conv string) string { return normAddr(mailbox) + "|" + conv }

func (s *fakeStore) Ticket(ctx context.Context, mailbox, conv string) (Ticket, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Ticket{}, err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.tickets[ticketKey(mailbox, conv)]
	if r == nil || r.ticket.Key == "" {
		return Ticket{}, fmt.Errorf("ticket: %w", errs.ErrNotFound)
	}
	return cloneTicket(r.ticket), nil
}

func (s *fakeStore) TicketByKey(ctx context.Context, key string) (Ticket, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Ticket{}, err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.tickets {
		if r.ticket.Key != "" && strings.EqualFold(r.ticket.Key, key) {
			return cloneTicket(r.ticket), nil
		}
	}
	return Ticket{}, fmt.Errorf("ticket %s: %w", key, errs.ErrNotFound)
}

func (s *fakeStore) ClaimConversation(ctx context.Context, mailbox, conv string) (Ticket, Claim, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Ticket{}, nil, err
	}
	defer s.gate.exit()
	if err := s.hook(ctx, "ClaimConversation"); err != nil {
		return Ticket{}, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := ticketKey(mailbox, conv)
	r := s.tickets[k]
	switch {
	case r == nil:
		r = &fakeTicketRow{claimed: true, ticket: Ticket{Mailbox: normAddr(mailbox), ConversationID: conv}}
		s.tickets[k] = r
	case r.ticket.Key != "":
		return cloneTicket(r.ticket), nil, nil
	case s.live(r.holder, r.until):
		return Ticket{}, nil, fmt.Errorf("conversation %s: %w", k, errs.ErrConflict)
	}
	r.attempt++
	r.holder, r.until = s.newToken(), s.clock.Now().Add(fakeLease)
	return r.ticket, &fakeClaim{s: s, kind: "ticket", key: k, token: r.holder, attempt: r.attempt}, nil
}

func (s *fakeStore) CompleteTicket(ctx context.Context, c Claim, t Ticket) (Ticket, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Ticket{}, err
	}
	defer s.gate.exit()
	if err := s.hook(ctx, "CompleteTicket"); err != nil {
		return Ticket{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := c.(*fakeClaim)
	k := ticketKey(t.Mailbox, t.ConversationID)
	r := s.tickets[k]
	if fc.kind != "ticket" || fc.key != k || r == nil || r.holder != fc.token {
		return Ticket{}, fmt.Errorf("complete ticket: %w", errs.ErrPrecondition)
	}
	t.Mailbox, t.Version = normAddr(t.Mailbox), s.newToken()
	r.ticket, r.claimed, r.holder, r.created = cloneTicket(t), false, "", s.clock.Now()
	return cloneTicket(t), nil
}

func (s *fakeStore) ForgetTicket(ctx context.Context, t Ticket) error {
	if err := s.gate.enter(ctx); err != nil {
		return err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	k := ticketKey(t.Mailbox, t.ConversationID)
	r := s.tickets[k]
	if r == nil {
		return fmt.Errorf("forget: %w", errs.ErrNotFound)
	}
	if r.ticket.Version != t.Version {
		return fmt.Errorf("forget: %w", errs.ErrPrecondition)
	}
	delete(s.tickets, k)
	return nil
}

func (s *fakeStore) ModifyTicket(ctx context.Context, mailbox, conv string, fn func(*Ticket) error) (Ticket, error) {
	if err := s.gate.enter(ctx); err != nil {
		return Ticket{}, err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.tickets[ticketKey(mailbox, conv)]
	if r == nil || r.ticket.Key == "" {
		return Ticket{}, fmt.Errorf("modify: %w", errs.ErrNotFound)
	}
	t := cloneTicket(r.ticket)
	if err := fn(&t); err != nil {
		return Ticket{}, err
	}
	t.Version = s.newToken()
	r.ticket = t
	return cloneTicket(t), nil
}

func (s *fakeStore) RecordSent(ctx context.Context, t Ticket, sent MailRef) (Ticket, error) {
	if err := s.hook(ctx, "RecordSent"); err != nil {
		return Ticket{}, err
	}
	if err := s.RecordMail(ctx, sent, Result{State: StateOwn, Reason: "sent by the service", TicketKey: t.Key}); err != nil {
		return Ticket{}, err
	}
	return s.ModifyTicket(ctx, t.Mailbox, t.ConversationID, func(cur *Ticket) error {
		if !slices.Contains(cur.SentIDs, sent.InternetMessageID) {
			cur.SentIDs = append(cur.SentIDs, sent.InternetMessageID)
		}
		return nil
	})
}

func (s *fakeStore) TicketsOpenedSince(ctx context.Context, sender string, since time.Time) (int, error) {
	if err := s.gate.enter(ctx); err != nil {
		return 0, err
	}
	defer s.gate.exit()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.tickets {
		if r.ticket.Key != "" && r.ticket.Reporter == normAddr(sender) && !r.created.Before(since) {
			n++
		}
	}
	return n, nil
}

// entry returns the ledger entry of a mail key, for assertions.
func (s *fakeStore) entry(key string) Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.ledger[key]; r != nil {
		return r.entry
	}
	return Entry{}
}

func cloneTicket(t Ticket) Ticket {
	t.SentIDs = slices.Clone(t.SentIDs)
	t.Participants = slices.Clone(t.Participants)
	return t
}
