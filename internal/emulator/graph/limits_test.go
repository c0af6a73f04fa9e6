package graphemu

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestInjectedFaults(t *testing.T) {
	h := newHarness(t, Options{})
	list := func(mb string) string { return "/v1.0/users/" + mb + "/mailFolders/inbox/messages" }
	h.e.InjectFault(RouteMessageList, Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	h.e.InjectFault(RouteMessageGet, Fault{Status: 503, Mailbox: alice})
	for i, want := range []int{429, 429, 200} {
		resp, b := h.do(http.MethodGet, list(support), nil)
		if resp.StatusCode != want {
			t.Fatalf("call %d: %d, want %d", i, resp.StatusCode, want)
		}
		if want == 429 && (resp.Header.Get("Retry-After") != "2" || errCode(t, b) != "TooManyRequests") {
			t.Errorf("call %d: Retry-After %q, body %s", i, resp.Header.Get("Retry-After"), b)
		}
	}
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+alice+"/messages/x", nil); resp.StatusCode != 503 {
		t.Errorf("mailbox fault: %d", resp.StatusCode)
	}
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/messages/x", nil); resp.StatusCode != 404 {
		t.Errorf("other mailbox: %d, want 404", resp.StatusCode)
	}
	st := h.e.Stats()
	if st.Throttled != 2 || st.Faults != 3 || st.Calls[RouteMessageList] != 3 || st.MailboxCalls[support] != 4 {
		t.Errorf("stats = %+v", st)
	}
	h.e.ClearFaults()
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+alice+"/messages/x", nil); resp.StatusCode != 404 {
		t.Errorf("after clear: %d", resp.StatusCode)
	}
}

func TestFractionalFaultsAreSeeded(t *testing.T) {
	run := func() []int {
		h := newHarness(t, Options{Seed: 42})
		h.e.InjectFault(RouteAny, Fault{Status: 429, Fraction: 0.2})
		var out []int
		for range 50 {
			resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders", nil)
			out = append(out, resp.StatusCode)
		}
		return out
	}
	a, b := run(), run()
	hits := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d differs between runs with one seed", i)
		}
		if a[i] == 429 {
			hits++
		}
	}
	if hits == 0 || hits == 50 {
		t.Errorf("fraction 0.2 hit %d of 50 calls", hits)
	}
}

func TestMailboxConcurrencyLimit(t *testing.T) {
	h := newHarness(t, Options{Latency: time.Second, Limits: &Limits{Concurrent: 2}})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders", nil); resp.StatusCode != 200 {
				t.Errorf("admitted call: %d", resp.StatusCode)
			}
		})
	}
	eventually(t, "two calls in flight", func() bool { return h.e.Stats().MaxConcurrent[support] == 2 })
	resp, b := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders", nil)
	if resp.StatusCode != 429 || errCode(t, b) != "ApplicationThrottled" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third concurrent call: %d %s", resp.StatusCode, b)
	}
	wg.Wait()
	if st := h.e.Stats(); st.Throttled != 1 || st.MaxConcurrent[support] != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestMailboxRateLimit(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	h := newHarness(t, Options{Now: func() time.Time { return now }})
	h.e.SetLimits(&Limits{Requests: 3, Window: 10 * time.Minute})
	path := "/v1.0/users/" + support + "/mailFolders"
	for i := range 3 {
		if resp, _ := h.do(http.MethodGet, path, nil); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d", i, resp.StatusCode)
		}
	}
	now = now.Add(4 * time.Minute)
	resp, _ := h.do(http.MethodGet, path, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "360" {
		t.Errorf("over the rate: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+alice+"/mailFolders", nil); resp.StatusCode != 200 {
		t.Errorf("other mailbox throttled: %d", resp.StatusCode)
	}
	now = now.Add(6 * time.Minute)
	if resp, _ := h.do(http.MethodGet, path, nil); resp.StatusCode != 200 {
		t.Errorf("after the window: %d", resp.StatusCode)
	}
	h.e.SetLimits(nil)
	for range 5 {
		if resp, _ := h.do(http.MethodGet, path, nil); resp.StatusCode != 200 {
			t.Fatalf("limits off: %d", resp.StatusCode)
		}
	}
}
