package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Subscription is the stored state of the Graph subscription for one mailbox folder.
type Subscription struct {
	Mailbox         string
	Folder          string    // "inbox" or "sentitems"
	ID              string    // Graph subscription id
	ClientState     string    // secret Graph echoes in every notification; never log it
	Resource        string    // the subscribed resource path
	NotificationURL string    // where notifications go
	LifecycleURL    string    // where lifecycle events go
	Expires         time.Time // expirationDateTime
	Status          string    // lifecycle: e.g. "active", "reauthorizationRequired", "removed"
	Updated         time.Time
	ETag            string // version read; PutSubscription writes only over it ("" inserts)
}

// Cursor is where a sweep of one mailbox folder stands.
type Cursor struct {
	Name      string // whose cursor: "timer", or one per manual window such as "days-7"
	Mailbox   string
	Folder    string
	DeltaLink string    // Graph deltaLink or nextLink to resume from; "" starts over
	Started   time.Time // when the current walk began
	Updated   time.Time
	ETag      string // version read; PutCursor writes only over it ("" inserts)
}

const (
	subscriptionPK = "subscription" // few rows (mailboxes × 2): one partition, read whole
	cursorPK       = "cursor"
	leasePK        = "lease"
)

func subscriptionRK(mailbox, folder string) string {
	return joinKey("", normAddress(mailbox), strings.ToLower(folder))
}

func cursorRK(name, mailbox, folder string) string {
	return joinKey("", name, normAddress(mailbox), strings.ToLower(folder))
}

// Subscriptions returns every stored subscription (one partition query), e.g. for the
// notification trigger to find a clientState by subscription id.
func (s *Store) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.state.query(ctx, partitionFilter(subscriptionPK), "")
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	out := make([]Subscription, 0, len(rows))
	for _, r := range rows {
		out = append(out, subscriptionFromRow(r))
	}
	return out, nil
}

// Subscription returns the stored subscription of one mailbox folder.
func (s *Store) Subscription(ctx context.Context, mailbox, folder string) (Subscription, error) {
	r, err := s.state.get(ctx, subscriptionPK, subscriptionRK(mailbox, folder))
	if err != nil {
		return Subscription{}, fmt.Errorf("subscription: %w", err)
	}
	return subscriptionFromRow(r), nil
}

// PutSubscription inserts (empty ETag; errs.ErrConflict if present) or replaces (only over
// the version read; errs.ErrPrecondition otherwise) a mailbox folder's subscription.
func (s *Store) PutSubscription(ctx context.Context, sub Subscription) (Subscription, error) {
	sub.Mailbox, sub.Folder, sub.Updated = normAddress(sub.Mailbox), strings.ToLower(sub.Folder), s.now()
	p := props{
		"Mailbox": sub.Mailbox, "Folder": sub.Folder, "ID": sub.ID, "ClientState": sub.ClientState,
		"Resource": sub.Resource, "NotificationURL": sub.NotificationURL, "LifecycleURL": sub.LifecycleURL,
		"Status": sub.Status,
	}
	p.setTime("Expires", sub.Expires)
	p.setTime("Updated", sub.Updated)
	etag, err := s.put(ctx, s.state, row{PK: subscriptionPK, RK: subscriptionRK(sub.Mailbox, sub.Folder), Props: p}, sub.ETag)
	if err != nil {
		return Subscription{}, fmt.Errorf("put subscription: %w", err)
	}
	sub.ETag = etag
	return sub, nil
}

// DeleteSubscription removes a mailbox folder's subscription state (the version read, or
// any version when sub.ETag is empty).
func (s *Store) DeleteSubscription(ctx context.Context, sub Subscription) error {
	err := s.state.delete(ctx, subscriptionPK, subscriptionRK(sub.Mailbox, sub.Folder), azcore.ETag(sub.ETag))
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

func subscriptionFromRow(r row) Subscription {
	p := r.Props
	return Subscription{
		Mailbox: p.str("Mailbox"), Folder: p.str("Folder"), ID: p.str("ID"), ClientState: p.str("ClientState"),
		Resource: p.str("Resource"), NotificationURL: p.str("NotificationURL"), LifecycleURL: p.str("LifecycleURL"),
		Expires: p.time("Expires"), Status: p.str("Status"), Updated: p.time("Updated"), ETag: string(r.ETag),
	}
}

// Cursor returns a sweep cursor; errs.ErrNotFound means the sweep starts from its window.
func (s *Store) Cursor(ctx context.Context, name, mailbox, folder string) (Cursor, error) {
	r, err := s.state.get(ctx, cursorPK, cursorRK(name, mailbox, folder))
	if err != nil {
		return Cursor{}, fmt.Errorf("sweep cursor: %w", err)
	}
	p := r.Props
	return Cursor{
		Name: p.str("Name"), Mailbox: p.str("Mailbox"), Folder: p.str("Folder"), DeltaLink: p.str("DeltaLink"),
		Started: p.time("Started"), Updated: p.time("Updated"), ETag: string(r.ETag),
	}, nil
}

// PutCursor saves a sweep cursor: inserts it (empty ETag) or replaces the version read.
func (s *Store) PutCursor(ctx context.Context, c Cursor) (Cursor, error) {
	c.Mailbox, c.Folder, c.Updated = normAddress(c.Mailbox), strings.ToLower(c.Folder), s.now()
	p := props{"Name": c.Name, "Mailbox": c.Mailbox, "Folder": c.Folder, "DeltaLink": c.DeltaLink}
	p.setTime("Started", c.Started)
	p.setTime("Updated", c.Updated)
	etag, err := s.put(ctx, s.state, row{PK: cursorPK, RK: cursorRK(c.Name, c.Mailbox, c.Folder), Props: p}, c.ETag)
	if err != nil {
		return Cursor{}, fmt.Errorf("put sweep cursor: %w", err)
	}
	c.ETag = etag
	return c, nil
}

// DeleteCursor forgets a sweep cursor so the next sweep starts from its window.
func (s *Store) DeleteCursor(ctx context.Context, name, mailbox, folder string) error {
	err := s.state.delete(ctx, cursorPK, cursorRK(name, mailbox, folder), "")
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return fmt.Errorf("delete sweep cursor: %w", err)
	}
	return nil
}

// put inserts r when etag is empty and replaces the version etag otherwise.
func (s *Store) put(ctx context.Context, t *table, r row, etag string) (string, error) {
	var (
		e   azcore.ETag
		err error
	)
	if etag == "" {
		e, err = t.add(ctx, r)
	} else {
		e, err = t.replace(ctx, r, azcore.ETag(etag))
	}
	return string(e), err
}

// AcquireLease takes a named lease for a job that must not run twice at once across
// instances (the subscription renewal). It fails with a *HeldError while another instance
// holds it; Release it when done, and KeepAlive it while the job runs.
func (s *Store) AcquireLease(ctx context.Context, name string, d time.Duration) (*Claim, error) {
	rk := keyPart(name)
	c, _, err := s.acquire(ctx, claimSpec{
		t: s.state, kind: "lease", what: "lease " + rk, pk: leasePK, rk: rk, lease: d,
		insert:  props{"Name": name},
		inspect: func(row, time.Time) (props, bool) { return nil, false },
	})
	return c, err
}
