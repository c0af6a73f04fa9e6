package graph

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// MaxSubscriptionLifetime is how long an Outlook message subscription may live.
// https://learn.microsoft.com/en-us/graph/api/resources/subscription#subscription-lifetime
const MaxSubscriptionLifetime = 10080 * time.Minute

// FolderResource is the subscription resource for the messages of a mailbox's folder
// ("inbox", "sentitems" or a folder id).
func FolderResource(mailbox, folder string) string {
	return "users/" + mailbox + "/mailFolders('" + folder + "')/messages"
}

// CreateSubscription creates a subscription (changeType "created" when unset); Graph
// first runs the validation handshake against both URLs, and a failed handshake is
// errs.ErrInvalid. A duplicate answers errs.ErrConflict. The lifecycle URL can only be
// set here, never by a renewal.
// https://learn.microsoft.com/en-us/graph/api/subscription-post-subscriptions
func (c *Client) CreateSubscription(ctx context.Context, s ingest.NewSubscription) (ingest.GraphSubscription, error) {
	if len(s.ClientState) > 128 {
		return ingest.GraphSubscription{}, fmt.Errorf("create subscription: %w: clientState is longer than 128 characters", errs.ErrInvalid)
	}
	if s.ChangeType == "" {
		s.ChangeType = "created"
	}
	sub := models.NewSubscription()
	exp := s.Expires.UTC()
	sub.SetResource(&s.Resource)
	sub.SetChangeType(&s.ChangeType)
	sub.SetNotificationUrl(&s.NotificationURL)
	if s.LifecycleURL != "" {
		sub.SetLifecycleNotificationUrl(&s.LifecycleURL)
	}
	sub.SetClientState(&s.ClientState)
	sub.SetExpirationDateTime(&exp)
	// The mailbox's limiter covers the validation Graph runs for this mailbox's resource.
	ctx = withMailbox(ctx, resourceMailbox(s.Resource))
	out, err := c.sdk.Subscriptions().Post(ctx, sub, nil)
	if err != nil {
		return ingest.GraphSubscription{}, mapErr("create subscription", err)
	}
	return subscription(out), nil
}

// RenewSubscription moves a subscription's expiry (PATCH). A subscription Graph no longer
// knows answers errs.ErrNotFound: recreate it.
// https://learn.microsoft.com/en-us/graph/api/subscription-update
func (c *Client) RenewSubscription(ctx context.Context, id string, expires time.Time) (ingest.GraphSubscription, error) {
	sub := models.NewSubscription()
	exp := expires.UTC()
	sub.SetExpirationDateTime(&exp)
	out, err := c.sdk.Subscriptions().BySubscriptionId(id).Patch(ctx, sub, nil)
	if err != nil {
		return ingest.GraphSubscription{}, mapErr("renew subscription", err)
	}
	return subscription(out), nil
}

// DeleteSubscription deletes a subscription; errs.ErrNotFound when it is already gone.
// https://learn.microsoft.com/en-us/graph/api/subscription-delete
func (c *Client) DeleteSubscription(ctx context.Context, id string) error {
	return mapErr("delete subscription", c.sdk.Subscriptions().BySubscriptionId(id).Delete(ctx, nil))
}

// ListSubscriptions lists the app's subscriptions (an app-only token sees the ones the
// app created), following every page.
// https://learn.microsoft.com/en-us/graph/api/subscription-list
func (c *Client) ListSubscriptions(ctx context.Context) ([]ingest.GraphSubscription, error) {
	var out []ingest.GraphSubscription
	b := c.sdk.Subscriptions()
	resp, err := b.Get(ctx, nil)
	for {
		if err != nil {
			return nil, mapErr("list subscriptions", err)
		}
		for _, s := range resp.GetValue() {
			out = append(out, subscription(s))
		}
		next := resp.GetOdataNextLink()
		if next == nil || *next == "" {
			return out, nil
		}
		if err := c.checkLink(*next); err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		resp, err = b.WithUrl(*next).Get(ctx, nil)
	}
}

func subscription(s models.Subscriptionable) ingest.GraphSubscription {
	return ingest.GraphSubscription{
		ID:              deref(s.GetId()),
		Resource:        deref(s.GetResource()),
		ChangeType:      deref(s.GetChangeType()),
		NotificationURL: deref(s.GetNotificationUrl()),
		LifecycleURL:    deref(s.GetLifecycleNotificationUrl()),
		Expires:         timeOrZero(s.GetExpirationDateTime()),
	}
}

// resourceMailbox returns the user segment of a users/{mailbox}/... resource.
func resourceMailbox(resource string) string {
	segs := strings.Split(strings.Trim(resource, "/"), "/")
	if len(segs) >= 2 && strings.EqualFold(segs[0], "users") {
		return segs[1]
	}
	return ""
}

// checkLink refuses a next or delta link that leaves the configured Graph host: the token
// provider would not authenticate it anyway, and following it would leak the query.
func (c *Client) checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || !strings.EqualFold(u.Host, c.base.Host) || u.Scheme != c.base.Scheme {
		return fmt.Errorf("%w: graph returned a link outside %s", errs.ErrInvalid, c.base.Host)
	}
	return nil
}
