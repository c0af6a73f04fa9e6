package graph

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Limits are Graph's Outlook limits for one app and one mailbox.
// https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits
type Limits struct {
	Concurrent int           // requests in flight at once
	Requests   int           // requests started per Window
	Window     time.Duration // the sliding window Requests counts over
}

// GraphLimits returns the limits Graph documents: 4 concurrent requests and 10,000
// requests per 10 minutes.
func GraphLimits() Limits {
	return Limits{Concurrent: 4, Requests: 10000, Window: 10 * time.Minute}
}

// Limiter keeps every Graph request of the process within Limits, per mailbox: a
// semaphore for concurrency, a sliding-window log of start times for the request rate
// (exact, unlike a token bucket, which would allow a full bucket plus a window's refill),
// and a pause after Graph answered 429 so the other workers stop knocking too.
type Limiter struct {
	limits Limits
	now    func() time.Time
	mu     sync.Mutex
	boxes  map[string]*box
}

// box is one mailbox's state.
type box struct {
	sem    chan struct{}
	starts []int64 // ring of request start times (unix nanoseconds), oldest at head once full
	head   int
	paused time.Time // no new request starts before this
	active int       // in flight, for tests and logs
}

// NewLimiter returns a limiter enforcing l (zero fields take Graph's values).
func NewLimiter(l Limits) *Limiter {
	d := GraphLimits()
	if l.Concurrent <= 0 {
		l.Concurrent = d.Concurrent
	}
	if l.Requests <= 0 {
		l.Requests = d.Requests
	}
	if l.Window <= 0 {
		l.Window = d.Window
	}
	return &Limiter{limits: l, now: time.Now, boxes: map[string]*box{}}
}

var (
	sharedOnce sync.Once
	shared     *Limiter
)

// Shared returns the process-wide limiter with Graph's limits, which every Client uses
// unless given its own, so that the processor, the sweep and the renewal timer running in
// one process share each mailbox's budget.
func Shared() *Limiter {
	sharedOnce.Do(func() { shared = NewLimiter(GraphLimits()) })
	return shared
}

func (l *Limiter) box(mailbox string) *box {
	key := strings.ToLower(strings.TrimSpace(mailbox))
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.boxes[key]
	if b == nil {
		b = &box{sem: make(chan struct{}, l.limits.Concurrent)}
		l.boxes[key] = b
	}
	return b
}

// Acquire waits until a request for mailbox may start and returns the function that
// marks it finished. It fails only when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context, mailbox string) (release func(), err error) {
	b := l.box(mailbox)
	select {
	case b.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		l.mu.Lock()
		wait := b.reserve(l.now(), l.limits)
		if wait <= 0 {
			b.active++
		}
		l.mu.Unlock()
		if wait <= 0 {
			break
		}
		if err := sleep(ctx, wait); err != nil {
			<-b.sem
			return nil, err
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			b.active--
			l.mu.Unlock()
			<-b.sem
		})
	}, nil
}

// Pause stops new requests for mailbox from starting for d, after Graph throttled one.
func (l *Limiter) Pause(mailbox string, d time.Duration) {
	if d <= 0 {
		return
	}
	b := l.box(mailbox)
	until := l.now().Add(d)
	l.mu.Lock()
	if until.After(b.paused) {
		b.paused = until
	}
	l.mu.Unlock()
}

// InFlight returns how many requests for mailbox are running now.
func (l *Limiter) InFlight(mailbox string) int {
	b := l.box(mailbox)
	l.mu.Lock()
	defer l.mu.Unlock()
	return b.active
}

// reserve records a request start at now and returns 0, or returns how long to wait
// before trying again. Callers hold the limiter's lock.
func (b *box) reserve(now time.Time, lim Limits) time.Duration {
	if now.Before(b.paused) {
		return b.paused.Sub(now)
	}
	t := now.UnixNano()
	if len(b.starts) < lim.Requests {
		b.starts = append(b.starts, t)
		return 0
	}
	oldest := b.starts[b.head]
	if free := oldest + int64(lim.Window); free > t {
		return time.Duration(free - t)
	}
	b.starts[b.head] = t
	b.head = (b.head + 1) % len(b.starts)
	return 0
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
