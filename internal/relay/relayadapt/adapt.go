// Package relayadapt implements the relay's ports over the service's adapters
// (internal/jira, internal/graph, internal/store), so package relay itself imports no SDK.
package relayadapt

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/relay"
	"github.com/mail2jira/mail2jira/internal/store"
)

// New builds the service's Relayer from its configuration and adapters. boards are the
// resolved boards by board key, so API tickets' reporters hear from the mailbox routed to
// the ticket's project.
func New(cfg *config.Config, jc *jira.Client, gc *graph.Client, st *store.Store, boards map[string]jira.Board, log *slog.Logger) (*relay.Relayer, error) {
	o := relay.Options{
		Jira: Jira{C: jc}, Mailer: Mailer{C: gc}, Store: Store{S: st},
		Labels: cfg.Labels, Events: cfg.RelayEvents, SiteURL: cfg.JiraURL,
		Mailboxes: map[string]string{}, Log: log,
	}
	if len(cfg.Mailboxes) > 0 {
		o.DefaultMailbox = cfg.Mailboxes[0]
	}
	for _, mb := range cfg.Mailboxes {
		r, ok := cfg.Routes[strings.ToLower(mb)]
		if b, found := boards[r.Board]; ok && found && o.Mailboxes[b.Project.Key] == "" {
			o.Mailboxes[b.Project.Key] = mb
		}
	}
	o.Link = func(key string) string { return jc.BrowseURL(key) }
	if app := strings.TrimRight(cfg.TicketClientApp, "/"); app != "" {
		o.Link = func(key string) string { return app + "/" + key }
	}
	return relay.New(o)
}

// Jira implements relay.Jira over *jira.Client.
type Jira struct{ C *jira.Client }

// Issue implements relay.Jira.
func (j Jira) Issue(ctx context.Context, key string) (relay.Issue, error) {
	is, err := j.C.GetIssue(ctx, key, jira.IssueOptions{Fields: []string{"summary", "labels", "project"}})
	if err != nil {
		return relay.Issue{}, err
	}
	return relay.Issue{Key: is.Key, Summary: is.Summary, Labels: is.Labels, ProjectKey: is.Project.Key}, nil
}

var commentOpts = jira.CommentOptions{Rendered: true, Properties: true}

// Comment implements relay.Jira.
func (j Jira) Comment(ctx context.Context, key, id string) (relay.Comment, error) {
	c, err := j.C.Comment(ctx, key, id, commentOpts)
	if err != nil {
		return relay.Comment{}, err
	}
	return comment(c), nil
}

// Comments implements relay.Jira.
func (j Jira) Comments(ctx context.Context, key string) ([]relay.Comment, error) {
	cs, err := j.C.Comments(ctx, key, commentOpts)
	if err != nil {
		return nil, err
	}
	out := make([]relay.Comment, 0, len(cs))
	for _, c := range cs {
		out = append(out, comment(c))
	}
	return out, nil
}

func comment(c jira.Comment) relay.Comment {
	out := relay.Comment{ID: c.ID, HTML: c.RenderedBody, Restricted: c.Visibility != nil && c.Visibility.Value != "",
		Internal: !c.JSDPublic, Created: c.Created}
	if c.Author != nil {
		out.AuthorID, out.AuthorName = c.Author.AccountID, c.Author.DisplayName
	}
	_, out.FromMail = c.Properties[jira.OriginProperty]
	return out
}

// UpdatedSince implements relay.Jira with one JQL search (labels and updated, every page).
func (j Jira) UpdatedSince(ctx context.Context, labels []string, since time.Time) ([]string, error) {
	if len(labels) == 0 {
		return nil, nil
	}
	minutes := int(time.Since(since).Minutes()) + 1
	jql := jira.NewQuery().Labels(labels...).String() + fmt.Sprintf(` AND updated >= "-%dm"`, minutes)
	var keys []string
	err := j.C.SearchAll(ctx, jql, jira.IssueOptions{Fields: []string{"summary"}}, func(is jira.Issue) error {
		keys = append(keys, is.Key)
		return nil
	})
	return keys, err
}

// Image implements relay.Jira, reading at most max bytes.
func (j Jira) Image(ctx context.Context, id string, max int64) (relay.Image, error) {
	d, err := j.C.OpenAttachment(ctx, id)
	if err != nil {
		return relay.Image{}, err
	}
	defer d.Body.Close()
	if d.Size > max {
		return relay.Image{}, fmt.Errorf("attachment %s: %d bytes: %w", id, d.Size, errs.ErrTooLarge)
	}
	b, err := io.ReadAll(io.LimitReader(d.Body, max+1))
	if err != nil {
		return relay.Image{}, fmt.Errorf("read attachment %s: %w: %w", id, errs.ErrUnavailable, err)
	}
	if int64(len(b)) > max {
		return relay.Image{}, fmt.Errorf("attachment %s: over %d bytes: %w", id, max, errs.ErrTooLarge)
	}
	return relay.Image{ContentType: d.ContentType, Data: b}, nil
}

// MyAccountID implements relay.Jira.
func (j Jira) MyAccountID(ctx context.Context) (string, error) {
	u, err := j.C.Myself(ctx)
	return u.AccountID, err
}

// Mailer implements relay.Mailer over *graph.Client.
type Mailer struct{ C *graph.Client }

func files(fs []relay.File) []graph.File {
	out := make([]graph.File, 0, len(fs))
	for _, f := range fs {
		out = append(out, graph.File{Name: f.Name, ContentType: f.ContentType, ContentID: f.ContentID, Inline: true, Data: f.Data})
	}
	return out
}

// CreateReplyAll implements relay.Mailer.
func (m Mailer) CreateReplyAll(ctx context.Context, mailbox, messageID string, r mail.Reply, fs []relay.File) (mail.Draft, error) {
	return m.C.CreateReplyAllWith(ctx, mailbox, messageID, r, files(fs))
}

// Draft implements relay.Mailer.
func (m Mailer) Draft(ctx context.Context, mailbox, id string) (mail.Draft, error) {
	return m.C.Draft(ctx, mailbox, id)
}

// Send implements relay.Mailer.
func (m Mailer) Send(ctx context.Context, mailbox, id string) error {
	return m.C.Send(ctx, mailbox, id)
}

// SendMail implements relay.Mailer.
func (m Mailer) SendMail(ctx context.Context, mailbox string, nm relay.NewMail) error {
	return m.C.SendMail(ctx, mailbox, graph.NewMail{Subject: nm.Subject, HTML: nm.HTML, To: nm.To, Headers: nm.Headers, Attachments: files(nm.Files)})
}

// Store implements relay.Store over *store.Store.
type Store struct{ S *store.Store }

// deliveryLease is short: a relay takes seconds, and Pending should take over a dead
// worker's comment soon.
const deliveryLease = 5 * time.Minute

// markerTTL outlives Jira's retries and Pending's window.
const markerTTL = 7 * 24 * time.Hour

// ClaimDelivery implements relay.Store.
func (s Store) ClaimDelivery(ctx context.Context, key string) (relay.Claim, error) {
	c, err := s.S.ClaimDelivery(ctx, key, deliveryLease)
	if err != nil || c == nil {
		return nil, err
	}
	return claim{s: s.S, c: c}, nil
}

type claim struct {
	s *store.Store
	c *store.Claim
}

func (c claim) Recover() bool                                 { return c.c.Recover() }
func (c claim) Release(ctx context.Context, why string) error { return c.c.Release(ctx, why) }
func (c claim) Complete(ctx context.Context, note string) error {
	return c.s.CompleteDelivery(ctx, c.c, note)
}
func (c claim) KeepAlive(ctx context.Context, every time.Duration) func() {
	return c.c.KeepAlive(ctx, every)
}

// TicketByKey implements relay.Store.
func (s Store) TicketByKey(ctx context.Context, key string) (relay.Ticket, error) {
	t, err := s.S.TicketByKey(ctx, key)
	if err != nil {
		return relay.Ticket{}, err
	}
	return relay.Ticket{Mailbox: t.Mailbox, ConversationID: t.ConversationID, Key: t.Key, Reporter: t.Reporter,
		Summary: t.Summary, LastMessageID: t.LastMessageID}, nil
}

// RecordSent implements relay.Store.
func (s Store) RecordSent(ctx context.Context, key string, sent mail.MailRef) error {
	t, err := s.S.TicketByKey(ctx, key)
	if err != nil {
		return err
	}
	_, err = s.S.RecordSent(ctx, t, store.MailRef(sent))
	return err
}

const markerKind = "relay-marker"

// Marker implements relay.Store.
func (s Store) Marker(ctx context.Context, key string) (relay.Marker, bool, error) {
	var m relay.Marker
	ok, err := s.S.GetCached(ctx, markerKind, key, &m)
	return m, ok, err
}

// PutMarker implements relay.Store.
func (s Store) PutMarker(ctx context.Context, key string, m relay.Marker) error {
	return s.S.PutCached(ctx, markerKind, key, m, markerTTL)
}

// SentSince implements relay.Mailer over the folder listing (every page).
func (m Mailer) SentSince(ctx context.Context, mailbox string, since time.Time) ([]mail.MailRef, error) {
	p, err := m.C.MessagesSince(ctx, mailbox, "sentitems", since, 0)
	var out []mail.MailRef
	for err == nil {
		for _, dm := range p.Messages {
			out = append(out, mail.MailRef{Mailbox: mailbox, InternetMessageID: dm.InternetMessageID, GraphID: dm.ID,
				ConversationID: dm.ConversationID, Sender: dm.From, Subject: dm.Subject, Received: dm.Received})
		}
		if p.NextLink == "" {
			return out, nil
		}
		p, err = m.C.MessagesNext(ctx, mailbox, p.NextLink)
	}
	return nil, err
}
