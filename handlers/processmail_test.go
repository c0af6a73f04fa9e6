package handlers

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/registry"
)

type fakeProcessor struct {
	mu   sync.Mutex
	refs []mail.Ref
	err  error
}

func (f *fakeProcessor) Process(_ context.Context, ref mail.Ref) (mail.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs = append(f.refs, ref)
	return mail.Outcome{}, f.err
}

func TestProcessMailEnvelope(t *testing.T) {
	queueFixture, err := os.ReadFile(filepath.Join("testdata", "envelopes", "queue.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		envelope   string
		procErr    error
		wantStatus int
		wantRefs   []mail.Ref
	}{
		{"processed", string(queueFixture), nil, http.StatusOK, []mail.Ref{{Mailbox: "support@contoso.example",
			MessageID: "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AR5KMgWJ6B0mYm5Uu6k5Y8AAAAABiPAAA=", DequeueCount: 3, MaxDequeue: 5}}},
		{"transient failure is retried by the host", string(queueFixture), errs.ErrThrottled, http.StatusTooManyRequests, nil},
		{"not a mail reference", `{"Data":{"message":"\"{\\\"hello\\\":1}\""},"Metadata":{"DequeueCount":"1"}}`, nil, http.StatusBadRequest, nil},
		{"not JSON at all", `{"Data":{"message":"\"plain text\""},"Metadata":{}}`, nil, http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProcessor{err: tt.procErr}
			impls := Impls(Deps{Mail: p, MaxDequeue: 5})
			ts := newTestServer(t, true, impls, nil)
			resp, body := post(t, ts.URL+"/"+registry.FuncProcessMail, "application/json", []byte(tt.envelope))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantRefs != nil {
				if d := cmp.Diff(tt.wantRefs, p.refs); d != "" {
					t.Errorf("refs (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestProcessMailPendingWithoutProcessor(t *testing.T) {
	ts := newTestServer(t, true, Impls(Deps{}), nil)
	in, _ := os.ReadFile(filepath.Join("testdata", "envelopes", "queue.json"))
	if resp, _ := post(t, ts.URL+"/"+registry.FuncProcessMail, "application/json", in); resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("status %d, want 501", resp.StatusCode)
	}
}
