package jira

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/adf"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// TestSafeCallsRetry injects 429/503 on reads and checks they are retried, honouring
// Retry-After, until they succeed or the policy gives up.
func TestSafeCallsRetry(t *testing.T) {
	type op struct {
		route string
		call  func(*Client, string) error
	}
	ops := map[string]op{
		"get issue": {"GET /rest/api/3/issue/{key}", func(c *Client, key string) error {
			_, err := c.Issue(context.Background(), key)
			return err
		}},
		"search": {"POST /rest/api/3/search/jql", func(c *Client, _ string) error {
			_, err := c.Search(context.Background(), SearchRequest{JQL: "project = SUP"})
			return err
		}},
		"comments": {"GET /rest/api/3/issue/{key}/comment", func(c *Client, key string) error {
			_, err := c.Comments(context.Background(), key, CommentOptions{})
			return err
		}},
		"watchers": {"GET /rest/api/3/issue/{key}/watchers", func(c *Client, key string) error {
			_, err := c.Watchers(context.Background(), key)
			return err
		}},
		"user search": {"GET /rest/api/3/user/search", func(c *Client, _ string) error {
			_, err := c.UserByEmail(context.Background(), "alice@example.com")
			return err
		}},
		"mypermissions": {"GET /rest/api/3/mypermissions", func(c *Client, _ string) error {
			_, err := c.MyPermissions(context.Background(), "SUP")
			return err
		}},
		"boards": {"GET /rest/agile/1.0/board", func(c *Client, _ string) error {
			_, err := c.BoardByName(context.Background(), "Support board")
			return err
		}},
		"myself": {"GET /rest/api/3/myself", func(c *Client, _ string) error {
			_, err := c.Myself(context.Background())
			return err
		}},
	}
	tests := []struct {
		name      string
		op        string
		fault     jiraemu.Fault
		retry     Retry
		wantErr   error
		wantCalls int
		wantWaits int
		minWait   time.Duration // every recorded wait is at least this
	}{
		{name: "429 with Retry-After on GET issue", op: "get issue",
			fault: jiraemu.Fault{Status: 429, RetryAfter: 2 * time.Second, Times: 2}, wantCalls: 3, wantWaits: 2, minWait: 2 * time.Second},
		{name: "503 without Retry-After on search", op: "search",
			fault: jiraemu.Fault{Status: 503, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "429 on comments", op: "comments", fault: jiraemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, wantCalls: 2, wantWaits: 1, minWait: time.Second},
		{name: "429 on watchers", op: "watchers", fault: jiraemu.Fault{Status: 429, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "429 on user search", op: "user search", fault: jiraemu.Fault{Status: 429, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "503 on mypermissions", op: "mypermissions", fault: jiraemu.Fault{Status: 503, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "429 on boards", op: "boards", fault: jiraemu.Fault{Status: 429, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "429 on myself", op: "myself", fault: jiraemu.Fault{Status: 429, Times: 1}, wantCalls: 2, wantWaits: 1},
		{name: "attempts run out", op: "get issue", fault: jiraemu.Fault{Status: 429, RetryAfter: time.Second, Fraction: 1},
			retry: Retry{Attempts: 3}, wantErr: errs.ErrThrottled, wantCalls: 3, wantWaits: 2, minWait: time.Second},
		{name: "Retry-After beyond the cap is handed back", op: "get issue",
			fault: jiraemu.Fault{Status: 429, RetryAfter: time.Minute, Times: 1}, retry: Retry{Max: 10 * time.Second},
			wantErr: errs.ErrThrottled, wantCalls: 1},
		{name: "persistent 503", op: "search", fault: jiraemu.Fault{Status: 503, Fraction: 1},
			wantErr: errs.ErrUnavailable, wantCalls: 4, wantWaits: 3},
		{name: "500 is not retried", op: "get issue", fault: jiraemu.Fault{Status: 500, Times: 1},
			wantErr: errs.ErrUnavailable, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, jiraemu.Options{})
			c, sl := s.client(t, botID, func(cfg *Config) {
				r := tt.retry
				r.Sleep = cfg.Retry.Sleep
				cfg.Retry = r
			})
			key := createIssue(t, c, "retry me")
			o := ops[tt.op]
			s.emu.InjectFault(o.route, tt.fault)
			s.emu.ResetCallCounts()
			err := o.call(c, key)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
			if got := s.calls(o.route); got != tt.wantCalls {
				t.Errorf("calls = %d, want %d", got, tt.wantCalls)
			}
			waits := sl.recorded()
			if len(waits) != tt.wantWaits {
				t.Errorf("waits = %v, want %d of them", waits, tt.wantWaits)
			}
			for _, w := range waits {
				if w < tt.minWait || w <= 0 || w > 30*time.Second {
					t.Errorf("wait %v outside [%v, 30s]", w, tt.minWait)
				}
			}
			if tt.wantErr != nil && tt.fault.RetryAfter > 0 {
				if ra, ok := errs.RetryAfter(err); !ok || ra != tt.fault.RetryAfter {
					t.Errorf("RetryAfter = %v, %v; want %v", ra, ok, tt.fault.RetryAfter)
				}
			}
		})
	}
}

// TestCreatesAreNotRetried checks that a throttled create comes back at once with its
// Retry-After, after exactly one request, and created nothing.
func TestCreatesAreNotRetried(t *testing.T) {
	tests := []struct {
		name  string
		route string
		call  func(c *Client, key string) error
	}{
		{"issue", "POST /rest/api/3/issue", func(c *Client, _ string) error {
			_, err := c.CreateIssue(context.Background(), mail.NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "again?"})
			return err
		}},
		{"comment", "POST /rest/api/3/issue/{key}/comment", func(c *Client, key string) error {
			_, err := c.AddComment(context.Background(), key, mail.NewComment{Body: adf.FromText("again?")})
			return err
		}},
		{"attachment", "POST /rest/api/3/issue/{key}/attachments", func(c *Client, key string) error {
			_, err := c.AddAttachment(context.Background(), key, "a.txt", "text/plain", strings.NewReader("again?"))
			return err
		}},
		{"watcher", "POST /rest/api/3/issue/{key}/watchers", func(c *Client, key string) error {
			return c.AddWatcher(context.Background(), key, aliceID)
		}},
	}
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		for _, tt := range tests {
			t.Run(tt.name+" "+http.StatusText(status), func(t *testing.T) {
				s := newSite(t, jiraemu.Options{})
				c, sl := s.client(t, botID)
				key := createIssue(t, c, "target")
				before, err := c.GetIssue(context.Background(), key, IssueOptions{Extra: []string{"comment", "attachment", "watches"}})
				if err != nil {
					t.Fatal(err)
				}
				s.emu.InjectFault(tt.route, jiraemu.Fault{Status: status, RetryAfter: 3 * time.Second, Times: 1})
				s.emu.ResetCallCounts()

				err = tt.call(c, key)
				var th *errs.Throttled
				if !errors.As(err, &th) || th.RetryAfter != 3*time.Second {
					t.Fatalf("got %v, want *errs.Throttled with RetryAfter 3s", err)
				}
				wantSentinel := map[int]error{429: errs.ErrThrottled, 503: errs.ErrUnavailable}[status]
				if !errors.Is(err, wantSentinel) {
					t.Errorf("%v does not wrap %v", err, wantSentinel)
				}
				if got := s.calls(tt.route); got != 1 {
					t.Errorf("requests = %d, want exactly 1", got)
				}
				if w := sl.recorded(); len(w) != 0 {
					t.Errorf("waited %v before giving up; a create must not wait or retry", w)
				}
				after, err := c.GetIssue(context.Background(), key, IssueOptions{Extra: []string{"comment", "attachment", "watches"}})
				if err != nil {
					t.Fatal(err)
				}
				if len(s.emu.IssueKeys()) != 1 || len(after.Comments) != len(before.Comments) ||
					len(after.Attachments) != len(before.Attachments) || after.WatchCount != before.WatchCount {
					t.Errorf("the refused create changed something: before %+v, after %+v", before, after)
				}
			})
		}
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID, func(cfg *Config) {
		cfg.Retry.Sleep = func(ctx context.Context, d time.Duration) error {
			return context.Canceled // the caller went away while waiting
		}
	})
	key := createIssue(t, c, "x")
	s.emu.InjectFault("GET /rest/api/3/issue/{key}", jiraemu.Fault{Status: 429, RetryAfter: time.Second, Fraction: 1})
	s.emu.ResetCallCounts()
	_, err := c.Issue(context.Background(), key)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errs.ErrThrottled) {
		t.Fatalf("got %v, want context.Canceled joined with the throttling", err)
	}
	if got := s.calls("GET /rest/api/3/issue/{key}"); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep with a cancelled context = %v", err)
	}
}

func TestRetryWait(t *testing.T) {
	r := Retry{Attempts: 10, Base: 100 * time.Millisecond, Max: 2 * time.Second}
	tests := []struct {
		name     string
		n        int
		ra       time.Duration
		lo, hi   time.Duration
		giveUp   bool
		attempts int
	}{
		{name: "Retry-After is a floor", n: 1, ra: time.Second, lo: time.Second, hi: 1200 * time.Millisecond},
		{name: "Retry-After at the cap", n: 1, ra: 2 * time.Second, lo: 2 * time.Second, hi: 2 * time.Second},
		{name: "Retry-After beyond the cap", n: 1, ra: 3 * time.Second, giveUp: true},
		{name: "first backoff", n: 1, lo: 50 * time.Millisecond, hi: 100 * time.Millisecond},
		{name: "third backoff", n: 3, lo: 200 * time.Millisecond, hi: 400 * time.Millisecond},
		{name: "backoff capped", n: 6, lo: time.Second, hi: 2 * time.Second},
		{name: "last attempt", n: 10, giveUp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 200 {
				d, ok := r.wait(tt.n, tt.ra)
				if ok == tt.giveUp {
					t.Fatalf("wait(%d, %v) ok = %v", tt.n, tt.ra, ok)
				}
				if ok && (d < tt.lo || d > tt.hi) {
					t.Fatalf("wait(%d, %v) = %v, want within [%v, %v]", tt.n, tt.ra, d, tt.lo, tt.hi)
				}
			}
		})
	}
	if d := (Retry{}).withDefaults(); d.Attempts != 4 || d.Base != 500*time.Millisecond || d.Max != 30*time.Second || d.Sleep == nil {
		t.Errorf("defaults = %+v", d)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"Sat, 01 Mar 2025 09:00:30 GMT", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 08:59:00 GMT", 0, true},
		{"99999999", 24 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := retryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
