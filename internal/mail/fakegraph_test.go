package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// fakeGraph behaves like Graph for one tenant: messages by immutable id per mailbox,
// attachment content by id, reply drafts that keep their immutable id when sent, and
// "only a draft can be sent".
type fakeGraph struct {
	mu       sync.Mutex
	gate     *gate
	messages map[string]*Message // by mailbox|id
	content  map[string][]byte   // by message id|attachment id
	drafts   map[string]*fakeDraft
	next     int
	sent     []*fakeDraft
	hooks    map[string]func(context.Context) error
	fetches  int
}

type fakeDraft struct {
	Draft
	mailbox string
	replyTo string
	reply   Reply
}

func newFakeGraph() *fakeGraph {
	return &fakeGraph{messages: map[string]*Message{}, content: map[string][]byte{}, drafts: map[string]*fakeDraft{}, hooks: map[string]func(context.Context) error{}}
}

func (g *fakeGraph) hook(ctx context.Context, name string) error {
	if err := g.gate.enter(ctx); err != nil {
		return err
	}
	defer g.gate.exit()
	g.mu.Lock()
	h := g.hooks[name]
	g.mu.Unlock()
	if h != nil {
		return h(ctx)
	}
	return nil
}

func (g *fakeGraph) setHook(name string, h func(context.Context) error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hooks[name] = h
}

// deliver puts a message in a mailbox; content holds attachment bytes by attachment id.
func (g *fakeGraph) deliver(m *Message, content map[string][]byte) Ref {
	g.mu.Lock()
	defer g.mu.Unlock()
	cp := *m
	g.messages[normAddr(m.Mailbox)+"|"+m.ID] = &cp
	for id, b := range content {
		g.content[m.ID+"|"+id] = b
	}
	return Ref{Mailbox: m.Mailbox, Folder: m.Folder, MessageID: m.ID, DequeueCount: 1, MaxDequeue: 5}
}

func (g *fakeGraph) Message(ctx context.Context, mailbox, id string) (*Message, error) {
	if err := g.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer g.gate.exit()
	if err := g.hook(ctx, "Message"); err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fetches++
	m := g.messages[normAddr(mailbox)+"|"+id]
	if m == nil {
		return nil, fmt.Errorf("get message: %w", errs.ErrNotFound)
	}
	cp := *m
	return &cp, nil
}

func (g *fakeGraph) AttachmentContent(ctx context.Context, _, msgID, attID string) (io.ReadCloser, error) {
	if err := g.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer g.gate.exit()
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.content[msgID+"|"+attID]
	if !ok {
		return nil, fmt.Errorf("attachment %s: %w", attID, errs.ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (g *fakeGraph) MessageMIME(ctx context.Context, mailbox, id string) (io.ReadCloser, error) {
	if err := g.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer g.gate.exit()
	g.mu.Lock()
	defer g.mu.Unlock()
	m := g.messages[normAddr(mailbox)+"|"+id]
	if m == nil {
		return nil, fmt.Errorf("message MIME: %w", errs.ErrNotFound)
	}
	mime := "Message-ID: " + m.InternetMessageID + "\r\nSubject: " + m.Subject + "\r\nContent-Type: text/html\r\n\r\n" + m.Body.Content
	return io.NopCloser(strings.NewReader(mime)), nil
}

func (g *fakeGraph) CreateReplyAll(ctx context.Context, mailbox, msgID string, r Reply) (Draft, error) {
	if err := g.gate.enter(ctx); err != nil {
		return Draft{}, err
	}
	defer g.gate.exit()
	g.mu.Lock()
	orig := g.messages[normAddr(mailbox)+"|"+msgID]
	if orig == nil {
		g.mu.Unlock()
		return Draft{}, fmt.Errorf("create reply: %w", errs.ErrNotFound)
	}
	for _, h := range r.Headers {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			g.mu.Unlock()
			return Draft{}, fmt.Errorf("create reply: %w: header %s must start with x-", errs.ErrInvalid, h.Name)
		}
	}
	g.next++
	d := &fakeDraft{
		Draft:   Draft{ID: fmt.Sprintf("draft-%d", g.next), InternetMessageID: fmt.Sprintf("<draft-%d@contoso.com>", g.next), ConversationID: orig.ConversationID, IsDraft: true},
		mailbox: mailbox, replyTo: msgID, reply: r,
	}
	g.drafts[d.ID] = d
	g.mu.Unlock()
	if err := g.hook(ctx, "CreateReplyAll:after"); err != nil {
		return Draft{}, err
	}
	return d.Draft, nil
}

func (g *fakeGraph) Draft(ctx context.Context, _, id string) (Draft, error) {
	if err := g.gate.enter(ctx); err != nil {
		return Draft{}, err
	}
	defer g.gate.exit()
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.drafts[id]
	if d == nil {
		return Draft{}, fmt.Errorf("draft: %w", errs.ErrNotFound)
	}
	return d.Draft, nil
}

func (g *fakeGraph) Send(ctx context.Context, _, id string) error {
	if err := g.gate.enter(ctx); err != nil {
		return err
	}
	defer g.gate.exit()
	if err := g.hook(ctx, "Send"); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.drafts[id]
	switch {
	case d == nil:
		return fmt.Errorf("send: %w", errs.ErrNotFound)
	case !d.IsDraft:
		return fmt.Errorf("send: %w: Only a draft message can be sent.", errs.ErrInvalid)
	}
	d.IsDraft = false
	g.sent = append(g.sent, d)
	return nil
}

// sentCount is how many mails were sent.
func (g *fakeGraph) sentCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

// sentCopy is the copy of a sent reply as it lands in a mailbox (Sent Items, or the inbox
// of a configured mailbox on Cc): our header, the draft's ids, from the sending mailbox.
func (g *fakeGraph) sentCopy(i int, mailbox, folder, id string) *Message {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.sent[i]
	return &Message{
		ID: id, InternetMessageID: d.InternetMessageID, ConversationID: d.ConversationID,
		Subject: d.reply.Subject, From: Address{Address: d.mailbox}, Sender: Address{Address: d.mailbox},
		To: []Address{{Address: "ann@fabrikam.com"}}, Body: Body{ContentType: "html", Content: d.reply.HTML},
		Headers:      append([]Header{{Name: "Message-ID", Value: d.InternetMessageID}}, d.reply.Headers...),
		MessageClass: "IPM.Note", Mailbox: mailbox, Folder: folder,
	}
}
