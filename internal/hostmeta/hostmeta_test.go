package hostmeta

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestMuxPatterns(t *testing.T) {
	tests := []struct {
		route string
		want  []string
	}{
		{"health", []string{"/api/health"}},
		{"tickets/{*path}", []string{"/api/tickets", "/api/tickets/{path...}"}},
		{"tickets/{key:regex(^[A-Z]+-\\d+$)}/comments", []string{"/api/tickets/{key}/comments"}},
		{"items/{id?}", []string{"/api/items/{id}"}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, MuxPatterns("api", tt.route)); d != "" {
			t.Errorf("MuxPatterns(%q) (-want +got):\n%s", tt.route, d)
		}
	}
}

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"functions/A/function.json": {Data: []byte(`{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","route":"a"},{"type":"http","direction":"out","name":"res"}]}`)},
		"functions/B/function.json": {Data: []byte(`{"bindings":[{"type":"httpTrigger","direction":"in","name":"req"},{"type":"http","direction":"out","name":"res"},{"type":"queue","direction":"out","name":"q","queueName":"x"}]}`)},
	}
	funcs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(funcs) != 2 || funcs[0].Name != "A" || !funcs[0].Proxied() || funcs[1].Proxied() {
		t.Fatalf("funcs = %+v", funcs)
	}
	if q, ok := funcs[1].Output("queue"); !ok || q.QueueName != "x" {
		t.Errorf("queue output = %+v", q)
	}
	bad := fstest.MapFS{"functions/C/function.json": {Data: []byte(`{"bindings":[{"type":"http","direction":"out"}]}`)}}
	if _, err := Load(bad); err == nil {
		t.Error("a function without a trigger was accepted")
	}
	broken := fstest.MapFS{"functions/D/function.json": {Data: []byte(`{`)}}
	if _, err := Load(broken); err == nil {
		t.Error("broken JSON accepted")
	}
}

func TestMaxDequeueCount(t *testing.T) {
	tests := []struct {
		hostJSON string
		want     int
	}{
		{`{"extensions":{"queues":{"maxDequeueCount":7}}}`, 7},
		{`{"version":"2.0"}`, 5},
	}
	for _, tt := range tests {
		got, err := MaxDequeueCount(fstest.MapFS{"host.json": {Data: []byte(tt.hostJSON)}})
		if err != nil || got != tt.want {
			t.Errorf("MaxDequeueCount(%s) = %d, %v; want %d", tt.hostJSON, got, err, tt.want)
		}
	}
	if _, err := MaxDequeueCount(fstest.MapFS{}); err == nil {
		t.Error("missing host.json accepted")
	}
}
