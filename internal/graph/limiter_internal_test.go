package graph

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestReserveSlidingWindow(t *testing.T) {
	lim := Limits{Concurrent: 4, Requests: 3, Window: 10 * time.Second}
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	steps := []struct {
		at   float64
		want time.Duration // 0: admitted
	}{
		{0, 0}, {1, 0}, {2, 0},
		{3, 7 * time.Second}, // three started in the last 10s: wait until the first leaves
		{9.5, 500 * time.Millisecond},
		{10, 0},                        // the request at 0 left the window
		{10.5, 500 * time.Millisecond}, // now the one at 1 is the oldest
		{11, 0}, {12, 0},
		{12, 8 * time.Second},
	}
	b := &box{}
	for i, s := range steps {
		if got := b.reserve(at(s.at), lim); got != s.want {
			t.Errorf("step %d at %.1fs: wait %s, want %s", i, s.at, got, s.want)
		}
	}
}

func TestReservePause(t *testing.T) {
	lim := Limits{Concurrent: 4, Requests: 100, Window: time.Minute}
	t0 := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	b := &box{paused: t0.Add(3 * time.Second)}
	if got := b.reserve(t0, lim); got != 3*time.Second {
		t.Errorf("paused: wait %s, want 3s", got)
	}
	if got := b.reserve(t0.Add(3*time.Second), lim); got != 0 {
		t.Errorf("after the pause: wait %s, want 0", got)
	}
	if len(b.starts) != 1 {
		t.Errorf("a refused reservation was counted: %d starts", len(b.starts))
	}
}

func TestLimiterPauseKeepsTheLatest(t *testing.T) {
	l := NewLimiter(Limits{})
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	l.Pause("Support@Contoso.test", 5*time.Second)
	l.Pause("support@contoso.test", time.Second)
	if got := l.box("SUPPORT@contoso.test").paused; !got.Equal(now.Add(5 * time.Second)) {
		t.Errorf("paused until %s, want the later pause", got)
	}
	if d := GraphLimits(); l.limits != d {
		t.Errorf("zero limits = %+v, want Graph's %+v", l.limits, d)
	}
}

// TestAcquireBoundsConcurrency counts holders; it waits on events, not on time.
func TestAcquireBoundsConcurrency(t *testing.T) {
	l := NewLimiter(Limits{Concurrent: 4, Requests: 1000, Window: time.Minute})
	var mu sync.Mutex
	active, peak := 0, 0
	gate, full := make(chan struct{}), sync.Once{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			release, err := l.Acquire(context.Background(), "a@x.test")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			active++
			peak = max(peak, active)
			if active == 4 {
				full.Do(func() { close(gate) })
			}
			mu.Unlock()
			<-gate // the first holders stay until four hold at once: an unbounded limiter would let all 40 in
			mu.Lock()
			active--
			mu.Unlock()
			release()
			release() // a second release is harmless
		})
	}
	wg.Wait()
	if peak != 4 {
		t.Errorf("peak %d holders, want 4", peak)
	}
	if n := l.InFlight("a@x.test"); n != 0 {
		t.Errorf("in flight after all released: %d", n)
	}
	// Other mailboxes have budgets of their own.
	var releases []func()
	for range 4 {
		r, err := l.Acquire(context.Background(), "b@x.test")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, r)
	}
	if r, err := l.Acquire(context.Background(), "c@x.test"); err != nil {
		t.Fatal(err)
	} else {
		r()
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Acquire(ctx, "b@x.test"); err == nil {
		t.Error("a fifth request started while four were in flight")
	}
	for _, r := range releases {
		r()
	}
}

func TestShared(t *testing.T) {
	if Shared() != Shared() {
		t.Error("Shared returned two limiters")
	}
}

func TestInstanceDiscoveryAndResource(t *testing.T) {
	tests := []struct {
		authority, base string
		off             bool
		resource        string
	}{
		{"https://login.microsoftonline.com/", "https://graph.microsoft.com/v1.0", false, "https://graph.microsoft.com"},
		{"https://login.microsoftonline.us/", "https://graph.microsoft.us/v1.0", false, "https://graph.microsoft.us"},
		{"https://login.microsoftonline.us/", "https://dod-graph.microsoft.us/v1.0", false, "https://dod-graph.microsoft.us"},
		{"https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn/v1.0", false, "https://microsoftgraph.chinacloudapi.cn"},
		{"https://127.0.0.1:8443/", "http://127.0.0.1:8080/v1.0", true, "https://graph.microsoft.com"},
		{"https://adfs.contoso.example/adfs/", "https://graph.microsoft.com/v1.0", true, "https://graph.microsoft.com"},
	}
	for _, tt := range tests {
		t.Run(tt.authority+" "+tt.base, func(t *testing.T) {
			if got := instanceDiscoveryOff(tt.authority); got != tt.off {
				t.Errorf("instance discovery off = %v, want %v", got, tt.off)
			}
			u, _ := url.Parse(tt.base)
			if got := resourceFor(u); got != tt.resource {
				t.Errorf("resource = %q, want %q", got, tt.resource)
			}
		})
	}
}

func TestDecodeMaybeBase64(t *testing.T) {
	pem := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	bin := []byte{0x30, 0x82, 0x01, 0xff, 0x00}
	tests := map[string]struct{ in, want []byte }{
		"raw PEM":              {pem, pem},
		"base64 PEM":           {[]byte(base64.StdEncoding.EncodeToString(pem)), pem},
		"base64 with newlines": {[]byte(wrap(base64.StdEncoding.EncodeToString(bin))), bin},
		"raw binary":           {bin, bin},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decodeMaybeBase64(tt.in)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func wrap(s string) string {
	out := ""
	for len(s) > 4 {
		out += s[:4] + "\n"
		s = s[4:]
	}
	return out + s
}

func TestRetryAfterAndMailboxOf(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for v, want := range map[string]time.Duration{"": 0, "7": 7 * time.Second, "0": 0, "soon": 0, "-3": 0} {
		if got := retryAfter(http.Header{"Retry-After": {v}}); got != want {
			t.Errorf("Retry-After %q = %s, want %s", v, got, want)
		}
	}
	if got := retryAfter(http.Header{"Retry-After": {date}}); got < 60*time.Second || got > 90*time.Second {
		t.Errorf("Retry-After as a date = %s, want about 90s", got)
	}
	paths := map[string]string{
		"/v1.0/users/support%40contoso.test/messages/delta":       "support@contoso.test",
		"/v1.0/users/a@b.test/mailFolders/inbox/messages?$skip=5": "a@b.test",
		"/v1.0/subscriptions/123":                                 "",
	}
	for p, want := range paths {
		u, _ := url.Parse("http://127.0.0.1" + p)
		r := &http.Request{URL: u}
		r = r.WithContext(context.Background())
		if got := mailboxOf(r); got != want {
			t.Errorf("mailbox of %s = %q, want %q", p, got, want)
		}
	}
	r := (&http.Request{URL: &url.URL{Path: "/v1.0/subscriptions"}}).WithContext(withMailbox(context.Background(), "x@y.test"))
	if got := mailboxOf(r); got != "x@y.test" {
		t.Errorf("tagged context: %q", got)
	}
}
