package ingest

import (
	"context"
	"errors"
	"time"

	"github.com/mail2jira/mail2jira/internal/store"
)

// Subscriptions is what the renewal needs from Graph's subscription API. Errors wrap
// internal/errs sentinels: a subscription Graph no longer knows is errs.ErrNotFound, a
// duplicate Graph refuses is errs.ErrConflict.
type Subscriptions interface {
	// CreateSubscription creates a subscription; Graph runs the validation handshake
	// against both URLs before it answers.
	CreateSubscription(ctx context.Context, s NewSubscription) (GraphSubscription, error)
	// RenewSubscription moves a subscription's expiry (PATCH expirationDateTime).
	RenewSubscription(ctx context.Context, id string, expires time.Time) (GraphSubscription, error)
	// DeleteSubscription deletes a subscription.
	DeleteSubscription(ctx context.Context, id string) error
	// ListSubscriptions lists every subscription the application owns, all pages.
	ListSubscriptions(ctx context.Context) ([]GraphSubscription, error)
}

// NewSubscription is a subscription to create.
type NewSubscription struct {
	Resource        string // e.g. users/{mailbox}/mailFolders('inbox')/messages
	ChangeType      string // "created"
	NotificationURL string
	LifecycleURL    string
	ClientState     string // secret, at most 128 characters
	Expires         time.Time
}

// GraphSubscription is a subscription as Graph reports it.
type GraphSubscription struct {
	ID              string
	Resource        string
	ChangeType      string
	NotificationURL string
	LifecycleURL    string
	Expires         time.Time
}

// Delta is what the sweep needs from Graph: one page of a folder's message delta at a time.
// Ids are immutable ids. An expired delta or next link fails with an error wrapping
// ErrDeltaExpired (Graph answers 410 Gone); other errors wrap internal/errs sentinels.
type Delta interface {
	MessageDelta(ctx context.Context, r DeltaRequest) (DeltaPage, error)
}

// ErrDeltaExpired says a delta or next link is no longer valid: start over from a window.
// https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset
var ErrDeltaExpired = errors.New("delta link expired")

// DeltaRequest asks for one page of a folder's message delta. With Link empty a new round
// starts: GET users/{Mailbox}/mailFolders/{Folder}/messages/delta with changeType=created,
// $filter=receivedDateTime ge Since and a $select of the DeltaMessage fields; otherwise Link
// (a nextLink or deltaLink from an earlier page) is followed as it is.
type DeltaRequest struct {
	Mailbox  string
	Folder   string
	Link     string
	Since    time.Time
	PageSize int // Prefer: odata.maxpagesize; the adapter's default when zero
}

// DeltaPage is one page: messages, and either the next page's link or, at the end of the
// round, the delta link for the next round.
type DeltaPage struct {
	Messages  []DeltaMessage
	NextLink  string
	DeltaLink string
}

// DeltaMessage is what the sweep needs of a message (and the ledger keeps for the log).
type DeltaMessage struct {
	ID                string // immutable id
	InternetMessageID string
	ConversationID    string
	Subject           string
	From              string // sender address
	Received          time.Time
	Removed           bool // an @removed entry: the message left the folder
}

// Store is the part of internal/store that ingestion uses; *store.Store implements it.
type Store interface {
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	PutSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error)
	DeleteSubscription(ctx context.Context, sub store.Subscription) error
	AcquireLease(ctx context.Context, name string, d time.Duration) (*store.Claim, error)
	Cursor(ctx context.Context, name, mailbox, folder string) (store.Cursor, error)
	PutCursor(ctx context.Context, c store.Cursor) (store.Cursor, error)
	DeleteCursor(ctx context.Context, name, mailbox, folder string) error
	MarkEnqueued(ctx context.Context, ref store.MailRef, o store.EnqueueOptions) (bool, error)
	Mail(ctx context.Context, ref store.MailRef) (store.Entry, error)
	MailLog(ctx context.Context, q store.LogQuery) ([]store.Entry, error)
	Purge(ctx context.Context, retention time.Duration) (store.Purged, error)
}

var _ Store = (*store.Store)(nil)
