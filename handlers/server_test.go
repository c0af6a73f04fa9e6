package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/registry"
)

func get(tb testing.TB, url string, header ...string) (*http.Response, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStandaloneRoutes(t *testing.T) {
	var mu sync.Mutex
	var queued []string
	enqueue := func(_ context.Context, queue string, msgs []json.RawMessage) error {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range msgs {
			queued = append(queued, queue+" "+string(m))
		}
		return nil
	}
	ts := newTestServer(t, false, testImpls(&recorded{}, nil), enqueue)
	key := "test-key-0123456789"
	tests := []struct {
		name       string
		method     string
		path       string
		header     []string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"health is anonymous", "GET", "/api/health", nil, "", 200, `"mode":"standalone"`},
		{"validation handshake", "POST", "/api/graph/notifications?validationToken=abc%3Cdef", nil, "", 200, "abc<def"},
		{"notification is queued", "POST", "/api/graph/notifications", nil, `{"value":[{"resource":"r1"},{"resource":"r2"}]}`, 202, ""},
		{"bad notification is 400", "POST", "/api/graph/notifications", nil, `nope`, 400, `"detail":"the notification body is not JSON"`},
		{"tickets need a key", "GET", "/api/tickets", nil, "", 401, "x-functions-key"},
		{"wrong key", "GET", "/api/tickets?code=wrong", nil, "", 401, "Unauthorized"},
		{"key in header reaches the function", "GET", "/api/tickets/ABC-1", []string{"x-functions-key", key}, "", 501, "issue 7"},
		{"key in code reaches the function", "GET", "/api/tickets?code=" + key, nil, "", 501, "not implemented yet"},
		{"no envelope routes standalone", "POST", "/" + registry.FuncProcessMail, nil, "{}", 404, ""},
		{"webhook pending is 501", "POST", "/api/jira/webhook", nil, "{}", 501, "issue 8"},
		{"method not allowed", "DELETE", "/api/health", nil, "", 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, strings.NewReader(tt.body))
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(b), tt.wantBody) {
				t.Errorf("%s %s = %d %s, want %d containing %q", tt.method, tt.path, resp.StatusCode, b, tt.wantStatus, tt.wantBody)
			}
		})
	}
	want := []string{`mail-messages {"kind":"mail","resource":"r1"}`, `mail-messages {"kind":"mail","resource":"r2"}`}
	if strings.Join(queued, "\n") != strings.Join(want, "\n") {
		t.Errorf("queued %q, want %q", queued, want)
	}
}

// When the work cannot be queued the notification must not be acknowledged.
func TestStandaloneEnqueueFailureIsNotAcknowledged(t *testing.T) {
	full := func(context.Context, string, []json.RawMessage) error {
		return &errs.Throttled{Op: "enqueue", RetryAfter: 5e9, Err: errs.ErrUnavailable}
	}
	ts := newTestServer(t, false, testImpls(&recorded{}, nil), full)
	resp, body := post(t, ts.URL+"/api/graph/notifications", "application/json", []byte(`{"value":[{"resource":"r"}]}`))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("status %d retry-after %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestHealthReportsEachDependency(t *testing.T) {
	impls := testImpls(&recorded{}, nil)
	impls[registry.FuncHealth] = Impl{Serve: health("standalone", []Check{
		{Name: "storage", Run: func(context.Context) error { return nil }},
		{Name: "jira", Run: func(context.Context) error {
			return errors.New("401 for token jira-secret-token: " + errs.ErrUnauthorized.Error())
		}},
	})}
	ts := newTestServer(t, false, impls, nil)
	resp, body := get(t, ts.URL+"/api/health")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d", resp.StatusCode)
	}
	for _, want := range []string{`"status":"degraded"`, `{"name":"storage","status":"ok"`, `{"name":"jira","status":"failing","reason":"Internal Server Error"`} {
		if !strings.Contains(body, want) {
			t.Errorf("health body lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, "jira-secret-token") {
		t.Errorf("health leaks error text: %s", body)
	}
}

// TestFunctionsMatchCode checks functions/*/function.json against the registry and the
// implementations: one source of truth for names, routes, queues and schedules.
func TestFunctionsMatchCode(t *testing.T) {
	funcs := loadFunctions(t)
	impls := Impls(Deps{})
	if len(funcs) != len(impls) {
		t.Errorf("%d function.json files, %d implementations", len(funcs), len(impls))
	}
	if _, err := NewServer(Options{Functions: funcs, Impls: impls}); err != nil {
		t.Fatal(err)
	}
	for _, f := range funcs {
		t.Run(f.Name, func(t *testing.T) { checkBindings(t, f) })
	}
}

func checkBindings(t *testing.T, f hostmeta.Function) {
	for _, b := range f.Bindings {
		switch b.Type {
		case "httpTrigger":
			if b.Name != registry.BindingHTTPIn || b.Route == "" || len(b.Methods) == 0 {
				t.Errorf("http trigger must be named %q with a route and methods: %+v", registry.BindingHTTPIn, b)
			}
			if b.AuthLevel != "anonymous" && b.AuthLevel != "function" && b.AuthLevel != "admin" {
				t.Errorf("authLevel %q", b.AuthLevel)
			}
		case "http":
			if b.Name != registry.BindingHTTPOut {
				t.Errorf("http output must be named %q", registry.BindingHTTPOut)
			}
		case "queue", "queueTrigger":
			want := map[string]string{"queue": registry.BindingQueueOut, "queueTrigger": registry.BindingQueueIn}[b.Type]
			if b.Name != want || b.QueueName != registry.QueueMail || b.Connection != "AzureWebJobsStorage" {
				t.Errorf("queue binding: %+v", b)
			}
		case "timerTrigger":
			name, ok := hostmeta.Setting(b.Schedule)
			if _, known := registry.Lookup(name); !ok || !known || b.Name != registry.BindingTimer {
				t.Errorf("timer schedule %q must reference a registry setting as %%NAME%%", b.Schedule)
			}
		default:
			t.Errorf("unexpected binding type %q", b.Type)
		}
	}
}
