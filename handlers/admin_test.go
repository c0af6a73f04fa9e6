package handlers

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestOpsFunctions(t *testing.T) {
	e := newE2E(t, false)
	want := e.deliver(t, 4)
	key := []string{"x-functions-key", "test-key-0123456789"}
	tests := []struct {
		name       string
		method     string
		path       string
		header     []string
		wantStatus int
		wantBody   string
	}{
		{"sweep needs the admin key", "POST", "/api/ops/sweep?days=2", nil, 401, "x-functions-key"},
		{"bad days", "POST", "/api/ops/sweep?days=0", key, 400, "days must be"},
		{"sweep --days 2", "POST", "/api/ops/sweep?days=2", key, 200, `"seen":4,"enqueued":4`},
		{"sweep again finds them waiting", "POST", "/api/ops/sweep?days=2", key, 200, `"waiting":4`},
		{"log of what is enqueued", "GET", "/api/ops/log?since=1h&outcome=enqueued", key, 200, `"subject":"help 0"`},
		{"log with a bad outcome", "GET", "/api/ops/log?outcome=lost", key, 400, "outcome must be one of"},
		{"log with a bad since", "GET", "/api/ops/log?since=yesterday", key, 400, "since must be"},
		{"check", "GET", "/api/ops/check", key, 200, `"name":"storage reachable","ok":true`},
		{"check needs the key", "GET", "/api/ops/check", nil, 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.method == "GET" {
				resp, b := get(t, e.url+tt.path, tt.header...)
				status, body = resp.StatusCode, b
			} else {
				resp, b := post(t, e.url+tt.path, "application/json", nil, tt.header...)
				status, body = resp.StatusCode, string(b)
			}
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if got := e.queuedIDs(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("queued %v, want %v", got, want)
	}
	var res struct{ Entries []json.RawMessage }
	_, body := get(t, e.url+"/api/ops/log?since=1h", key...)
	if err := json.Unmarshal([]byte(body), &res); err != nil || len(res.Entries) != 4 {
		t.Errorf("log: %s, %v", body, err)
	}
}
