package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/store"
)

const fixtureSub = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07"

// storeFixtureSubscription stores the subscription the fixtures name, with its secret.
func storeFixtureSubscription(tb testing.TB, e *e2e, secret string) {
	tb.Helper()
	_, err := e.st.PutSubscription(context.Background(), store.Subscription{Mailbox: supportBox, Folder: ingest.FolderInbox,
		ID: fixtureSub, ClientState: secret, Status: ingest.StatusActive, Expires: time.Now().Add(time.Hour)})
	if err != nil {
		tb.Fatal(err)
	}
}

func notification(subID, secret string) string {
	return `{"value":[{"subscriptionId":"` + subID + `","clientState":"` + secret + `","changeType":"created","resource":"Users/x/Messages/AAMk1","resourceData":{"id":"AAMk1"}}]}`
}

// TestNotificationInput posts what Graph (or an attacker) may send to both Graph URLs in
// standalone mode: the answers and what gets queued.
func TestNotificationInput(t *testing.T) {
	e := newE2E(t, true)
	storeFixtureSubscription(t, e, "the-secret")
	script := "<script>alert(1)</script> Validation: Testing"
	tests := []struct {
		name       string
		path       string
		body       string
		wantStatus int
		wantBody   string
		wantQueued int
	}{
		{"handshake on the notification URL", "/api/graph/notifications?validationToken=" + url.QueryEscape(script), "", 200, script, 0},
		{"handshake on the lifecycle URL", "/api/graph/lifecycle?validationToken=" + url.QueryEscape(script), "", 200, script, 0},
		{"empty token", "/api/graph/notifications?validationToken=", "", 400, "validationToken", 0},
		{"valid notification", "/api/graph/notifications", notification(fixtureSub, "the-secret"), 202, "", 1},
		{"replayed notification", "/api/graph/notifications", notification(fixtureSub, "the-secret"), 202, "", 0},
		{"wrong clientState", "/api/graph/notifications", notification(fixtureSub, "the-secreT"), 202, "", 0},
		{"unknown subscription", "/api/graph/notifications", notification("no-such-sub", "the-secret"), 202, "", 0},
		{"non-JSON", "/api/graph/notifications", "hello", 400, "not JSON", 0},
		{"non-JSON lifecycle", "/api/graph/lifecycle", "[1,2]", 400, "not JSON", 0},
		{"2 MB body", "/api/graph/notifications", `{"value":[],"x":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "exceeds", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.queuedIDs())
			resp, body := post(t, e.url+tt.path, "application/json", []byte(tt.body))
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 200 && (resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
				t.Errorf("handshake headers %v", resp.Header)
			}
			if got := len(e.queuedIDs()) - before; got != tt.wantQueued {
				t.Errorf("queued %d, want %d", got, tt.wantQueued)
			}
		})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if m := e.queued[0]; m.Mailbox != supportBox || m.Folder != ingest.FolderInbox || m.MessageID != "AAMk1" || m.SubscriptionID != fixtureSub {
		t.Errorf("queued %+v", m)
	}
}

// TestNotificationEnvelopes posts the host's envelopes: the notification becomes a queue
// output next to a 202, and the handshake answers the token as text in the HTTP output.
func TestNotificationEnvelopes(t *testing.T) {
	e := newE2E(t, true)
	storeFixtureSubscription(t, e, "fixture-secret")
	host, err := NewServer(Options{UnderHost: true, Functions: loadFunctions(t), Impls: Impls(Deps{Ingest: e.in}), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(host)
	defer ts.Close()
	tests := []struct {
		fixture, function string
		wantStatus        int
		wantBody          string
		wantQueued        string
	}{
		{"notification-envelope.json", "GraphNotifications", 202, "", `"messageId":"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AUEX5hn8="`},
		{"validation-envelope.json", "GraphLifecycle", 200, "<script>alert(1)</script> Validation: Testing", ""},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/ingest/" + tt.fixture)
			if err != nil {
				t.Fatal(err)
			}
			raw = bytes.ReplaceAll(raw, []byte("CLIENTSTATE"), []byte("fixture-secret"))
			resp, body := post(t, ts.URL+"/"+tt.function, "application/json", raw)
			var out struct {
				Outputs struct {
					Res struct {
						StatusCode int               `json:"statusCode"`
						Body       string            `json:"body"`
						Headers    map[string]string `json:"headers"`
					} `json:"res"`
					Outqueue []json.RawMessage `json:"outqueue"`
				}
			}
			if err := json.Unmarshal(body, &out); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
			}
			if out.Outputs.Res.StatusCode != tt.wantStatus || out.Outputs.Res.Body != tt.wantBody {
				t.Errorf("HTTP output %+v", out.Outputs.Res)
			}
			if tt.wantQueued == "" && len(out.Outputs.Outqueue) != 0 || tt.wantQueued != "" && (len(out.Outputs.Outqueue) != 1 || !strings.Contains(string(out.Outputs.Outqueue[0]), tt.wantQueued)) {
				t.Errorf("queue output %s", out.Outputs.Outqueue)
			}
		})
	}
}

// BenchmarkNotification measures one notification through the standalone server: the
// path has no Graph or Jira call and no storage write.
func BenchmarkNotification(b *testing.B) {
	e := newE2E(b, true)
	storeFixtureSubscription(b, e, "the-secret")
	body := []byte(notification(fixtureSub, "the-secret"))
	for b.Loop() {
		resp, _ := post(b, e.url+"/api/graph/notifications", "application/json", body)
		if resp.StatusCode != http.StatusAccepted {
			b.Fatal(resp.Status)
		}
	}
}
