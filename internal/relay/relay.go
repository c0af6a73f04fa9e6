package relay

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Options configures a Relayer.
type Options struct {
	Jira   Jira
	Mailer Mailer
	Store  Store
	// Labels mark the tickets the service owns (JIRA_TICKET_LABELS).
	Labels []string
	// Events are the webhook events relayed (JIRA_RELAY_EVENTS); comment_created when empty.
	Events []string
	// SiteURL is the Jira site, for links in the comment.
	SiteURL string
	// Link returns the link a requester follows for a ticket; nil leaves it out.
	Link func(key string) string
	// Mailboxes maps a project key to the mailbox that writes to API tickets' reporters;
	// DefaultMailbox serves the other projects.
	Mailboxes      map[string]string
	DefaultMailbox string
	// Template renders the mail (fields of TemplateData); DefaultTemplate when nil.
	Template *template.Template
	// MaxImageBytes bounds the inline images of one mail; 3 MiB when zero (Graph takes
	// at most 4 MB of JSON per request, base64 included).
	MaxImageBytes int64
	// Lease is how long a delivery stays claimed without renewal; 5 minutes when zero.
	Lease time.Duration
	// Window is how far back Pending looks for comments; 6 hours when zero.
	Window time.Duration
	Log    *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
}

// Relayer relays Jira comments by mail. It is safe for concurrent use.
type Relayer struct {
	o      Options
	mu     sync.Mutex
	selfID string
}

// New returns a Relayer; Jira, Mailer and Store are required.
func New(o Options) (*Relayer, error) {
	if o.Jira == nil || o.Mailer == nil || o.Store == nil {
		return nil, errors.New("relay: Jira, Mailer and Store are required")
	}
	if len(o.Events) == 0 {
		o.Events = []string{EventCommentCreated}
	}
	if o.Template == nil {
		o.Template = DefaultTemplate
	}
	if o.MaxImageBytes == 0 {
		o.MaxImageBytes = 3 << 20
	}
	if o.Window == 0 {
		o.Window = 6 * time.Hour
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Relayer{o: o}, nil
}

// EventCommentCreated is the webhook event of a new comment.
const EventCommentCreated = "comment_created"

// Result says what became of a delivery.
type Result string

// Results.
const (
	Relayed Result = "relayed" // the mail went out
	Skipped Result = "skipped" // nothing to relay, see the reason
	Repeat  Result = "repeat"  // relayed (or skipped) before
)

// Outcome is a delivery's result with the reason an operator reads.
type Outcome struct {
	Result Result `json:"result"`
	Reason string `json:"reason"`
}

// errBusy wraps errs.ErrConflict: another worker holds the delivery.
var errBusy = errors.New("another worker is relaying this comment")

// Deliver relays one delivery exactly once. A returned error is transient (the caller
// answers so that Jira retries, and Pending is the safety net) or errs.ErrConflict while
// another worker holds the same comment.
func (r *Relayer) Deliver(ctx context.Context, d Delivery) (out Outcome, err error) {
	log := r.o.Log.With("event", d.Event, "issue", d.IssueKey, "comment", d.CommentID, "delivery", d.Identifier)
	defer func() {
		if err != nil {
			log.WarnContext(ctx, "relay failed", "err", err)
			return
		}
		log.InfoContext(ctx, "relay", "result", out.Result, "reason", out.Reason)
	}()
	if !slices.Contains(r.o.Events, d.Event) {
		return Outcome{Skipped, "event " + d.Event + " is not relayed (JIRA_RELAY_EVENTS)"}, nil
	}
	if d.CommentID == "" || d.IssueKey == "" {
		return Outcome{Skipped, "the event names no comment on an issue"}, nil
	}
	claim, err := r.o.Store.ClaimDelivery(ctx, d.Key())
	switch {
	case errors.Is(err, errs.ErrConflict):
		return Outcome{}, fmt.Errorf("%w: %w", errBusy, err)
	case err != nil:
		return Outcome{}, fmt.Errorf("claim delivery %s: %w", d.Key(), err)
	case claim == nil:
		return Outcome{Repeat, "this comment was handled before"}, nil
	}
	stop := claim.KeepAlive(ctx, 0)
	defer stop()
	out, err = r.relay(ctx, d, claim.Recover())
	if err != nil {
		if rerr := claim.Release(context.WithoutCancel(ctx), trim(err.Error())); rerr != nil {
			log.WarnContext(ctx, "release delivery claim", "err", rerr)
		}
		return Outcome{}, err
	}
	if err := claim.Complete(context.WithoutCancel(ctx), trim(string(out.Result)+": "+out.Reason)); err != nil {
		return out, fmt.Errorf("complete delivery %s: %w", d.Key(), err)
	}
	return out, nil
}

// relay decides and sends. Permanent reasons not to relay are outcomes, not errors.
func (r *Relayer) relay(ctx context.Context, d Delivery, recovering bool) (Outcome, error) {
	is, err := r.o.Jira.Issue(ctx, d.IssueKey)
	if errors.Is(err, errs.ErrNotFound) {
		return Outcome{Skipped, "the issue is gone or not visible to the service"}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("read issue %s: %w", d.IssueKey, err)
	}
	if !r.owned(is) {
		return Outcome{Skipped, "the issue carries none of the service's labels"}, nil
	}
	c, err := r.o.Jira.Comment(ctx, is.Key, d.CommentID)
	if errors.Is(err, errs.ErrNotFound) {
		return Outcome{Skipped, "the comment is gone"}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("read comment %s: %w", d.CommentID, err)
	}
	if why, err := r.private(ctx, c); why != "" || err != nil {
		return Outcome{Skipped, why}, err
	}
	t, err := r.o.Store.TicketByKey(ctx, is.Key)
	if errors.Is(err, errs.ErrNotFound) {
		return Outcome{Skipped, "the service has no mail thread or reporter for this issue"}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("find thread of %s: %w", is.Key, err)
	}
	return r.send(ctx, d.Key(), is, c, t, recovering)
}

// owned reports whether the issue carries one of the service's labels.
func (r *Relayer) owned(is Issue) bool {
	for _, l := range is.Labels {
		if slices.ContainsFunc(r.o.Labels, func(o string) bool { return strings.EqualFold(o, l) }) {
			return true
		}
	}
	return false
}

// private says why a comment must not reach the requester, or "" when it may.
func (r *Relayer) private(ctx context.Context, c Comment) (string, error) {
	switch {
	case c.Internal:
		return "an internal comment (Jira Service Management)", nil
	case c.Restricted:
		return "the comment's visibility is restricted", nil
	case c.FromMail:
		return "the comment came from mail", nil
	}
	self, err := r.myself(ctx)
	if err != nil {
		return "", err
	}
	if c.AuthorID != "" && c.AuthorID == self {
		return "written by the service's own account", nil
	}
	return "", nil
}

// myself caches the service's account id; a failure is retried on the next call.
func (r *Relayer) myself(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.selfID != "" {
		return r.selfID, nil
	}
	id, err := r.o.Jira.MyAccountID(ctx)
	if err != nil {
		return "", fmt.Errorf("read the service's Jira account: %w", err)
	}
	r.selfID = id
	return id, nil
}

// trim keeps operator notes short.
func trim(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}
