package relay

import (
	"context"
	"time"

	"github.com/mail2jira/mail2jira/internal/mail"
)

// Jira is what the relay reads from Jira Cloud. Errors wrap internal/errs sentinels; a
// deleted issue or comment is errs.ErrNotFound.
type Jira interface {
	// Issue reads an issue's key, summary, labels and project.
	Issue(ctx context.Context, key string) (Issue, error)
	// Comment reads one comment with its rendered HTML, visibility and properties.
	Comment(ctx context.Context, key, id string) (Comment, error)
	// Comments lists an issue's comments the same way, oldest first.
	Comments(ctx context.Context, key string) ([]Comment, error)
	// UpdatedSince lists the keys of issues carrying any of labels updated at or after since.
	UpdatedSince(ctx context.Context, labels []string, since time.Time) ([]string, error)
	// Image reads an attachment's content, at most max bytes (errs.ErrTooLarge beyond).
	Image(ctx context.Context, attachmentID string, max int64) (Image, error)
	// MyAccountID is the service's own Jira account.
	MyAccountID(ctx context.Context) (string, error)
}

// Issue is a Jira issue as far as relaying goes.
type Issue struct {
	Key        string
	Summary    string
	Labels     []string
	ProjectKey string
}

// Comment is a Jira comment as far as relaying goes.
type Comment struct {
	ID         string
	AuthorID   string
	AuthorName string
	HTML       string // renderedBody
	Restricted bool   // visibility limited to a group or role
	Internal   bool   // a Jira Service Management internal comment (sd.public.comment)
	FromMail   bool   // the service added it from a mail (it carries the origin property)
	Created    time.Time
}

// Image is an attachment's content.
type Image struct {
	ContentType string
	Data        []byte
}

// File is an inline image of the relayed mail, shown by cid.
type File struct {
	Name        string
	ContentType string
	ContentID   string
	Data        []byte
}

// NewMail is a new message (not a reply) for tickets without a mail thread.
type NewMail struct {
	Subject string
	HTML    string
	To      []mail.Address
	Headers []mail.Header
	Files   []File
}

// Mailer is what the relay needs from Microsoft Graph.
type Mailer interface {
	// CreateReplyAll makes a reply-all draft to messageID with inline files; nothing is sent.
	CreateReplyAll(ctx context.Context, mailbox, messageID string, r mail.Reply, files []File) (mail.Draft, error)
	// Draft reads a draft's state; IsDraft turns false once it was sent.
	Draft(ctx context.Context, mailbox, id string) (mail.Draft, error)
	// Send sends a draft.
	Send(ctx context.Context, mailbox, draftID string) error
	// SendMail sends a new message and keeps a copy in Sent Items; Graph returns no ids.
	SendMail(ctx context.Context, mailbox string, m NewMail) error
	// SentSince lists the messages in a mailbox's Sent Items sent at or after since.
	SentSince(ctx context.Context, mailbox string, since time.Time) ([]mail.MailRef, error)
}

// Ticket is the mail thread of a Jira issue, as the store keeps it.
type Ticket struct {
	Mailbox        string // "" for tickets made through the API
	ConversationID string
	Key            string
	Reporter       string
	Summary        string
	LastMessageID  string // Graph id of the latest message to reply on
}

// Store is what the relay needs from the service's state.
type Store interface {
	// ClaimDelivery claims the relay of one delivery key. A nil claim and nil error mean it
	// was completed before; errs.ErrConflict means another worker holds it now.
	ClaimDelivery(ctx context.Context, key string) (Claim, error)
	// TicketByKey finds the thread of an issue, or errs.ErrNotFound.
	TicketByKey(ctx context.Context, key string) (Ticket, error)
	// RecordSent records mail about to be sent on a ticket (a draft's ids) as our own.
	RecordSent(ctx context.Context, key string, sent mail.MailRef) error
	// Marker reads what an earlier attempt noted for a delivery key; false when none.
	Marker(ctx context.Context, key string) (Marker, bool, error)
	// PutMarker notes progress of a delivery key for a worker that takes over.
	PutMarker(ctx context.Context, key string, m Marker) error
}

// Marker is the progress a relay notes before its one irreversible step (sending).
type Marker struct {
	Mailbox string `json:"mailbox"`
	DraftID string `json:"draftId,omitempty"` // reply-all: the recorded draft
	NewMail bool   `json:"newMail,omitempty"` // new mail: about to call sendMail
	// Since is when Pending first ran (under epochKey): it never relays older comments,
	// which the automation rule this replaces may have mailed already.
	Since time.Time `json:"since,omitzero"`
}

// Claim is a leased hold on one delivery.
type Claim interface {
	// Recover reports that an earlier holder may have done part of the work.
	Recover() bool
	// Release gives the claim up after a transient failure.
	Release(ctx context.Context, reason string) error
	// Complete marks the delivery done, with a note for operators.
	Complete(ctx context.Context, note string) error
	// KeepAlive renews the lease until stop is called.
	KeepAlive(ctx context.Context, every time.Duration) (stop func())
}
