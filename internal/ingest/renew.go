package ingest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
)

// SubscriptionLifetime is how long the renewal asks a subscription to live: a little under
// the 10,080 minutes Graph allows for Outlook messages, so clock skew never makes Graph
// refuse it. https://learn.microsoft.com/en-us/graph/api/resources/subscription#subscription-lifetime
const SubscriptionLifetime = 10080*time.Minute - 10*time.Minute

// LeaseSubscriptions is the store lease that keeps two instances from changing
// subscriptions at the same time.
const LeaseSubscriptions = "subscriptions"

// Statuses of a stored subscription.
const (
	StatusActive        = "active"
	StatusReauthorize   = "reauthorizationRequired" // renew at the next chance
	StatusRemoved       = "removed"                 // Graph removed it: recreate
	statusLeaseDuration = 5 * time.Minute
)

// Renewer keeps one subscription per configured mailbox folder alive.
type Renewer struct {
	Graph     Subscriptions
	Store     Store
	Index     *SubscriptionIndex // invalidated after changes; may be nil
	Mailboxes []string
	BaseURL   string        // public base URL, e.g. https://app.azurewebsites.net
	Margin    time.Duration // renew when less than this remains
	Enabled   bool          // SUBSCRIPTIONS_ENABLED
	Log       *slog.Logger
	Now       func() time.Time
}

// NotificationURL is where Graph posts change notifications.
func (r *Renewer) NotificationURL() string {
	return strings.TrimRight(r.BaseURL, "/") + "/" + registry.RoutePrefix + "/" + registry.RouteGraphNotifications
}

// LifecycleURL is where Graph posts lifecycle events.
func (r *Renewer) LifecycleURL() string {
	return strings.TrimRight(r.BaseURL, "/") + "/" + registry.RoutePrefix + "/" + registry.RouteGraphLifecycle
}

// Resource is the subscribed resource of a mailbox folder.
func Resource(mailbox, folder string) string {
	return "users/" + mailbox + "/mailFolders('" + folder + "')/messages"
}

// RenewReport says what one renewal run did.
type RenewReport struct {
	Created, Renewed, Kept, Deleted int
	Skipped                         string // why nothing was done, when nothing was
}

// Run is the renewal timer: under the subscriptions lease it makes sure every mailbox
// folder has a live subscription with both URLs, renews those within the margin, recreates
// those Graph no longer knows, and deletes duplicates and subscriptions no longer in config.
// Another instance holding the lease makes it return at once.
func (r *Renewer) Run(ctx context.Context) (RenewReport, error) {
	if !r.Enabled {
		return RenewReport{Skipped: "subscriptions are disabled (SUBSCRIPTIONS_ENABLED=false); the sweep finds mail"}, nil
	}
	claim, err := r.Store.AcquireLease(ctx, LeaseSubscriptions, statusLeaseDuration)
	var held *store.HeldError
	if errors.As(err, &held) {
		return RenewReport{Skipped: "another instance holds the subscriptions lease"}, nil
	}
	if err != nil {
		return RenewReport{}, fmt.Errorf("subscriptions lease: %w", err)
	}
	stop := claim.KeepAlive(ctx, 0)
	defer func() {
		stop()
		if err := claim.Release(context.WithoutCancel(ctx), "renewal done"); err != nil {
			r.log().WarnContext(ctx, "release subscriptions lease", "err", err)
		}
	}()
	return r.reconcile(ctx)
}

func (r *Renewer) reconcile(ctx context.Context) (RenewReport, error) {
	var rep RenewReport
	live, err := r.Graph.ListSubscriptions(ctx)
	if err != nil {
		return rep, fmt.Errorf("list Graph subscriptions: %w", err)
	}
	stored, err := r.Store.Subscriptions(ctx)
	if err != nil {
		return rep, fmt.Errorf("read stored subscriptions: %w", err)
	}
	byID := map[string]GraphSubscription{}
	for _, g := range live {
		byID[g.ID] = g
	}
	keep := map[string]bool{}
	var failures []error
	for _, mb := range r.Mailboxes {
		for _, folder := range Folders {
			row := findRow(stored, mb, folder)
			sub, action, err := r.ensure(ctx, mb, folder, row, byID)
			if err != nil {
				failures = append(failures, fmt.Errorf("%s %s: %w", mb, folder, err))
				if row.ID != "" {
					keep[row.ID] = true // never delete what we could not replace
				}
				continue
			}
			keep[sub.ID] = true
			rep.count(action)
		}
	}
	rep.Deleted, err = r.prune(ctx, live, stored, keep)
	if r.Index != nil {
		r.Index.Invalidate()
	}
	return rep, errors.Join(append(failures, err)...)
}

func (rep *RenewReport) count(action string) {
	switch action {
	case "created":
		rep.Created++
	case "renewed":
		rep.Renewed++
	default:
		rep.Kept++
	}
}

// ensure makes one mailbox folder's subscription live and returns what it did.
func (r *Renewer) ensure(ctx context.Context, mailbox, folder string, row store.Subscription, live map[string]GraphSubscription) (store.Subscription, string, error) {
	g, exists := live[row.ID]
	if row.ID == "" || !exists || !r.matches(g, row, mailbox, folder) || row.Status == StatusRemoved {
		sub, err := r.create(ctx, mailbox, folder, row, live)
		return sub, "created", err
	}
	if row.Status == StatusActive && g.Expires.Sub(r.now()) > r.Margin {
		return row, "kept", nil
	}
	sub, err := r.renew(ctx, row)
	if errors.Is(err, errs.ErrNotFound) {
		sub, err = r.create(ctx, mailbox, folder, row, live)
		return sub, "created", err
	}
	return sub, "renewed", err
}

// matches reports whether a live subscription is what config asks for. The resource is
// compared as we stored it, since Graph may spell it differently when it lists it.
func (r *Renewer) matches(g GraphSubscription, row store.Subscription, mailbox, folder string) bool {
	return strings.EqualFold(row.Resource, Resource(mailbox, folder)) && g.NotificationURL == r.NotificationURL() && g.LifecycleURL == r.LifecycleURL()
}

// renew moves the expiry of a stored subscription; errs.ErrNotFound when Graph lost it.
func (r *Renewer) renew(ctx context.Context, row store.Subscription) (store.Subscription, error) {
	g, err := r.Graph.RenewSubscription(ctx, row.ID, r.now().Add(SubscriptionLifetime))
	if err != nil {
		return row, fmt.Errorf("renew subscription %s: %w", row.ID, err)
	}
	row.Expires, row.Status = g.Expires, StatusActive
	saved, err := r.Store.PutSubscription(ctx, row)
	if err != nil {
		return row, fmt.Errorf("store renewed subscription %s: %w", row.ID, err)
	}
	r.log().InfoContext(ctx, "subscription renewed", "mailbox", row.Mailbox, "folder", row.Folder, "subscriptionId", row.ID, "expires", g.Expires)
	return saved, nil
}

// create makes a new subscription with a fresh clientState and stores it over row. When
// Graph answers 409 for a subscription we have no secret for, that one is deleted first.
func (r *Renewer) create(ctx context.Context, mailbox, folder string, row store.Subscription, live map[string]GraphSubscription) (store.Subscription, error) {
	secret, err := newClientState()
	if err != nil {
		return row, err
	}
	req := NewSubscription{Resource: Resource(mailbox, folder), ChangeType: "created", NotificationURL: r.NotificationURL(),
		LifecycleURL: r.LifecycleURL(), ClientState: secret, Expires: r.now().Add(SubscriptionLifetime)}
	g, err := r.Graph.CreateSubscription(ctx, req)
	if errors.Is(err, errs.ErrConflict) {
		r.deleteResource(ctx, req.Resource, live)
		g, err = r.Graph.CreateSubscription(ctx, req)
	}
	if err != nil {
		return row, fmt.Errorf("create subscription: %w", err)
	}
	sub := store.Subscription{Mailbox: mailbox, Folder: folder, ID: g.ID, ClientState: secret, Resource: req.Resource,
		NotificationURL: req.NotificationURL, LifecycleURL: req.LifecycleURL, Expires: g.Expires, Status: StatusActive, ETag: row.ETag}
	saved, err := r.Store.PutSubscription(ctx, sub)
	if err != nil {
		// Without its secret stored the new subscription's notifications would all be dropped.
		r.deleteQuietly(ctx, g.ID)
		return row, fmt.Errorf("store new subscription: %w", err)
	}
	if row.ID != "" && row.ID != g.ID {
		if _, ok := live[row.ID]; ok {
			r.deleteQuietly(ctx, row.ID)
		}
	}
	live[g.ID] = g
	r.log().InfoContext(ctx, "subscription created", "mailbox", mailbox, "folder", folder, "subscriptionId", g.ID, "expires", g.Expires)
	return saved, nil
}

// deleteResource deletes the live subscriptions on resource (Graph's 409 names one).
func (r *Renewer) deleteResource(ctx context.Context, resource string, live map[string]GraphSubscription) {
	if fresh, err := r.Graph.ListSubscriptions(ctx); err == nil {
		for _, g := range fresh {
			live[g.ID] = g
		}
	}
	for id, g := range live {
		if strings.EqualFold(g.Resource, resource) && r.ours(g) {
			r.deleteQuietly(ctx, id)
			delete(live, id)
		}
	}
}

// ours reports whether a subscription points at this deployment; the application may have
// others (another environment sharing the app registration) that are not ours to delete.
func (r *Renewer) ours(g GraphSubscription) bool {
	return g.NotificationURL == r.NotificationURL() || g.LifecycleURL == r.LifecycleURL()
}

// prune deletes our live subscriptions that are not kept (duplicates, mailboxes no longer
// configured) and stored rows of mailboxes no longer configured.
func (r *Renewer) prune(ctx context.Context, live []GraphSubscription, stored []store.Subscription, keep map[string]bool) (int, error) {
	n := 0
	var failures []error
	for _, g := range live {
		if keep[g.ID] || !r.ours(g) {
			continue
		}
		if err := r.Graph.DeleteSubscription(ctx, g.ID); err != nil && !errors.Is(err, errs.ErrNotFound) {
			failures = append(failures, fmt.Errorf("delete subscription %s: %w", g.ID, err))
			continue
		}
		r.log().InfoContext(ctx, "subscription deleted (duplicate or no longer configured)", "subscriptionId", g.ID, "resource", g.Resource)
		n++
	}
	for _, s := range stored {
		if r.configured(s.Mailbox, s.Folder) {
			continue
		}
		if err := r.Store.DeleteSubscription(ctx, s); err != nil && !errors.Is(err, errs.ErrNotFound) {
			failures = append(failures, fmt.Errorf("forget subscription of %s %s: %w", s.Mailbox, s.Folder, err))
		}
	}
	return n, errors.Join(failures...)
}

func (r *Renewer) configured(mailbox, folder string) bool {
	for _, mb := range r.Mailboxes {
		for _, f := range Folders {
			if strings.EqualFold(mb, mailbox) && f == folder {
				return true
			}
		}
	}
	return false
}

func (r *Renewer) deleteQuietly(ctx context.Context, id string) {
	if err := r.Graph.DeleteSubscription(context.WithoutCancel(ctx), id); err != nil && !errors.Is(err, errs.ErrNotFound) {
		r.log().WarnContext(ctx, "delete subscription", "subscriptionId", id, "err", err)
	}
}

func findRow(rows []store.Subscription, mailbox, folder string) store.Subscription {
	for _, s := range rows {
		if strings.EqualFold(s.Mailbox, mailbox) && s.Folder == folder {
			return s
		}
	}
	return store.Subscription{Mailbox: mailbox, Folder: folder}
}

// newClientState returns 32 random bytes, base64url: 43 characters, within Graph's 128.
func newClientState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random clientState: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (r *Renewer) log() *slog.Logger { return logOr(r.Log) }
func (r *Renewer) now() time.Time    { return nowOr(r.Now)() }
