// Package graphemu is a wire-level emulator of the Microsoft Graph v1.0 mail API (messages,
// attachments, replies, delta, subscriptions and change notifications) for tests and the
// local sandbox. It follows Microsoft's public API documentation; see README.md for what it
// covers and where it knowingly differs from Graph.
package graphemu

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator; the zero value is usable.
type Options struct {
	// Verify checks a bearer token and returns its application roles. Nil accepts any
	// non-empty token with every role.
	Verify func(bearer string) (roles []string, err error)
	// Latency is added to every Graph call before it is answered.
	Latency time.Duration
	// Limits enables Graph's per-mailbox throttling; nil leaves it off (see SetLimits).
	Limits *Limits
	// Seed seeds the RNG used by fractional fault injection.
	Seed uint64
	// TenantID is reported in change notifications; a fixed GUID when empty.
	TenantID string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Client sends validation requests and notifications; a 10-second-timeout client when nil.
	Client *http.Client
	// RetryDelays are the waits between failed notification deliveries; Graph retries for
	// up to four hours with exponential backoff, which is the default here too.
	RetryDelays []time.Duration
	// DeltaLinkTTL expires delta and next links after this long (0: only ExpireDeltaLinks does).
	DeltaLinkTTL time.Duration
	// BaseURL is the scheme and host used in nextLink and deltaLink; taken from the request
	// when empty.
	BaseURL string
	// Logger receives one line per delivery problem; slog.Default when nil.
	Logger *slog.Logger
}

// Limits are Graph's Outlook per-mailbox limits.
// https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits
type Limits struct {
	Concurrent int           // concurrent requests per mailbox (Graph: 4)
	Requests   int           // requests per Window per mailbox (Graph: 10,000)
	Window     time.Duration // Graph: 10 minutes
}

// GraphLimits returns the limits Graph documents for one app and one mailbox.
func GraphLimits() Limits {
	return Limits{Concurrent: 4, Requests: 10000, Window: 10 * time.Minute}
}

// Emulator is an http.Handler serving the emulated Graph API, the deliver endpoint and a
// read-only HTML page.
type Emulator struct {
	opts   Options
	log    *slog.Logger
	client *http.Client

	mu        sync.Mutex
	mailboxes []*mailbox
	subs      map[string]*subscription
	deltas    map[string]*deltaState
	faults    []*faultRule
	rng       *rand.Rand
	limits    *Limits
	latency   time.Duration
	load      map[string]*mailboxLoad
	stats     statsState

	allowDuplicates bool
	copies          int             // times each change notification is sent
	policy          map[string]bool // mailboxes the app may access; nil: all

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an emulator with no mailboxes.
func New(opts Options) *Emulator {
	ctx, cancel := context.WithCancel(context.Background())
	e := &Emulator{
		opts:    opts,
		log:     opts.Logger,
		client:  opts.Client,
		subs:    map[string]*subscription{},
		deltas:  map[string]*deltaState{},
		rng:     rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		limits:  opts.Limits,
		latency: opts.Latency,
		load:    map[string]*mailboxLoad{},
		ctx:     ctx,
		cancel:  cancel,
	}
	e.stats.reset()
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.client == nil {
		e.client = &http.Client{Timeout: 10 * time.Second}
	}
	if e.opts.TenantID == "" {
		e.opts.TenantID = "7f0b44f4-0d4a-4d0e-9a4c-6d1f3c2b5a10"
	}
	if e.opts.RetryDelays == nil {
		e.opts.RetryDelays = []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
			16 * time.Minute, 32 * time.Minute, 64 * time.Minute, 94 * time.Minute}
	}
	return e
}

// Close stops pending notification deliveries and waits for them to end.
func (e *Emulator) Close() {
	e.mu.Lock() // post checks the context under the lock, so no delivery starts after Wait
	e.cancel()
	e.mu.Unlock()
	e.wg.Wait()
}

func (e *Emulator) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now().UTC()
	}
	return time.Now().UTC()
}

// ServeHTTP routes Graph calls under /v1.0, the deliver endpoint and the HTML page.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/v1.0/"):
		e.serveGraph(w, r)
	case r.URL.Path == "/sandbox/deliver":
		e.serveDeliver(w, r)
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		e.servePage(w, r)
	default:
		writeError(w, r, http.StatusNotFound, "ResourceNotFound", "Resource not found.")
	}
}

// SetLatency changes the latency added to every Graph call.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// SetLimits switches per-mailbox throttling on (non-nil) or off (nil).
func (e *Emulator) SetLimits(l *Limits) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.limits = l
}
