package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/graph/graphtest"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

const box = "support@contoso.test"

// The adapter serves ingestion's ports.
var (
	_ ingest.Subscriptions = (*graph.Client)(nil)
	_ ingest.Delta         = (*graph.Client)(nil)
	_ ingest.GraphAccess   = (*graph.Client)(nil)
)

// realEnv runs the functions in standalone mode with the real Graph adapter (msgraph-sdk-go,
// tokens from the Entra emulator) against the Graph emulator, and Azurite.
type realEnv struct {
	env    *graphtest.Env
	server *handlers.Server
	mu     sync.Mutex
	queued []string
}

func newRealEnv(t *testing.T, subscriptions bool) *realEnv {
	t.Helper()
	r := &realEnv{env: graphtest.Start(t, graphtest.Options{Graph: graphemu.Options{RetryDelays: []time.Duration{100 * time.Millisecond}}})}
	r.env.Graph.AddMailbox(box, "Support")
	client := r.env.Client(t, r.env.Options())
	st := openStore(t)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	idx := &ingest.SubscriptionIndex{Store: st}
	sw := &ingest.Sweeper{Graph: client, Store: st, Mailboxes: []string{box}, LookbackDays: 2, Budget: time.Minute, Log: log}
	rn := &ingest.Renewer{Graph: client, Store: st, Index: idx, Mailboxes: []string{box}, Margin: 48 * time.Hour, Enabled: subscriptions, Log: log}
	in := &handlers.Ingest{Notifications: &ingest.Notifications{Index: idx, Log: log},
		Lifecycle: &ingest.Lifecycle{Index: idx, Renewer: rn, Sweeper: sw, Log: log}, Renewer: rn, Sweeper: sw, Store: st}
	funcs, err := hostmeta.Load(os.DirFS("../.."))
	if err != nil {
		t.Fatal(err)
	}
	r.server, err = handlers.NewServer(handlers.Options{Functions: funcs, Impls: handlers.Impls(handlers.Deps{Ingest: in}), Logger: log, Enqueue: r.enqueue})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(r.server)
	t.Cleanup(ts.Close)
	rn.BaseURL = ts.URL
	return r
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	cs := testenv.StorageConnection(t)
	prefix := testenv.UniqueName(t, "g")
	t.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	st, err := store.Open(context.Background(), store.Options{ConnectionString: cs, TablePrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (r *realEnv) enqueue(_ context.Context, _ string, msgs []json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, raw := range msgs {
		var m ingest.QueueMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		r.queued = append(r.queued, m.MessageID)
	}
	return nil
}

func (r *realEnv) queuedIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.queued...)
	sort.Strings(out)
	return out
}

func (r *realEnv) invoke(t *testing.T, name string) {
	t.Helper()
	res, err := r.server.Invoke(context.Background(), name, &handlers.Invocation{Timer: &handlers.Timer{}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := r.enqueue(context.Background(), registry.QueueMail, res.Messages); err != nil {
		t.Fatal(err)
	}
}

func (r *realEnv) deliver(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		m := &eml.Message{MessageID: fmt.Sprintf("<r%d-%d@fabrikam.test>", i, time.Now().UnixNano()), Subject: fmt.Sprintf("help %d", i),
			From: &eml.Address{Address: "alice@fabrikam.test"}, To: []eml.Address{{Address: box}}, TextBody: "please"}
		d, err := r.env.Graph.Deliver(box, m, graphemu.Delivery{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.ImmutableID)
	}
	sort.Strings(out)
	return out
}

func TestRealAdapterSubscriptionsAndNotifications(t *testing.T) {
	r := newRealEnv(t, true)
	r.invoke(t, registry.FuncRenewSubscriptions)
	if n := len(r.env.Graph.SubscriptionIDs()); n != 2 {
		t.Fatalf("%d subscriptions, want 2", n)
	}
	want := r.deliver(t, 10)
	deadline := time.Now().Add(30 * time.Second)
	for r.env.Graph.Stats().Notifications < 10 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if diff := cmp.Diff(want, r.queuedIDs()); diff != "" {
		t.Errorf("queued (-want +got):\n%s", diff)
	}
}

// TestRealAdapterSweepUnderThrottling: Graph's per-mailbox limits on, and 20% of all calls
// answered 429 with Retry-After. The SDK's retry handler waits and retries; every mail is
// enqueued exactly once and the emulator never sees more than 4 concurrent calls.
func TestRealAdapterSweepUnderThrottling(t *testing.T) {
	r := newRealEnv(t, false)
	limits := graphemu.GraphLimits()
	r.env.Graph.SetLimits(&limits)
	want := r.deliver(t, 300)
	r.env.Graph.InjectFault(graphemu.RouteAny, graphemu.Fault{Status: 429, RetryAfter: time.Second, Fraction: 0.2})
	for run := 0; len(r.queuedIDs()) < len(want) && run < 50; run++ {
		r.invoke(t, registry.FuncSweep)
	}
	if diff := cmp.Diff(want, r.queuedIDs()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	st := r.env.Graph.Stats()
	if st.Throttled == 0 || st.MaxConcurrent[box] > 4 {
		t.Errorf("throttled %d, at most %d concurrent", st.Throttled, st.MaxConcurrent[box])
	}
}
