package mail

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxReferences bounds the In-Reply-To/References ids looked up per message, and
// maxSubjectKeys the subject keys.
const (
	maxReferences  = 10
	maxSubjectKeys = 5
)

// Thread is what threading found for a message.
type Thread struct {
	Ticket Ticket
	Known  bool
	Via    string // "subject key", "references" or "conversation"
}

// candidates are the lookups threading makes, all at once, and picks from in order.
type candidates struct {
	bySubject []Ticket // tickets named by subject keys, in subject order
	byRef     []Ticket // tickets of referenced messages, nearest reference first
	byConv    *Ticket
}

// FindThread decides which ticket a message belongs to, in this order: a subject key of
// ours whose ticket already has the sender on it (an outsider quoting a key does not get
// into someone else's ticket); a referenced message we recorded; the mapped Outlook
// conversation. Subject keys count only in projects (when given): the service's own.
// The lookups are independent and run concurrently.
func FindThread(ctx context.Context, s Store, m *Message, projects []string) (Thread, error) {
	c, err := lookupCandidates(ctx, s, m, projects)
	if err != nil {
		return Thread{}, err
	}
	sender := m.SenderAddress()
	for _, t := range c.bySubject {
		if t.Reporter == sender || slices.Contains(t.Participants, sender) {
			return Thread{Ticket: t, Known: true, Via: "subject key"}, nil
		}
	}
	if len(c.byRef) > 0 {
		return Thread{Ticket: c.byRef[0], Known: true, Via: "references"}, nil
	}
	if c.byConv != nil {
		return Thread{Ticket: *c.byConv, Known: true, Via: "conversation"}, nil
	}
	return Thread{}, nil
}

func lookupCandidates(ctx context.Context, s Store, m *Message, projects []string) (candidates, error) {
	keys := ourKeys(SubjectKeys(m.Subject), projects)
	refs := m.References()
	if len(refs) > maxReferences {
		refs = refs[:maxReferences]
	}
	subj := make([]*Ticket, len(keys))
	byRef := make([]*Ticket, len(refs))
	var conv *Ticket
	errc := make([]error, len(keys)+len(refs)+1)
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() { subj[i], errc[i] = found(s.TicketByKey(ctx, k)) })
	}
	for i, id := range refs {
		wg.Go(func() { byRef[i], errc[len(keys)+i] = ticketOfMessage(ctx, s, id) })
	}
	if m.ConversationID != "" {
		wg.Go(func() { conv, errc[len(errc)-1] = found(s.Ticket(ctx, m.Mailbox, m.ConversationID)) })
	}
	wg.Wait()
	if err := errors.Join(errc...); err != nil {
		return candidates{}, fmt.Errorf("find thread: %w", err)
	}
	return candidates{bySubject: deref(subj), byRef: deref(byRef), byConv: conv}, nil
}

// ourKeys keeps the keys of projects (all when projects is empty), at most maxSubjectKeys.
func ourKeys(keys, projects []string) []string {
	var out []string
	for _, k := range keys {
		project, _, _ := strings.Cut(k, "-")
		if (len(projects) == 0 || containsFold(projects, project)) && len(out) < maxSubjectKeys {
			out = append(out, k)
		}
	}
	return out
}

// ticketOfMessage finds the ticket of a message the ledger recorded with one.
func ticketOfMessage(ctx context.Context, s Store, id string) (*Ticket, error) {
	e, err := s.MailByMessageID(ctx, id)
	if errors.Is(err, errs.ErrNotFound) || (err == nil && e.TicketKey == "") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return found(s.TicketByKey(ctx, e.TicketKey))
}

// found turns a lookup into a pointer, nil for errs.ErrNotFound.
func found(t Ticket, err error) (*Ticket, error) {
	if errors.Is(err, errs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func deref(ts []*Ticket) []Ticket {
	var out []Ticket
	for _, t := range ts {
		if t != nil {
			out = append(out, *t)
		}
	}
	return out
}
