package jira

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Retry shapes the backoff of safe calls after 429 or 503.
type Retry struct {
	// Attempts is the most tries of one call, the first included; zero means 4.
	Attempts int
	// Base is the first wait when Jira gives no Retry-After; zero means 500 ms.
	Base time.Duration
	// Max caps every wait; a Retry-After beyond it is not waited for but returned to the
	// caller as *errs.Throttled. Zero means 30 seconds.
	Max time.Duration
	// Sleep waits d or until ctx ends (tests replace it); nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 4
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 30 * time.Second
	}
	if r.Sleep == nil {
		r.Sleep = sleep
	}
	return r
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// wait returns how long to wait before try number n+1 (n counts from 1), or false to give
// up. A Retry-After is honoured, never shortened: jitter only adds to it, so instances
// throttled together do not come back together.
func (r Retry) wait(n int, ra time.Duration) (time.Duration, bool) {
	if n >= r.Attempts {
		return 0, false
	}
	if ra > 0 {
		if ra > r.Max {
			return 0, false
		}
		return min(ra+time.Duration(rand.Float64()*float64(ra)/5), r.Max), true
	}
	backoff := r.Base << min(n-1, 16)
	if backoff <= 0 || backoff > r.Max {
		backoff = r.Max
	}
	// "Equal jitter": at least half the backoff, so retries still spread out.
	return backoff/2 + time.Duration(rand.Float64()*float64(backoff/2)), true
}

// call makes one go-atlassian request (fn) under retrying, mapping a non-2xx answer or a
// transport failure to the project's sentinels.
func (c *Client) call(ctx context.Context, op string, safe bool, fn func() (*models.ResponseScheme, error)) (*models.ResponseScheme, error) {
	var res *models.ResponseScheme
	err := c.retrying(ctx, op, safe, func() error {
		r, err := fn()
		res = r
		if err != nil {
			return c.callError(ctx, op, r, err)
		}
		return nil
	})
	return res, err
}

// retrying runs attempt until it succeeds or fails for good. When safe (the request changes
// nothing, or changes it idempotently) 429 and 503 (*errs.Throttled) are retried with
// backoff; otherwise they are returned at once so the caller decides.
func (c *Client) retrying(ctx context.Context, op string, safe bool, attempt func() error) error {
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		var th *errs.Throttled
		if !safe || !errors.As(err, &th) {
			return err
		}
		d, ok := c.retry.wait(n, th.RetryAfter)
		if !ok {
			return err
		}
		c.log.WarnContext(ctx, "jira throttled; retrying", "op", op, "attempt", n, "wait", d, "err", err)
		if serr := c.retry.Sleep(ctx, d); serr != nil {
			return errors.Join(serr, err)
		}
	}
}
