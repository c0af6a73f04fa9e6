// Package jiraemu is a wire-level emulator of the parts of the Jira Cloud REST API (platform v3
// and agile 1.0) that mail2jira uses, written from Atlassian's public documentation and its
// published OpenAPI document, so the real go-atlassian client runs against it in tests and in
// the sandbox. See README.md for the covered endpoints and the known differences.
package jiraemu

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator; the zero value is usable.
type Options struct {
	// BaseURL is the site URL used in self links and webhook payloads; when empty it is
	// derived from each request's Host (set it with SetBaseURL once a test server has started).
	BaseURL string
	// Latency is added to every REST call before it is handled (for benchmarks).
	Latency time.Duration
	// MaxAttachmentSize is the per-file upload limit in bytes; 0 means 10 MiB.
	MaxAttachmentSize int64
	// SearchDelay keeps a new or changed issue out of JQL results for this long, mimicking
	// Jira's eventually consistent search index. Zero makes search immediately consistent.
	SearchDelay time.Duration
	// Seed seeds the random choice of fraction-based faults.
	Seed int64
	// WebhookRetryDelays are the waits before each retry of a failed webhook delivery;
	// nil means three quick retries (50 ms, 200 ms, 1 s).
	WebhookRetryDelays []time.Duration
	// WebhookClient sends webhook deliveries; nil means a client with a 10 s timeout.
	WebhookClient *http.Client
	// WebhookWikiBody sends the comment body in webhook payloads as plain wiki text instead of
	// ADF, the other body shape seen in real payloads.
	WebhookWikiBody bool
	// Now replaces the clock (tests); nil means time.Now.
	Now func() time.Time
	// Logger receives the emulator's own logs; nil discards them.
	Logger *slog.Logger
}

// Emulator is an in-memory Jira Cloud site served over HTTP.
type Emulator struct {
	opts Options
	mux  *http.ServeMux
	log  *slog.Logger

	mu          sync.Mutex
	baseURL     string
	users       []*User
	projects    []*project
	boards      []*board
	filters     []*filter
	issueTypes  []issueType
	priorities  []priority
	statuses    []status
	issues      []*issue // creation order; deleted issues are removed
	nextID      int
	keyCounters map[string]int
	attachments map[int]*attachment
	calls       map[string]int
	faults      map[string]*faultRule
	rng         *rand.Rand
	webhooks    []*webhook
	deliveries  []Delivery
	wg          sync.WaitGroup
	closed      chan struct{}
	closeOnce   sync.Once
}

// New returns an emulator seeded with Jira's default issue types, priorities and statuses and
// no projects, users or boards.
func New(opts Options) *Emulator {
	if opts.MaxAttachmentSize == 0 {
		opts.MaxAttachmentSize = 10 << 20
	}
	if opts.WebhookRetryDelays == nil {
		opts.WebhookRetryDelays = []time.Duration{50 * time.Millisecond, 200 * time.Millisecond, time.Second}
	}
	if opts.WebhookClient == nil {
		opts.WebhookClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := &Emulator{
		opts:        opts,
		log:         logger,
		baseURL:     strings.TrimSuffix(opts.BaseURL, "/"),
		issueTypes:  defaultIssueTypes(),
		priorities:  defaultPriorities(),
		statuses:    defaultStatuses(),
		nextID:      10000,
		keyCounters: map[string]int{},
		attachments: map[int]*attachment{},
		calls:       map[string]int{},
		faults:      map[string]*faultRule{},
		rng:         rand.New(rand.NewSource(opts.Seed)),
		closed:      make(chan struct{}),
	}
	e.routes()
	return e
}

// ServeHTTP serves the emulated REST API and the read-only HTML page.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

// SetBaseURL sets the site URL used in self links and webhook payloads.
func (e *Emulator) SetBaseURL(u string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.baseURL = strings.TrimSuffix(u, "/")
}

// Close stops webhook deliveries and waits for those under way to finish.
func (e *Emulator) Close() {
	e.closeOnce.Do(func() { close(e.closed) })
	e.wg.Wait()
}

// CallCounts returns how many requests each route received, keyed by route pattern
// (for example "POST /rest/api/3/issue").
func (e *Emulator) CallCounts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.calls))
	for k, v := range e.calls {
		out[k] = v
	}
	return out
}

// ResetCallCounts sets every route's counter back to zero.
func (e *Emulator) ResetCallCounts() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = map[string]int{}
}

// apiHandler is a REST handler that runs with the authenticated caller.
type apiHandler func(w http.ResponseWriter, r *http.Request, caller *User)

// api registers a REST route behind counting, latency, fault injection and basic auth.
func (e *Emulator) api(pattern string, h apiHandler) {
	e.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[pattern]++
		fault := e.pickFault(pattern)
		e.mu.Unlock()
		if !e.sleep(r.Context(), e.opts.Latency) {
			return
		}
		if fault != nil {
			writeFault(w, fault)
			return
		}
		caller, ok := e.authenticate(r)
		if !ok {
			// https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
			writeErrors(w, http.StatusUnauthorized, []string{"Client must be authenticated to access this resource."}, nil)
			return
		}
		if !checkMediaType(w, r, strings.HasSuffix(pattern, "/attachments")) {
			return
		}
		h(w, r, caller)
	})
}

func (e *Emulator) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// checkMediaType applies Jira's XSRF rule to bodies a browser form could send (they need
// X-Atlassian-Token: no-check) and refuses bodies that are not JSON where JSON is expected:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#special-request-headers
func checkMediaType(w http.ResponseWriter, r *http.Request, multipartRoute bool) bool {
	if (r.Method != http.MethodPost && r.Method != http.MethodPut) || r.ContentLength == 0 {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/plain", "application/x-www-form-urlencoded", "multipart/form-data":
		if !strings.EqualFold(r.Header.Get("X-Atlassian-Token"), "no-check") {
			w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, "XSRF check failed")
			return false
		}
	}
	if multipartRoute || mt == "application/json" {
		return true
	}
	writeErrors(w, http.StatusUnsupportedMediaType, []string{"Unsupported Media Type: the request body must be application/json."}, nil)
	return false
}

// authenticate checks HTTP basic auth with an account email and its API token.
// https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
func (e *Emulator) authenticate(r *http.Request) (*User, bool) {
	email, token, ok := r.BasicAuth()
	if !ok || token == "" {
		return nil, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range e.users {
		if strings.EqualFold(u.Email, email) && u.APIToken == token && !u.Inactive {
			return u, true
		}
	}
	return nil, false
}

// base returns the site URL for self links; the caller holds no lock.
func (e *Emulator) base(r *http.Request) string {
	e.mu.Lock()
	b := e.baseURL
	e.mu.Unlock()
	if b != "" || r == nil {
		return b
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// writeJSON writes v as the JSON response body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // Jira writes rendered HTML and URLs without \u003c escapes
	_ = enc.Encode(v)
}

// writeErrors writes Jira's ErrorCollection body:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
func writeErrors(w http.ResponseWriter, status int, messages []string, fields map[string]string) {
	if messages == nil {
		messages = []string{}
	}
	if fields == nil {
		fields = map[string]string{}
	}
	writeJSON(w, status, map[string]any{"errorMessages": messages, "errors": fields})
}

// jiraTime formats t the way Jira's REST API writes date-times.
func jiraTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000-0700") }

// humanTime is the display form Jira uses in renderedFields.
func humanTime(t time.Time) string { return t.Format("02/Jan/06 3:04 PM") }
