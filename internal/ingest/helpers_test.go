package ingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

// clock is a settable clock shared by a test's store and ingest types.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openStore gives a test its own tables in the harness's Azurite.
func openStore(tb testing.TB, now func() time.Time) *store.Store {
	tb.Helper()
	cs := testenv.StorageConnection(tb)
	prefix := testenv.UniqueName(tb, "i")
	tb.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	st, err := store.Open(context.Background(), store.Options{ConnectionString: cs, TablePrefix: prefix, Now: now, Logger: quiet()})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// fakeGraph is a hand-written Graph: mailbox folders of messages (append-only) with delta
// paging, and subscriptions.
type fakeGraph struct {
	mu       sync.Mutex
	now      func() time.Time
	folders  map[string][]DeltaMessage // "mailbox/folder"
	links    map[string]*linkState
	expired  bool
	pageSize int
	seq      int
	subs     map[string]GraphSubscription
	calls    int
	// beforeDelta runs before each delta call; an error fails the call.
	beforeDelta func(call int) error
	// failRenew makes RenewSubscription fail with this error.
	failRenew error
}

type linkState struct {
	key     string
	pending []DeltaMessage // next link: the rest of the round
	from    int            // index the next round starts at
}

func newFakeGraph(now func() time.Time) *fakeGraph {
	return &fakeGraph{now: now, folders: map[string][]DeltaMessage{}, links: map[string]*linkState{}, subs: map[string]GraphSubscription{}, pageSize: 50}
}

// deliver adds n messages received at the given age before now.
func (g *fakeGraph) deliver(mailbox, folder string, n int, age time.Duration) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ids []string
	key := mailbox + "/" + folder
	for range n {
		g.seq++
		id := fmt.Sprintf("AAMk%05d", g.seq)
		g.folders[key] = append(g.folders[key], DeltaMessage{ID: id, InternetMessageID: "<" + id + "@example.com>",
			ConversationID: "conv" + id, Subject: "mail " + id, From: "sender@example.com", Received: g.now().Add(-age)})
		ids = append(ids, id)
	}
	return ids
}

func (g *fakeGraph) MessageDelta(ctx context.Context, r DeltaRequest) (DeltaPage, error) {
	g.mu.Lock()
	g.calls++
	call, hook := g.calls, g.beforeDelta
	g.mu.Unlock()
	if hook != nil {
		if err := hook(call); err != nil {
			return DeltaPage{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return DeltaPage{}, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	key := r.Mailbox + "/" + r.Folder
	all := g.folders[key]
	var rest []DeltaMessage
	if r.Link == "" {
		for _, m := range all {
			if !m.Received.Before(r.Since) {
				rest = append(rest, m)
			}
		}
	} else {
		st := g.links[r.Link]
		if st == nil || g.expired || st.key != key {
			return DeltaPage{}, fmt.Errorf("delta 410: %w", ErrDeltaExpired)
		}
		rest = st.pending
		if strings.Contains(r.Link, "deltatoken") {
			rest = append([]DeltaMessage(nil), all[st.from:]...)
		}
	}
	n := min(len(rest), g.pageSize)
	page := DeltaPage{Messages: append([]DeltaMessage(nil), rest[:n]...)}
	g.seq++
	if n < len(rest) {
		page.NextLink = fmt.Sprintf("https://graph.test/delta?$skiptoken=%d", g.seq)
		g.links[page.NextLink] = &linkState{key: key, pending: rest[n:]}
	} else {
		page.DeltaLink = fmt.Sprintf("https://graph.test/delta?$deltatoken=%d", g.seq)
		g.links[page.DeltaLink] = &linkState{key: key, from: len(all)}
	}
	return page, nil
}

func (g *fakeGraph) CreateSubscription(ctx context.Context, s NewSubscription) (GraphSubscription, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, o := range g.subs {
		if strings.EqualFold(o.Resource, s.Resource) {
			return GraphSubscription{}, fmt.Errorf("create: 409: %w", errs.ErrConflict)
		}
	}
	g.seq++
	gs := GraphSubscription{ID: fmt.Sprintf("sub-%d", g.seq), Resource: s.Resource, ChangeType: s.ChangeType,
		NotificationURL: s.NotificationURL, LifecycleURL: s.LifecycleURL, Expires: s.Expires}
	g.subs[gs.ID] = gs
	return gs, nil
}

func (g *fakeGraph) RenewSubscription(ctx context.Context, id string, expires time.Time) (GraphSubscription, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failRenew != nil {
		return GraphSubscription{}, g.failRenew
	}
	s, ok := g.subs[id]
	if !ok {
		return GraphSubscription{}, fmt.Errorf("renew: 404: %w", errs.ErrNotFound)
	}
	s.Expires = expires
	g.subs[id] = s
	return s, nil
}

func (g *fakeGraph) DeleteSubscription(ctx context.Context, id string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.subs[id]; !ok {
		return fmt.Errorf("delete: 404: %w", errs.ErrNotFound)
	}
	delete(g.subs, id)
	return nil
}

func (g *fakeGraph) ListSubscriptions(ctx context.Context) ([]GraphSubscription, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []GraphSubscription
	for _, s := range g.subs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// resources lists the live subscriptions' resources, sorted.
func (g *fakeGraph) resources() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, s := range g.subs {
		out = append(out, s.Resource)
	}
	sort.Strings(out)
	return out
}

func ids(msgs []QueueMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.MessageID)
	}
	sort.Strings(out)
	return out
}
