package mail

import (
	"context"
	"io"
	"time"

	"github.com/mail2jira/mail2jira/internal/adf"
)

// Graph is what the processor needs from Microsoft Graph, for one mailbox at a time. Ids
// are immutable ids. Errors wrap internal/errs sentinels (ErrNotFound, ErrThrottled,
// ErrUnavailable, ...).
type Graph interface {
	// Message fetches a message with its headers, uniqueBody, message class and
	// attachment metadata (no attachment content); an eventMessage sets IsEventMessage.
	Message(ctx context.Context, mailbox, id string) (*Message, error)
	// AttachmentContent streams an attachment's raw bytes (/$value); for an item
	// attachment that is the attached item's MIME.
	AttachmentContent(ctx context.Context, mailbox, messageID, attachmentID string) (io.ReadCloser, error)
	// MessageMIME streams the whole message as MIME (/$value), for the .eml copy.
	MessageMIME(ctx context.Context, mailbox, id string) (io.ReadCloser, error)
	// CreateReplyAll makes a reply-all draft to messageID (createReplyAll) shaped by r
	// and returns its ids; nothing is sent yet.
	CreateReplyAll(ctx context.Context, mailbox, messageID string, r Reply) (Draft, error)
	// Draft reads a draft's state; IsDraft turns false once it was sent.
	Draft(ctx context.Context, mailbox, id string) (Draft, error)
	// Send sends a draft.
	Send(ctx context.Context, mailbox, draftID string) error
}

// Reply is how the service shapes its reply-all draft.
type Reply struct {
	Subject string
	HTML    string   // the new text; Graph quotes the original below it
	Headers []Header // custom headers, each starting with "x-"
}

// Draft is a reply draft's ids and state.
type Draft struct {
	ID                string
	InternetMessageID string
	ConversationID    string
	IsDraft           bool
}

// Jira is what the processor needs from Jira Cloud. Errors wrap internal/errs sentinels;
// a deleted issue is errs.ErrNotFound.
type Jira interface {
	// CreateIssue creates an issue. It is not idempotent and must not be retried blindly.
	CreateIssue(ctx context.Context, in NewIssue) (Issue, error)
	// Issue reads an issue with the origin recorded when it was created.
	Issue(ctx context.Context, key string) (Issue, error)
	// SearchLabel finds issues carrying a label (JQL through /rest/api/3/search/jql). Like
	// Jira's index it is eventually consistent: a just-created issue may be missing.
	SearchLabel(ctx context.Context, label string) ([]Issue, error)
	// AddComment adds a comment recording c.Origin (a comment property) with it.
	AddComment(ctx context.Context, key string, c NewComment) (string, error)
	// CommentByOrigin returns the id of the comment recorded with origin, or
	// errs.ErrNotFound; it reads the issue's comments, not the search index.
	CommentByOrigin(ctx context.Context, key, origin string) (string, error)
	// Attachments lists the issue's attachments.
	Attachments(ctx context.Context, key string) ([]JiraAttachment, error)
	// AddAttachment uploads one file, streaming r.
	AddAttachment(ctx context.Context, key, filename, contentType string, r io.Reader) (JiraAttachment, error)
	// AddWatcher adds a watcher; errs.ErrForbidden without "Manage watchers".
	AddWatcher(ctx context.Context, key, accountID string) error
	// UserByEmail finds the Jira account of an address, or errs.ErrNotFound (none, or
	// hidden by privacy settings).
	UserByEmail(ctx context.Context, email string) (User, error)
	// CanSetReporter reports whether the service's account has "Modify reporter" in project.
	CanSetReporter(ctx context.Context, projectKey string) (bool, error)
}

// NewIssue is an issue to create.
type NewIssue struct {
	ProjectKey  string
	IssueType   string
	Summary     string
	Description *adf.Doc
	Reporter    string // account id; empty leaves Jira's default
	Priority    string // priority name; empty leaves Jira's default
	Labels      []string
	Origin      string // the mail's key (Message.Key), stored as an issue property
}

// Issue is an existing issue as far as the processor cares.
type Issue struct {
	Key    string
	Origin string // Message.Key of the mail that created it, when the service did
	Labels []string
}

// NewComment is a comment to add.
type NewComment struct {
	Body   *adf.Doc
	Origin string // the mail's key, so a retry can find the comment
}

// JiraAttachment is an attachment on an issue.
type JiraAttachment struct {
	ID         string
	Filename   string
	Size       int64
	MimeType   string
	ContentURL string
}

// User is a Jira account.
type User struct {
	AccountID   string
	DisplayName string
	Email       string
}

// Store is what the processor needs from the service's state (internal/store through a thin
// adapter). Claims are leased: a holder that died is overtaken when its lease ends, and
// the taker's Claim.Recover is true.
type Store interface {
	// BeginMail claims a mail. A nil claim means there is nothing to do (the entry says
	// why: an outcome exists, or another mailbox's copy was processed). While another
	// worker holds it, it fails with an error wrapping errs.ErrConflict.
	BeginMail(ctx context.Context, ref MailRef) (Entry, Claim, error)
	// FinishMail records the outcome of a claimed mail and ends the claim.
	FinishMail(ctx context.Context, c Claim, r Result) error
	// RecordMail records an outcome without a claim (a mail that could not be fetched).
	RecordMail(ctx context.Context, ref MailRef, r Result) error
	// MailByMessageID returns the processed copy's entry for an internetMessageId, or
	// errs.ErrNotFound.
	MailByMessageID(ctx context.Context, internetMessageID string) (Entry, error)
	// Ticket returns a thread's ticket, or errs.ErrNotFound.
	Ticket(ctx context.Context, mailbox, conversationID string) (Ticket, error)
	// TicketByKey returns the ticket of an issue key, or errs.ErrNotFound.
	TicketByKey(ctx context.Context, key string) (Ticket, error)
	// ClaimConversation claims a thread before creating its issue; a nil claim comes with
	// the thread's existing ticket. errs.ErrConflict while another worker holds it.
	ClaimConversation(ctx context.Context, mailbox, conversationID string) (Ticket, Claim, error)
	// CompleteTicket records the issue created under the claim.
	CompleteTicket(ctx context.Context, c Claim, t Ticket) (Ticket, error)
	// ForgetTicket drops a thread's mapping (its issue was deleted in Jira).
	ForgetTicket(ctx context.Context, t Ticket) error
	// ModifyTicket applies fn to a thread's ticket under optimistic concurrency.
	ModifyTicket(ctx context.Context, mailbox, conversationID string, fn func(*Ticket) error) (Ticket, error)
	// RecordSent records mail the service is about to send on a ticket's thread, as own
	// mail in the ledger and in the ticket's sent ids.
	RecordSent(ctx context.Context, t Ticket, sent MailRef) (Ticket, error)
	// TicketsOpenedSince counts the tickets a sender opened since a time.
	TicketsOpenedSince(ctx context.Context, sender string, since time.Time) (int, error)
}

// Claim is a leased, exclusive hold on a mail or a thread.
type Claim interface {
	// Recover reports that an earlier holder may have done part of the work.
	Recover() bool
	// Release gives the claim up after a transient failure.
	Release(ctx context.Context, reason string) error
	// KeepAlive renews the lease until stop is called.
	KeepAlive(ctx context.Context, every time.Duration) (stop func())
}

// State is a mail's outcome in the ledger.
type State string

// Outcomes, as internal/store names them.
const (
	StateCreated   State = "created"
	StateCommented State = "commented"
	StateFiltered  State = "filtered"
	StateOwn       State = "own"
	StateDuplicate State = "duplicate"
	StateFailed    State = "failed"
)

// Result is a mail's outcome with its reason.
type Result struct {
	State     State
	Reason    string
	TicketKey string
}

// MailRef names one copy of a mail for the ledger.
type MailRef struct {
	Mailbox           string
	InternetMessageID string
	GraphID           string
	ConversationID    string
	Sender            string
	Subject           string
	Received          time.Time
}

// Entry is a ledger row.
type Entry struct {
	MailRef
	State     State // also "processing", "retry" or "enqueued" while no outcome exists
	Reason    string
	TicketKey string
}

// Ticket maps a thread (a conversation in one mailbox) to a Jira issue.
type Ticket struct {
	Mailbox               string
	ConversationID        string
	Key                   string
	Reporter              string // lower-case address
	Summary               string
	LastMessageID         string // Graph id of the latest message to reply on
	LastInternetMessageID string
	SentIDs               []string // internetMessageIds the service sent on the thread, oldest first
	Participants          []string // lower-case addresses seen on the thread
	Version               string   // opaque (the row's ETag); ForgetTicket deletes only this version
}

// Ref is a queue message: which mail to process, and how often the queue delivered it.
type Ref struct {
	Mailbox      string `json:"mailbox"`
	Folder       string `json:"folder"`
	MessageID    string `json:"messageId"`
	DequeueCount int    `json:"-"`
	MaxDequeue   int    `json:"-"` // the queue's maxDequeueCount; 0 means unknown
}

// lastAttempt reports whether the queue gives up on the message after this delivery.
func (r Ref) lastAttempt() bool {
	return r.MaxDequeue > 0 && r.DequeueCount >= r.MaxDequeue
}
