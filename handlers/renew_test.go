package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

const supportBox = "support@contoso.test"

// e2e is the service's ingestion running in standalone mode against the Graph emulator and
// Azurite: real subscriptions with the validation handshake, notifications from Deliver.
type e2e struct {
	emu    *graphemu.Emulator
	st     *store.Store
	in     *Ingest
	server *Server
	url    string

	mu     sync.Mutex
	queued []ingest.QueueMessage
}

func openTestStore(tb testing.TB) *store.Store {
	tb.Helper()
	cs := testenv.StorageConnection(tb)
	prefix := testenv.UniqueName(tb, "h")
	tb.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	st, err := store.Open(context.Background(), store.Options{ConnectionString: cs, TablePrefix: prefix, Logger: discard()})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func newE2E(tb testing.TB, subscriptions bool) *e2e {
	tb.Helper()
	e := &e2e{st: openTestStore(tb)}
	e.emu = graphemu.New(graphemu.Options{RetryDelays: []time.Duration{50 * time.Millisecond, 200 * time.Millisecond}, Logger: discard()})
	e.emu.AddMailbox(supportBox, "Support")
	emuSrv := httptest.NewServer(e.emu)
	tb.Cleanup(func() { emuSrv.Close(); e.emu.Close() })
	g := &graphDouble{base: emuSrv.URL + "/v1.0", hc: emuSrv.Client()}
	idx := &ingest.SubscriptionIndex{Store: e.st}
	sw := &ingest.Sweeper{Graph: g, Store: e.st, Mailboxes: []string{supportBox}, LookbackDays: 2, Budget: time.Minute, Log: discard()}
	rn := &ingest.Renewer{Graph: g, Store: e.st, Index: idx, Mailboxes: []string{supportBox}, Margin: 48 * time.Hour, Enabled: subscriptions, Log: discard()}
	e.in = &Ingest{
		Notifications: &ingest.Notifications{Index: idx, Log: discard()},
		Lifecycle:     &ingest.Lifecycle{Index: idx, Renewer: rn, Sweeper: sw, Budget: 10 * time.Second, Log: discard()},
		Renewer:       rn, Sweeper: sw, Store: e.st, RetentionDays: 180,
		Checker: &ingest.Checker{Storage: func(ctx context.Context) error { _, err := e.st.Subscriptions(ctx); return err }},
	}
	srv, err := NewServer(Options{Functions: loadFunctions(tb), Impls: Impls(Deps{Ingest: e.in}), APIKeys: []string{"test-key-0123456789"},
		Logger: discard(), Enqueue: e.enqueue})
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	e.server, e.url, rn.BaseURL = srv, ts.URL, ts.URL
	return e
}

func (e *e2e) enqueue(_ context.Context, queue string, msgs []json.RawMessage) error {
	if queue != registry.QueueMail {
		return fmt.Errorf("unexpected queue %s", queue)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, raw := range msgs {
		var m ingest.QueueMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		e.queued = append(e.queued, m)
	}
	return nil
}

// queuedIDs returns the message ids queued so far, sorted.
func (e *e2e) queuedIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, m := range e.queued {
		out = append(out, m.MessageID)
	}
	sort.Strings(out)
	return out
}

// invoke runs a timer function the way standalone mode does and queues its outputs.
func (e *e2e) invoke(tb testing.TB, name string) *Result {
	tb.Helper()
	res, err := e.server.Invoke(context.Background(), name, &Invocation{Timer: &Timer{}})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if err := e.enqueue(context.Background(), registry.QueueMail, res.Messages); err != nil {
		tb.Fatal(err)
	}
	return res
}

// deliver puts n mails into the support inbox and returns their immutable ids, sorted.
func (e *e2e) deliver(tb testing.TB, n int) []string {
	tb.Helper()
	var out []string
	for i := range n {
		m := &eml.Message{MessageID: fmt.Sprintf("<m%d-%d@fabrikam.test>", i, time.Now().UnixNano()), Subject: fmt.Sprintf("help %d", i),
			From: &eml.Address{Address: "alice@fabrikam.test"}, To: []eml.Address{{Address: supportBox}}, TextBody: "please help"}
		d, err := e.emu.Deliver(supportBox, m, graphemu.Delivery{})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, d.ImmutableID)
	}
	sort.Strings(out)
	return out
}

// waitFor polls cond with a generous timeout; the machine is noisy, so no timing is asserted.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestE2ERenewalNotificationsEnqueueOncePerMail(t *testing.T) {
	e := newE2E(t, true)
	e.invoke(t, registry.FuncRenewSubscriptions) // the emulator's handshakes hit our server
	if n := len(e.emu.SubscriptionIDs()); n != 2 {
		t.Fatalf("%d subscriptions after the renewal timer, want inbox and sent items", n)
	}
	want := e.deliver(t, 5)
	waitFor(t, "5 notifications", func() bool { return e.emu.Stats().Notifications >= 5 })
	if diff := cmp.Diff(want, e.queuedIDs()); diff != "" {
		t.Errorf("queued (-want +got):\n%s", diff)
	}
	// Duplicated deliveries of the next mail still queue it once on this instance.
	e.emu.SetDuplicateNotifications(3)
	more := e.deliver(t, 1)
	waitFor(t, "3 more notifications", func() bool { return e.emu.Stats().Notifications >= 8 })
	if got := e.queuedIDs(); len(got) != 6 || !slices.Contains(got, more[0]) {
		t.Errorf("after duplicates: %v", got)
	}
	// A second renewal run keeps what exists.
	e.invoke(t, registry.FuncRenewSubscriptions)
	if n := len(e.emu.SubscriptionIDs()); n != 2 {
		t.Errorf("%d subscriptions after the second run", n)
	}
}

func TestE2ERenewalReconcilesDuplicates(t *testing.T) {
	e := newE2E(t, true)
	e.invoke(t, registry.FuncRenewSubscriptions)
	e.emu.AllowDuplicateSubscriptions(true)
	// Another instance's crash left a subscription the store does not know.
	_, err := e.in.Renewer.Graph.CreateSubscription(context.Background(), ingest.NewSubscription{Resource: ingest.Resource(supportBox, ingest.FolderInbox),
		ChangeType: "created", NotificationURL: e.in.Renewer.NotificationURL(), LifecycleURL: e.in.Renewer.LifecycleURL(),
		ClientState: "orphan", Expires: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	e.invoke(t, registry.FuncRenewSubscriptions)
	if n := len(e.emu.SubscriptionIDs()); n != 2 {
		t.Errorf("%d subscriptions after reconciliation, want 2", n)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
