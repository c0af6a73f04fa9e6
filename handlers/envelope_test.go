package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// loadFunctions reads the real functions/*/function.json files.
func loadFunctions(tb testing.TB) []hostmeta.Function {
	tb.Helper()
	funcs, err := hostmeta.Load(os.DirFS(".."))
	if err != nil {
		tb.Fatal(err)
	}
	return funcs
}

// recorded keeps what the fake functions saw.
type recorded struct {
	mu  sync.Mutex
	inv []*Invocation
}

func (r *recorded) add(inv *Invocation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inv = append(r.inv, inv)
}

// echoNotifications is a fake notification function: it answers the validation handshake and
// turns each notification into one queue message.
func echoNotifications(ctx context.Context, inv *Invocation) (*Result, error) {
	if tok := inv.Request.URL.Query().Get("validationToken"); tok != "" {
		return &Result{Response: &Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, Body: []byte(tok)}}, nil
	}
	var body struct {
		Value []struct {
			Resource string `json:"resource"`
		} `json:"value"`
	}
	if err := json.Unmarshal(inv.Request.Body, &body); err != nil {
		return nil, errs.WithPublic(errs.ErrInvalid, "the notification body is not JSON")
	}
	res := &Result{Response: &Response{Status: http.StatusAccepted}}
	for _, v := range body.Value {
		m, _ := json.Marshal(map[string]string{"kind": "mail", "resource": v.Resource})
		res.Messages = append(res.Messages, m)
	}
	return res, nil
}

// testImpls replaces the real implementations with fakes that record what they receive.
func testImpls(rec *recorded, fail error) map[string]Impl {
	impls := Impls(Deps{})
	record := func(ctx context.Context, inv *Invocation) (*Result, error) {
		rec.add(inv)
		return nil, fail
	}
	impls[registry.FuncGraphNotifications] = Impl{Invoke: echoNotifications}
	impls[registry.FuncProcessMail] = Impl{Invoke: record}
	impls[registry.FuncSweep] = Impl{Invoke: record}
	return impls
}

func newTestServer(tb testing.TB, underHost bool, impls map[string]Impl, enqueue func(context.Context, string, []json.RawMessage) error) *httptest.Server {
	tb.Helper()
	s, err := NewServer(Options{
		UnderHost: underHost, Functions: loadFunctions(tb), Impls: impls,
		APIKeys: []string{"test-key-0123456789"}, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Enqueue: enqueue,
	})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return ts
}

func post(tb testing.TB, url, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestEnvelopeContract posts envelopes exactly as the Functions host sends them and compares
// the answers byte for byte with what the host must receive.
func TestEnvelopeContract(t *testing.T) {
	tests := []struct {
		fixture, function string
	}{
		{"timer", registry.FuncSweep},
		{"queue", registry.FuncProcessMail},
		{"http-query-object", registry.FuncGraphNotifications},
		{"http-query-string", registry.FuncGraphNotifications},
		{"http-bad-body", registry.FuncGraphNotifications},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ts := newTestServer(t, true, testImpls(&recorded{}, nil), nil)
			in, err := os.ReadFile(filepath.Join("testdata", "envelopes", tt.fixture+".json"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("testdata", "envelopes", tt.fixture+".want.json"))
			if err != nil {
				t.Fatal(err)
			}
			resp, got := post(t, ts.URL+"/"+tt.function, "application/json", in, "X-Azure-Functions-InvocationId", "3f5e7a1c-0000-4000-8000-000000000001")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			if resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("content type %q", resp.Header.Get("Content-Type"))
			}
			if d := cmp.Diff(string(bytes.TrimSpace(want)), string(got)); d != "" {
				t.Errorf("answer (-want +got):\n%s", d)
			}
		})
	}
}

func TestEnvelopeDecodesTriggers(t *testing.T) {
	rec := &recorded{}
	ts := newTestServer(t, true, testImpls(rec, nil), nil)
	for _, f := range []struct{ fixture, function string }{{"queue", registry.FuncProcessMail}, {"timer", registry.FuncSweep}} {
		in, _ := os.ReadFile(filepath.Join("testdata", "envelopes", f.fixture+".json"))
		post(t, ts.URL+"/"+f.function, "application/json", in, "X-Azure-Functions-InvocationId", "inv-"+f.fixture)
	}
	if len(rec.inv) != 2 {
		t.Fatalf("got %d invocations", len(rec.inv))
	}
	q, tm := rec.inv[0], rec.inv[1]
	wantMsg := `{"kind":"mail","mailbox":"support@contoso.example","messageId":"AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AR5KMgWJ6B0mYm5Uu6k5Y8AAAAABiPAAA="}`
	if string(q.Message) != wantMsg || q.DequeueCount != 3 || q.ID != "inv-queue" {
		t.Errorf("queue invocation: message %s, dequeue %d, id %q", q.Message, q.DequeueCount, q.ID)
	}
	wantNext := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	if !tm.Timer.IsPastDue || !tm.Timer.Next.Equal(wantNext) {
		t.Errorf("timer invocation: %+v", tm.Timer)
	}
}

// A failing non-HTTP function must fail the invocation (non-2xx) so the host retries it.
func TestEnvelopeFailureFailsInvocation(t *testing.T) {
	ts := newTestServer(t, true, testImpls(&recorded{}, errs.ErrUnavailable), nil)
	in, _ := os.ReadFile(filepath.Join("testdata", "envelopes", "queue.json"))
	resp, body := post(t, ts.URL+"/"+registry.FuncProcessMail, "application/json", in)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503: %s", resp.StatusCode, body)
	}
	resp, _ = post(t, ts.URL+"/"+registry.FuncProcessMail, "application/json", []byte(`{"Data":`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed envelope: status %d, want 400", resp.StatusCode)
	}
}

func TestUnwrap(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{`"{\"a\":1}"`, `{"a":1}`},
		{`"\"{\\\"a\\\":1}\""`, `{"a":1}`},
		{`"\"hello\""`, `"hello"`},
		{`"hello"`, `"hello"`},
		{`"3"`, `3`},
	}
	for _, tt := range tests {
		if got := string(unwrap(json.RawMessage(tt.in))); got != tt.want {
			t.Errorf("unwrap(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
