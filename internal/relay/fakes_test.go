package relay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// world is a hand-written fake of Jira, Graph and the store, recording the calls that
// have effects in one ordered log.
type world struct {
	mu       sync.Mutex
	issues   map[string]Issue
	comments map[string]Comment // by id
	issueOf  map[string]string  // comment id to issue key
	images   map[string]Image
	tickets  map[string]Ticket
	done     map[string]bool
	held     map[string]bool
	markers  map[string]Marker
	drafts   map[string]mail.Draft
	jiraErr  error
	recover  bool
	log      []string
	newMails []NewMail
	sent     []mail.MailRef // Sent Items
	replies  []mail.Reply
	files    [][]File
}

const selfID = "svc-account"

func newWorld() *world {
	return &world{
		issues: map[string]Issue{
			"SUP-1": {Key: "SUP-1", Summary: "Printer", Labels: []string{"Mail2Jira"}, ProjectKey: "SUP"},
			"SUP-2": {Key: "SUP-2", Summary: "API ticket", Labels: []string{"mail2jira"}, ProjectKey: "SUP"},
			"OPS-1": {Key: "OPS-1", Summary: "Not ours", Labels: []string{"ops"}, ProjectKey: "OPS"},
		},
		comments: map[string]Comment{}, issueOf: map[string]string{},
		images: map[string]Image{},
		tickets: map[string]Ticket{
			"SUP-1": {Mailbox: "support@contoso.example", ConversationID: "conv-1", Key: "SUP-1", Reporter: "alice@contoso.example", Summary: "Printer", LastMessageID: "msg-1"},
			"SUP-2": {ConversationID: "api:1", Key: "SUP-2", Reporter: "bob@fabrikam.example", Summary: "API ticket"},
			"OPS-1": {Mailbox: "support@contoso.example", ConversationID: "conv-9", Key: "OPS-1", Reporter: "x@y.example", LastMessageID: "msg-9"},
		},
		done: map[string]bool{}, held: map[string]bool{}, markers: map[string]Marker{}, drafts: map[string]mail.Draft{},
	}
}

// add puts a comment on an issue.
func (w *world) add(key string, c Comment) {
	w.comments[c.ID] = c
	w.issueOf[c.ID] = key
}

func (w *world) record(format string, a ...any) {
	w.log = append(w.log, fmt.Sprintf(format, a...))
}

// Jira

func (w *world) Issue(_ context.Context, key string) (Issue, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.jiraErr != nil {
		return Issue{}, w.jiraErr
	}
	is, ok := w.issues[key]
	if !ok {
		return Issue{}, errs.ErrNotFound
	}
	return is, nil
}

func (w *world) Comment(_ context.Context, _, id string) (Comment, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.comments[id]
	if !ok {
		return Comment{}, errs.ErrNotFound
	}
	return c, nil
}

func (w *world) Comments(_ context.Context, key string) ([]Comment, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []Comment
	for _, c := range w.comments {
		if w.issueOf[c.ID] == key {
			out = append(out, c)
		}
	}
	return out, nil
}

func (w *world) UpdatedSince(_ context.Context, labels []string, _ time.Time) ([]string, error) {
	return []string{"SUP-1"}, nil
}

func (w *world) Image(_ context.Context, id string, max int64) (Image, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	img, ok := w.images[id]
	if !ok {
		return Image{}, errs.ErrNotFound
	}
	if int64(len(img.Data)) > max {
		return Image{}, errs.ErrTooLarge
	}
	return img, nil
}

func (w *world) MyAccountID(context.Context) (string, error) { return selfID, nil }

// Mailer

func (w *world) CreateReplyAll(_ context.Context, mailbox, messageID string, r mail.Reply, files []File) (mail.Draft, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := mail.Draft{ID: fmt.Sprintf("draft-%d", len(w.drafts)+1), InternetMessageID: fmt.Sprintf("<d%d@x>", len(w.drafts)+1), ConversationID: "conv-1", IsDraft: true}
	w.drafts[d.ID] = d
	w.replies = append(w.replies, r)
	w.files = append(w.files, files)
	w.record("draft %s on %s/%s", d.ID, mailbox, messageID)
	return d, nil
}

func (w *world) Draft(_ context.Context, _, id string) (mail.Draft, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	d, ok := w.drafts[id]
	if !ok {
		return mail.Draft{}, errs.ErrNotFound
	}
	return d, nil
}

func (w *world) Send(_ context.Context, mailbox, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	d := w.drafts[id]
	d.IsDraft = false
	w.drafts[id] = d
	w.record("send %s from %s", id, mailbox)
	return nil
}

func (w *world) SendMail(_ context.Context, mailbox string, m NewMail) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.newMails = append(w.newMails, m)
	w.sent = append(w.sent, mail.MailRef{InternetMessageID: fmt.Sprintf("<n%d@x>", len(w.newMails)), Subject: m.Subject})
	w.record("sendMail from %s to %s", mailbox, m.To[0].Address)
	return nil
}

func (w *world) SentSince(context.Context, string, time.Time) ([]mail.MailRef, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]mail.MailRef{{InternetMessageID: "<other@x>", Subject: "something else"}}, w.sent...), nil
}

// Store

func (w *world) ClaimDelivery(_ context.Context, key string) (Claim, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.done[key]:
		return nil, nil
	case w.held[key]:
		return nil, fmt.Errorf("held: %w", errs.ErrConflict)
	}
	w.held[key] = true
	w.record("claim %s", key)
	return &fakeClaim{w: w, key: key}, nil
}

func (w *world) TicketByKey(_ context.Context, key string) (Ticket, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.tickets[key]
	if !ok {
		return Ticket{}, errs.ErrNotFound
	}
	return t, nil
}

func (w *world) RecordSent(_ context.Context, key string, sent mail.MailRef) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.record("recordSent %s %s", key, sent.InternetMessageID)
	return nil
}

func (w *world) Marker(_ context.Context, key string) (Marker, bool, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.markers[key]
	return m, ok, nil
}

func (w *world) PutMarker(_ context.Context, key string, m Marker) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.markers[key] = m
	w.record("marker %s", key)
	return nil
}

type fakeClaim struct {
	w   *world
	key string
}

func (c *fakeClaim) Recover() bool { return c.w.recover }

func (c *fakeClaim) Release(context.Context, string) error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	delete(c.w.held, c.key)
	c.w.record("release %s", c.key)
	return nil
}

func (c *fakeClaim) Complete(_ context.Context, note string) error {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	delete(c.w.held, c.key)
	c.w.done[c.key] = true
	c.w.record("complete %s", c.key)
	return nil
}

func (c *fakeClaim) KeepAlive(context.Context, time.Duration) func() { return func() {} }
