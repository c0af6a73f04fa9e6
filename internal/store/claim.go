package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Property names shared by every claimable row.
const (
	propHolder      = "Holder"      // random token of the current holder; empty when free
	propLeaseUntil  = "LeaseUntil"  // the holder's lease ends here unless renewed
	propAttempts    = "Attempts"    // how many times the row was claimed
	propClaimedAt   = "ClaimedAt"   // when the current holder took it
	propCompletedBy = "CompletedBy" // token of the holder that completed the work
	propLastError   = "LastError"   // why the last holder let go
)

// Claim is an exclusive, leased hold on one row: a conversation about to get a ticket, a
// mail being processed, a Jira delivery being relayed, or a named job lease. Only the holder
// may complete it; every write is conditional on the row's ETag, so a holder whose lease was
// taken over learns it (errs.ErrPrecondition) instead of overwriting the taker's work.
// A Claim is safe for concurrent use (KeepAlive renews it from its own goroutine).
type Claim struct {
	s       *Store
	t       *table
	kind    string // "ticket", "mail", "delivery" or "lease", checked by the completing method
	what    string // for errors and logs; holds encoded keys only
	pk, rk  string
	token   string
	lease   time.Duration
	attempt int
	release props // written on Release besides freeing the lease

	mu    sync.Mutex
	etag  azcore.ETag
	until time.Time
	ended bool
}

// Attempt is 1 for the first holder of the row, 2 for the next, and so on.
func (c *Claim) Attempt() int { return c.attempt }

// Recover reports that an earlier holder had this claim and may have done part of the work
// (created the Jira issue, added the comment) before it died or let go: the new holder must
// look for that effect (the marker label) before repeating it.
func (c *Claim) Recover() bool { return c.attempt > 1 }

// Until is when the lease ends unless renewed.
func (c *Claim) Until() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.until
}

// Renew extends the lease by its full length from now. It fails with errs.ErrPrecondition
// when another worker has taken the claim over.
func (c *Claim) Renew(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil
	}
	until := c.s.now().Add(c.lease)
	p := props{}
	p.setTime(propLeaseUntil, until)
	if err := c.write(ctx, p, false); err != nil {
		return fmt.Errorf("renew %s: %w", c.what, err)
	}
	c.until = until
	return nil
}

// Release gives the claim up without completing it (a transient failure): the next worker
// may take it at once, and Recover tells it that this attempt may have left an effect.
func (c *Claim) Release(ctx context.Context, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return nil
	}
	p := maps.Clone(c.release)
	if p == nil {
		p = props{}
	}
	p[propHolder] = ""
	p[propLastError] = clip(reason, maxText)
	p.setTime(propLeaseUntil, c.s.now())
	if err := c.write(ctx, p, false); err != nil {
		return fmt.Errorf("release %s: %w", c.what, err)
	}
	c.ended = true
	return nil
}

// KeepAlive renews the lease every interval (a third of the lease when zero) until stop is
// called or the claim is lost, so a holder waiting on throttled APIs is never overtaken.
func (c *Claim) KeepAlive(ctx context.Context, every time.Duration) (stop func()) {
	if every <= 0 {
		every = c.lease / 3
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			err := c.Renew(ctx)
			if err == nil || ctx.Err() != nil {
				continue
			}
			c.s.log.WarnContext(ctx, "lease renewal failed", "claim", c.what, "err", err)
			if errors.Is(err, errs.ErrPrecondition) {
				return
			}
		}
	}()
	return func() { cancel(); <-done }
}

// complete writes p and ends the claim; c.kind must be kind.
func (c *Claim) complete(ctx context.Context, kind string, p props) error {
	if c == nil || c.kind != kind {
		return fmt.Errorf("complete %s: %w: not a %s claim", kind, errs.ErrInvalid, kind)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return fmt.Errorf("complete %s: %w: claim already ended", c.what, errs.ErrPrecondition)
	}
	p[propHolder] = ""
	p[propCompletedBy] = c.token
	p.setTime(propLeaseUntil, c.s.now())
	if err := c.write(ctx, p, true); err != nil {
		return fmt.Errorf("complete %s: %w", c.what, err)
	}
	c.ended = true
	return nil
}

// write merges p into the row if it is still ours. A changed ETag alone does not mean the
// claim is lost: a sweep or a duplicate copy may have touched other properties, and a write
// whose answer was lost may have landed. The holder token decides.
func (c *Claim) write(ctx context.Context, p props, completing bool) error {
	for range 5 {
		etag, err := c.t.merge(ctx, row{PK: c.pk, RK: c.rk, Props: p}, c.etag)
		if err == nil {
			c.etag = etag
			return nil
		}
		if !errors.Is(err, errs.ErrPrecondition) {
			return err
		}
		r, gerr := c.t.get(ctx, c.pk, c.rk)
		switch {
		case errors.Is(gerr, errs.ErrNotFound):
			return fmt.Errorf("%w: the row is gone", errs.ErrPrecondition)
		case gerr != nil:
			return gerr
		case completing && r.Props.str(propCompletedBy) == c.token:
			c.etag = r.ETag
			return nil
		case r.Props.str(propHolder) != c.token:
			return fmt.Errorf("%w: lease taken over by another worker", errs.ErrPrecondition)
		}
		c.etag = r.ETag
	}
	return fmt.Errorf("%w: the row keeps changing", errs.ErrPrecondition)
}

// claimSpec describes a row to claim.
type claimSpec struct {
	t       *table
	kind    string
	what    string
	pk, rk  string
	lease   time.Duration
	insert  props // properties of a row that does not exist yet (besides the claim's own)
	release props // properties written on Release
	// inspect looks at an existing row that is not ours. stop means there is nothing to
	// claim (the work is done, or belongs elsewhere); otherwise take holds the properties to
	// write along with the claim if the lease is free.
	inspect func(r row, now time.Time) (take props, stop bool)
}

// acquire claims the row: it inserts it when missing, takes it over when its lease lapsed or
// was released, returns (nil, row, nil) when inspect says stop, and a *HeldError while a
// live holder has it. The returned row is the row as it now stands.
func (s *Store) acquire(ctx context.Context, sp claimSpec) (*Claim, row, error) {
	if sp.lease <= 0 {
		sp.lease = DefaultLease
	}
	token, err := newToken()
	if err != nil {
		return nil, row{}, err
	}
	for range 8 {
		now := s.now()
		fresh := maps.Clone(sp.insert)
		if fresh == nil {
			fresh = props{}
		}
		claimProps(fresh, token, now, sp.lease, 1)
		etag, err := sp.t.add(ctx, row{PK: sp.pk, RK: sp.rk, Props: fresh})
		if err == nil {
			return s.newClaim(sp, token, 1, etag, now), row{PK: sp.pk, RK: sp.rk, Props: fresh, ETag: etag}, nil
		}
		if !errors.Is(err, errs.ErrConflict) {
			return nil, row{}, fmt.Errorf("claim %s: %w", sp.what, err)
		}
		r, err := sp.t.get(ctx, sp.pk, sp.rk)
		if errors.Is(err, errs.ErrNotFound) {
			continue // deleted between our insert and read
		}
		if err != nil {
			return nil, row{}, fmt.Errorf("claim %s: %w", sp.what, err)
		}
		if r.Props.str(propHolder) == token {
			// Our own write landed although its answer was lost and the SDK retried it.
			return s.newClaim(sp, token, r.Props.integer(propAttempts), r.ETag, r.Props.time(propClaimedAt)), r, nil
		}
		take, stop := sp.inspect(r, now)
		if stop {
			return nil, r, nil
		}
		if until := r.Props.time(propLeaseUntil); r.Props.str(propHolder) != "" && until.After(now) {
			return nil, r, &HeldError{What: sp.what, Until: until}
		}
		attempt := r.Props.integer(propAttempts) + 1
		upd := maps.Clone(take)
		if upd == nil {
			upd = props{}
		}
		claimProps(upd, token, now, sp.lease, attempt)
		etag, err = sp.t.merge(ctx, row{PK: sp.pk, RK: sp.rk, Props: upd}, r.ETag)
		if err == nil {
			maps.Copy(r.Props, upd)
			r.ETag = etag
			return s.newClaim(sp, token, attempt, etag, now), r, nil
		}
		if !errors.Is(err, errs.ErrPrecondition) && !errors.Is(err, errs.ErrNotFound) {
			return nil, row{}, fmt.Errorf("claim %s: %w", sp.what, err)
		}
	}
	return nil, row{}, fmt.Errorf("claim %s: %w: the row keeps changing", sp.what, errs.ErrConflict)
}

func (s *Store) newClaim(sp claimSpec, token string, attempt int, etag azcore.ETag, at time.Time) *Claim {
	return &Claim{
		s: s, t: sp.t, kind: sp.kind, what: sp.what, pk: sp.pk, rk: sp.rk,
		token: token, lease: sp.lease, attempt: attempt, release: sp.release,
		etag: etag, until: at.Add(sp.lease),
	}
}

func claimProps(p props, token string, now time.Time, lease time.Duration, attempt int) {
	p[propHolder] = token
	p[propAttempts] = int32(attempt)
	p.setTime(propClaimedAt, now)
	p.setTime(propLeaseUntil, now.Add(lease))
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("claim token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
