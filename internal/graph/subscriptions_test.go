package graph_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// endpoint answers Graph's validation handshake, correctly or not, and counts them.
type endpoint struct {
	srv        *httptest.Server
	bad        atomic.Bool
	handshakes atomic.Int32
}

func newEndpoint(t *testing.T) *endpoint {
	t.Helper()
	ep := &endpoint{}
	ep.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			ep.handshakes.Add(1)
			w.Header().Set("Content-Type", "text/plain")
			if ep.bad.Load() {
				tok = "wrong"
			}
			_, _ = io.WriteString(w, tok)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(ep.srv.Close)
	return ep
}

func (ep *endpoint) sub(resource, state string, exp time.Time) ingest.NewSubscription {
	return ingest.NewSubscription{Resource: resource, NotificationURL: ep.srv.URL + "/api/notify",
		LifecycleURL: ep.srv.URL + "/api/lifecycle", ClientState: state, Expires: exp}
}

func TestSubscriptionLifecycle(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	ep := newEndpoint(t)
	inbox := graph.FolderResource(support, "inbox")
	sent := graph.FolderResource(support, "sentitems")
	exp := time.Now().Add(graph.MaxSubscriptionLifetime - time.Hour).UTC().Truncate(time.Second)

	s, err := e.c.CreateSubscription(ctx, ep.sub(inbox, "state-1", exp))
	if err != nil {
		t.Fatal(err)
	}
	want := ingest.GraphSubscription{Resource: inbox, ChangeType: "created", NotificationURL: ep.srv.URL + "/api/notify",
		LifecycleURL: ep.srv.URL + "/api/lifecycle", Expires: exp}
	ignore := cmpopts.IgnoreFields(ingest.GraphSubscription{}, "ID")
	if diff := cmp.Diff(want, s, ignore); diff != "" || s.ID == "" {
		t.Errorf("created (-want +got)\n%s", diff)
	}
	if n := ep.handshakes.Load(); n != 2 {
		t.Errorf("%d handshakes, want 2 (notification and lifecycle URLs)", n)
	}
	if _, err := e.c.CreateSubscription(ctx, ep.sub(inbox, "state-2", exp)); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("duplicate = %v, want ErrConflict", err)
	}
	other, err := e.c.CreateSubscription(ctx, ep.sub(sent, "state-3", exp))
	if err != nil {
		t.Fatal(err)
	}

	later := exp.Add(30 * time.Minute)
	renewed, err := e.c.RenewSubscription(ctx, s.ID, later)
	if err != nil || !renewed.Expires.Equal(later) || renewed.ID != s.ID {
		t.Fatalf("renew = %+v, %v", renewed, err)
	}

	list, err := e.c.ListSubscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var resources []string
	for _, l := range list {
		resources = append(resources, l.Resource)
	}
	sort.Strings(resources)
	if diff := cmp.Diff([]string{inbox, sent}, resources); diff != "" {
		t.Errorf("listed (-want +got)\n%s", diff)
	}

	if err := e.c.DeleteSubscription(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.RenewSubscription(ctx, s.ID, later); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("renew after delete = %v, want ErrNotFound", err)
	}
	if err := e.c.DeleteSubscription(ctx, s.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("delete twice = %v, want ErrNotFound", err)
	}
	if list, _ := e.c.ListSubscriptions(ctx); len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("after delete: %+v", list)
	}
}

func TestSubscriptionRefusals(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ep := newEndpoint(t)
	inbox := graph.FolderResource(support, "inbox")
	soon := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		sub  ingest.NewSubscription
		bad  bool
		want error
	}{
		{"failed handshake", ep.sub(inbox, "s", soon), true, errs.ErrInvalid},
		{"beyond 10080 minutes", ep.sub(inbox, "s", time.Now().Add(graph.MaxSubscriptionLifetime+time.Hour)), false, errs.ErrInvalid},
		{"clientState over 128 characters", ep.sub(inbox, string(make([]byte, 129)), soon), false, errs.ErrInvalid},
		{"unknown mailbox", ep.sub(graph.FolderResource("nobody@contoso.test", "inbox"), "s", soon), false, errs.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep.bad.Store(tt.bad)
			_, err := e.c.CreateSubscription(ctxT(t), tt.sub)
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	if ids := e.Graph.SubscriptionIDs(); len(ids) != 0 {
		t.Errorf("refused subscriptions exist: %v", ids)
	}
}
