// Package standalone is the thin runtime that stands in for the Functions host when the binary
// runs on its own: a bounded worker pool for queue messages and timers on the schedules from
// function.json. Durability in this mode comes from the message ledger plus the sweep, not from
// the pool, which lives in memory.
package standalone

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// Invoker runs a function by name (handlers.Server).
type Invoker interface {
	Invoke(ctx context.Context, name string, inv *handlers.Invocation) (*handlers.Result, error)
}

// PoolOptions configures a Pool.
type PoolOptions struct {
	Workers         int
	Capacity        int // messages waiting at most; beyond it Enqueue refuses
	MaxDequeueCount int // attempts before a message is given up (host.json maxDequeueCount)
	Backoff         func(attempt int) time.Duration
	QueueFunctions  map[string]string // queue name -> queue-triggered function name
	Logger          *slog.Logger
}

type job struct {
	function string
	message  json.RawMessage
	attempt  int
}

// Pool runs queue-triggered functions on a fixed number of workers, retrying failures with
// backoff like the host's visibility timeout, up to MaxDequeueCount attempts.
type Pool struct {
	opts    PoolOptions
	invoker Invoker
	jobs    chan job
	wg      sync.WaitGroup // workers
	pending sync.WaitGroup // messages not yet finished, including those waiting to retry
}

// NewPool builds a pool; call Run to start its workers.
func NewPool(inv Invoker, o PoolOptions) *Pool {
	if o.Backoff == nil {
		o.Backoff = func(a int) time.Duration { return time.Duration(a) * 2 * time.Second }
	}
	return &Pool{opts: o, invoker: inv, jobs: make(chan job, o.Capacity)}
}

// SetInvoker sets what runs the messages; the server and the pool refer to each other.
func (p *Pool) SetInvoker(inv Invoker) { p.invoker = inv }

// Enqueue queues messages for the function triggered by queue. It never blocks: when the pool
// is full it refuses with ErrUnavailable, so an HTTP caller (Graph) retries later.
func (p *Pool) Enqueue(ctx context.Context, queue string, msgs []json.RawMessage) error {
	fn, ok := p.opts.QueueFunctions[queue]
	if !ok {
		return fmt.Errorf("no function is triggered by queue %q", queue)
	}
	for i, m := range msgs {
		p.pending.Add(1)
		select {
		case p.jobs <- job{function: fn, message: m, attempt: 1}:
		default:
			p.pending.Done()
			return &errs.Throttled{Op: fmt.Sprintf("enqueue %d of %d messages to %s", len(msgs)-i, len(msgs), queue), RetryAfter: 5 * time.Second, Err: errs.ErrUnavailable}
		}
	}
	return nil
}

// Run starts the workers and blocks until ctx ends and the workers have stopped.
func (p *Pool) Run(ctx context.Context) {
	for i := 0; i < p.opts.Workers; i++ {
		p.wg.Add(1)
		go p.work(ctx)
	}
	p.wg.Wait()
}

// Wait blocks until every message enqueued so far has finished or been given up (for tests
// and graceful shutdown).
func (p *Pool) Wait() { p.pending.Wait() }

func (p *Pool) work(ctx context.Context) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-p.jobs:
			p.run(ctx, j)
		}
	}
}

func (p *Pool) run(ctx context.Context, j job) {
	res, err := p.invoker.Invoke(ctx, j.function, &handlers.Invocation{Message: j.message, DequeueCount: j.attempt})
	if err == nil && res != nil && len(res.Messages) > 0 {
		p.opts.Logger.Error("queue function produced queue outputs, which standalone mode does not route", "function", j.function)
	}
	if err == nil || ctx.Err() != nil {
		p.pending.Done()
		return
	}
	if j.attempt >= p.opts.MaxDequeueCount {
		p.opts.Logger.Error("message failed on its last attempt; giving up (the sweep finds it again if it has no outcome)",
			"function", j.function, "attempts", j.attempt, "err", err)
		p.pending.Done()
		return
	}
	delay := p.opts.Backoff(j.attempt)
	p.opts.Logger.Warn("message failed; retrying", "function", j.function, "attempt", j.attempt, "retryIn", delay.String(), "err", err)
	j.attempt++
	time.AfterFunc(delay, func() { p.retry(ctx, j) })
}

func (p *Pool) retry(ctx context.Context, j job) {
	select {
	case p.jobs <- j:
	case <-ctx.Done():
		p.pending.Done()
	}
}
