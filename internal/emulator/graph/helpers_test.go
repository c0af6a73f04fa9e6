package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

const (
	support = "support@contoso.test"
	alice   = "alice@fabrikam.test"
)

// harness runs an emulator on a loopback server with one or two mailboxes.
type harness struct {
	t   testing.TB
	e   *Emulator
	srv *httptest.Server
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	e := New(opts)
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		e.Close()
	})
	e.AddMailbox(support, "Support")
	e.AddMailbox(alice, "Alice")
	return &harness{t: t, e: e, srv: srv}
}

// do sends a request with a bearer token; extra headers come as name, value pairs.
func (h *harness) do(method, path string, body any, hdr ...string) (*http.Response, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = h.srv.URL + path
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp, b
}

// obj sends a request, checks the status and decodes a JSON object answer.
func (h *harness) obj(method, path string, body any, want int, hdr ...string) map[string]any {
	h.t.Helper()
	resp, b := h.do(method, path, body, hdr...)
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return out
}

// errCode returns error.code of a Graph error body.
func errCode(t testing.TB, b []byte) string {
	t.Helper()
	var body struct {
		Error struct {
			Code       string         `json:"code"`
			Message    string         `json:"message"`
			InnerError map[string]any `json:"innerError"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &body); err != nil || body.Error.Message == "" || body.Error.InnerError["request-id"] == nil {
		t.Fatalf("not a Graph error body: %s", b)
	}
	return body.Error.Code
}

// deliver stores a simple mail in a mailbox.
func (h *harness) deliver(to string, m *eml.Message, d Delivery) Delivered {
	h.t.Helper()
	got, err := h.e.Deliver(to, m, d)
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}

func mail(from, to, subject string) *eml.Message {
	return &eml.Message{
		MessageID:  "<" + newGUID() + "@fabrikam.test>",
		Subject:    subject,
		From:       &eml.Address{Name: "Sender", Address: from},
		To:         []eml.Address{{Address: to}},
		Date:       time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC),
		Headers:    []eml.Header{{Name: "Subject", Value: subject}, {Name: "X-Custom", Value: "1"}},
		TextBody:   "Hello\n\n> quoted history",
		HTMLBody:   "<p>Hello</p><blockquote>quoted history</blockquote>",
		UniqueHTML: "<p>Hello</p>",
		UniqueText: "Hello",
	}
}

func values(t testing.TB, o map[string]any) []map[string]any {
	t.Helper()
	raw, ok := o["value"].([]any)
	if !ok {
		t.Fatalf("no value array in %v", o)
	}
	var out []map[string]any
	for _, v := range raw {
		out = append(out, v.(map[string]any))
	}
	return out
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// eventually waits (generously) until cond holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
