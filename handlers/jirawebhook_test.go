package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/relay"
)

const testWebhookSecret = "webhook-secret-for-tests-0123"

// fakeRelayer records deliveries and answers what the test says.
type fakeRelayer struct {
	mu      sync.Mutex
	got     []relay.Delivery
	out     relay.Outcome
	err     error
	block   chan struct{} // when set, Deliver waits for it
	done    chan struct{} // closed after the first Deliver returns
	ctxErrs []error
}

func (f *fakeRelayer) Deliver(ctx context.Context, d relay.Delivery) (relay.Outcome, error) {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, d)
	f.ctxErrs = append(f.ctxErrs, ctx.Err())
	if f.done != nil {
		close(f.done)
		f.done = nil
	}
	return f.out, f.err
}

func (f *fakeRelayer) deliveries() []relay.Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]relay.Delivery(nil), f.got...)
}

func webhookServer(tb testing.TB, underHost bool, d RelayDeps) string {
	tb.Helper()
	impls := testImpls(&recorded{}, nil)
	impls[registry.FuncJiraWebhook] = Impl{Serve: JiraWebhookFunc(d)}
	return newTestServer(tb, underHost, impls, nil).URL
}

func readRelayFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "relay", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func problemDetail(tb testing.TB, body []byte) string {
	tb.Helper()
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		tb.Fatalf("not a problem document: %s", body)
	}
	return p.Detail
}

func TestJiraWebhookSignature(t *testing.T) {
	body := readRelayFixture(t, "comment-created.json")
	good := relay.Sign(testWebhookSecret, body)
	tests := []struct {
		name   string
		header []string
		body   []byte
		want   int
	}{
		{"valid", []string{relay.SignatureHeader, good}, body, http.StatusOK},
		{"missing", nil, body, http.StatusUnauthorized},
		{"wrong secret", []string{relay.SignatureHeader, relay.Sign("another-secret-0123456", body)}, body, http.StatusUnauthorized},
		{"not hex", []string{relay.SignatureHeader, "sha256=zz"}, body, http.StatusUnauthorized},
		{"other algorithm", []string{relay.SignatureHeader, strings.Replace(good, "sha256", "sha1", 1)}, body, http.StatusUnauthorized},
		{"body changed", []string{relay.SignatureHeader, good}, bytes.Replace(body, []byte("10042"), []byte("10043"), 1), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := &fakeRelayer{out: relay.Outcome{Result: relay.Relayed, Reason: "test"}}
			url := webhookServer(t, true, RelayDeps{Enabled: true, Secret: testWebhookSecret, Relay: fr})
			resp, got := post(t, url+"/api/jira/webhook", "application/json; charset=utf-8", tt.body, tt.header...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, got)
			}
			if tt.want == http.StatusUnauthorized {
				if n := len(fr.deliveries()); n != 0 {
					t.Errorf("%d deliveries relayed without a valid signature", n)
				}
				if strings.Contains(string(got), good) {
					t.Error("the answer shows the expected signature")
				}
			}
		})
	}
}

// The function is proxied, so the bytes it verifies are the bytes Jira signed, non-ASCII
// text and JSON escapes included.
func TestJiraWebhookVerifiesRawNonASCIIBody(t *testing.T) {
	body := readRelayFixture(t, "comment-created.json")
	if !bytes.Contains(body, []byte(`\u00e9`)) || !bytes.Contains(body, []byte("日本語")) {
		t.Fatal("fixture must carry raw UTF-8 and a JSON escape")
	}
	for _, f := range loadFunctions(t) {
		if f.Name == registry.FuncJiraWebhook && !f.Proxied() {
			t.Fatal("functions/JiraWebhook must have only an HTTP trigger and an HTTP output, or the host re-decodes the body")
		}
	}
	fr := &fakeRelayer{out: relay.Outcome{Result: relay.Relayed, Reason: "test"}}
	url := webhookServer(t, true, RelayDeps{Enabled: true, Secret: testWebhookSecret, Relay: fr})
	resp, got := post(t, url+"/api/jira/webhook", "application/json; charset=utf-8", body,
		relay.SignatureHeader, relay.Sign(testWebhookSecret, body), relay.IdentifierHeader, "a1b2c3d4e5f60718")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, got)
	}
	want := []relay.Delivery{{Event: "comment_created", IssueKey: "SUP-7", CommentID: "10042", Identifier: "a1b2c3d4e5f60718"}}
	if d := cmp.Diff(want, fr.deliveries()); d != "" {
		t.Errorf("deliveries (-want +got):\n%s", d)
	}
	var out relay.Outcome
	if err := json.Unmarshal(got, &out); err != nil || out.Result != relay.Relayed {
		t.Errorf("answer %s", got)
	}
}

// Through the invocation envelope the host hands over its own re-serialisation of a JSON
// body (escapes resolved, spacing changed), so a signature over Jira's bytes cannot be
// checked there: that is why JiraWebhook must stay a proxied function.
func TestEnvelopeWouldBreakWebhookSignature(t *testing.T) {
	raw := readRelayFixture(t, "comment-created.json")
	sig := relay.Sign(testWebhookSecret, raw)
	env := bytes.Replace(readRelayFixture(t, "envelope.json"), []byte("SIGNATURE"), []byte(sig), 1)
	inv, err := decodeEnvelope(env, "inv-1", registry.FuncJiraWebhook, registry.BindingHTTPIn)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(inv.Request.Body, raw) {
		t.Fatal("the envelope carried Jira's bytes unchanged; this test no longer shows the problem")
	}
	var a, b any
	if json.Unmarshal(inv.Request.Body, &a) != nil || json.Unmarshal(raw, &b) != nil || !cmp.Equal(a, b) {
		t.Fatal("the envelope body should be the same JSON value in other bytes")
	}
	err = relay.Verify(testWebhookSecret, inv.Request.Body, inv.Request.Header.Get(relay.SignatureHeader))
	if StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("verifying the re-decoded body: %v, want a signature mismatch", err)
	}
	if err := relay.Verify(testWebhookSecret, raw, sig); err != nil {
		t.Errorf("the raw bytes must verify: %v", err)
	}
}

func TestJiraWebhookOff(t *testing.T) {
	fr := &fakeRelayer{}
	url := webhookServer(t, false, RelayDeps{Enabled: false, Secret: testWebhookSecret, Relay: fr})
	body := readRelayFixture(t, "comment-created.json")
	resp, got := post(t, url+"/api/jira/webhook", "application/json", body, relay.SignatureHeader, relay.Sign(testWebhookSecret, body))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404: %s", resp.StatusCode, got)
	}
	if d := problemDetail(t, got); !strings.Contains(d, "JIRA_RELAY_ENABLED") {
		t.Errorf("detail %q does not say how to turn relaying on", d)
	}
	if len(fr.deliveries()) != 0 {
		t.Error("relayed while off")
	}
}

func TestJiraWebhookAnswers(t *testing.T) {
	body := readRelayFixture(t, "comment-created.json")
	sig := relay.Sign(testWebhookSecret, body)
	tests := []struct {
		name string
		err  error
		body []byte
		want int
	}{
		{"transient failure lets Jira retry", errs.ErrUnavailable, body, http.StatusServiceUnavailable},
		{"another worker has it", errs.ErrConflict, body, http.StatusAccepted},
		{"not a Jira event", nil, []byte(`{"hello":"world"}`), http.StatusBadRequest},
		{"not JSON", nil, []byte(`<xml/>`), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fr := &fakeRelayer{err: tt.err}
			url := webhookServer(t, true, RelayDeps{Enabled: true, Secret: testWebhookSecret, Relay: fr})
			s := sig
			if !bytes.Equal(tt.body, body) {
				s = relay.Sign(testWebhookSecret, tt.body)
			}
			resp, got := post(t, url+"/api/jira/webhook", "application/json", tt.body, relay.SignatureHeader, s)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, got)
			}
		})
	}
}

// A relay slower than the budget is answered 202 and goes on after the answer, with a
// context the finished request does not cancel.
func TestJiraWebhookSlowRelayContinues(t *testing.T) {
	body := readRelayFixture(t, "comment-created.json")
	fr := &fakeRelayer{block: make(chan struct{}), done: make(chan struct{}), out: relay.Outcome{Result: relay.Relayed}}
	done := fr.done
	url := webhookServer(t, true, RelayDeps{Enabled: true, Secret: testWebhookSecret, Relay: fr, Budget: time.Millisecond})
	resp, got := post(t, url+"/api/jira/webhook", "application/json", body, relay.SignatureHeader, relay.Sign(testWebhookSecret, body))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("status %d, want 202: %s", resp.StatusCode, got)
	}
	close(fr.block)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the relay did not finish after the answer")
	}
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if len(fr.ctxErrs) != 1 || fr.ctxErrs[0] != nil {
		t.Errorf("relay context errors %v, want one live context", fr.ctxErrs)
	}
}
