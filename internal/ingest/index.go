package ingest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/store"
)

// SubscriptionIndex finds a stored subscription by its Graph id for the notification path.
// It keeps the (few) rows in memory and reads them again when they are older than MaxAge or
// when an id is unknown, at most once per MinRefresh, so a flood of notifications for
// unknown ids cannot turn into a flood of storage reads.
type SubscriptionIndex struct {
	Store interface {
		Subscriptions(ctx context.Context) ([]store.Subscription, error)
	}
	MaxAge     time.Duration    // 1 minute when zero
	MinRefresh time.Duration    // 2 seconds when zero
	Now        func() time.Time // time.Now when nil

	mu     sync.Mutex
	byID   map[string]store.Subscription
	loaded time.Time
}

// Lookup returns the subscription with Graph id id; ok is false when none is stored.
func (x *SubscriptionIndex) Lookup(ctx context.Context, id string) (store.Subscription, bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now()
	stale := x.byID == nil || now.Sub(x.loaded) > durationOr(x.MaxAge, time.Minute)
	if !stale {
		if s, ok := x.byID[id]; ok {
			return s, true, nil
		}
		if now.Sub(x.loaded) < durationOr(x.MinRefresh, 2*time.Second) {
			return store.Subscription{}, false, nil
		}
	}
	if err := x.load(ctx, now); err != nil {
		return store.Subscription{}, false, err
	}
	s, ok := x.byID[id]
	return s, ok, nil
}

// Invalidate makes the next Lookup read the store, e.g. after this instance created a
// subscription.
func (x *SubscriptionIndex) Invalidate() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.byID = nil
}

func (x *SubscriptionIndex) load(ctx context.Context, now time.Time) error {
	subs, err := x.Store.Subscriptions(ctx)
	if err != nil {
		return fmt.Errorf("read subscriptions: %w", err)
	}
	x.byID = make(map[string]store.Subscription, len(subs))
	for _, s := range subs {
		if s.ID != "" {
			x.byID[s.ID] = s
		}
	}
	x.loaded = now
	return nil
}

func (x *SubscriptionIndex) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
