package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

const (
	deliveryRow = "delivery"
	// maxCachedValue keeps a cached value inside one string property (64 KiB of UTF-16).
	maxCachedValue = 30_000
)

func deliveryPK(id string) string { return "d:" + keyPart(id) }

func cachePK(kind string) string { return "v:" + keyPart(kind) }

// ClaimDelivery claims a Jira webhook delivery, keyed by what identifies it (e.g. the event
// and comment id), so Jira's retries are relayed once. It returns a nil claim and nil error
// when the delivery was completed before, and a *HeldError while another worker relays it.
func (s *Store) ClaimDelivery(ctx context.Context, id string, lease time.Duration) (*Claim, error) {
	pk := deliveryPK(id)
	ins := props{"DeliveryID": id}
	ins.setTime("Updated", s.now())
	c, _, err := s.acquire(ctx, claimSpec{
		t: s.cache, kind: "delivery", what: "delivery " + pk, pk: pk, rk: deliveryRow, lease: lease,
		insert: ins,
		inspect: func(r row, _ time.Time) (props, bool) {
			return nil, r.Props.flag("Done")
		},
	})
	return c, err
}

// CompleteDelivery marks a claimed delivery as relayed, with a short note for operators.
func (s *Store) CompleteDelivery(ctx context.Context, c *Claim, note string) error {
	p := props{"Done": true, "Note": note}
	p.setTime("Updated", s.now())
	return c.complete(ctx, "delivery", p)
}

// GetCached reads a cached value of a kind (e.g. "jira-user") into v. It reports false when
// there is none or it expired.
func (s *Store) GetCached(ctx context.Context, kind, key string, v any) (bool, error) {
	r, err := s.cache.get(ctx, cachePK(kind), keyPart(key))
	if errors.Is(err, errs.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cache %s: %w", kind, err)
	}
	if !r.Props.time("Expires").After(s.now()) {
		return false, nil
	}
	if err := json.Unmarshal([]byte(r.Props.str("Value")), v); err != nil {
		return false, fmt.Errorf("cache %s: decode: %w", kind, err)
	}
	return true, nil
}

// PutCached stores v (as JSON) under kind and key for ttl.
func (s *Store) PutCached(ctx context.Context, kind, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache %s: encode: %w", kind, err)
	}
	if len(b) > maxCachedValue {
		return fmt.Errorf("cache %s: %w: %d bytes", kind, errs.ErrTooLarge, len(b))
	}
	now := s.now()
	p := props{"Kind": kind, "Key": key, "Value": string(b)}
	p.setTime("Updated", now)
	p.setTime("Expires", now.Add(ttl))
	if _, err := s.cache.upsert(ctx, row{PK: cachePK(kind), RK: keyPart(key), Props: p}); err != nil {
		return fmt.Errorf("cache %s: %w", kind, err)
	}
	return nil
}
