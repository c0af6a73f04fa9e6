package mail

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// harness wires a Processor to the fakes.
type harness struct {
	clock *clock
	store *fakeStore
	jira  *fakeJira
	graph *fakeGraph
	p     *Processor
	logs  *syncBuffer
	gate  *gate
	bg    sync.WaitGroup
}

// workerKey marks a background worker's context, so a crash can kill that worker alone.
type workerKey struct{}

type worker struct{ dead atomic.Bool }

// gate models a process dying: every fake call checks, when it starts, whether its worker
// is dead, and fails without effect if so. barrier waits for the calls in flight when
// the worker died, as a successor only starts after the dead worker's requests landed.
type gate struct{ mu sync.RWMutex }

func (g *gate) enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.mu.RLock()
	if w, ok := ctx.Value(workerKey{}).(*worker); ok && w.dead.Load() {
		g.mu.RUnlock()
		return errCrashed
	}
	return nil
}

func (g *gate) exit() {
	if g != nil {
		g.mu.RUnlock()
	}
}

func (g *gate) barrier() {
	g.mu.Lock()
	defer g.mu.Unlock()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(tb testing.TB) *harness {
	tb.Helper()
	c := newClock()
	h := &harness{clock: c, store: newFakeStore(c), jira: newFakeJira(c), graph: newFakeGraph(), logs: &syncBuffer{}, gate: &gate{}}
	h.store.gate, h.jira.gate, h.graph.gate = h.gate, h.gate, h.gate
	h.p = &Processor{
		Config: testConfig(), Graph: h.graph, Jira: h.jira, Store: h.store,
		Log: slog.New(slog.NewTextHandler(h.logs, nil)), Now: c.Now,
	}
	h.jira.addUser("ann.lee@fabrikam.com", "Ann Lee")
	h.jira.addUser("bob@fabrikam.com", "Bob Stone")
	h.jira.addUser("dan@fabrikam.com", "Dan Boss")
	h.jira.addUser("eve@fabrikam.com", "Eve New")
	tb.Cleanup(h.bg.Wait)
	return h
}

// errCrashed is what every call of a dead worker returns.
var errCrashed = errors.New("worker crashed")

// crash returns a hook that kills the first background worker reaching it: that call and
// all its later calls fail without effect (no release, no further step), as if its
// process died there. Foreground calls pass.
func (h *harness) crash() (hook func(context.Context) error, reached <-chan struct{}) {
	ch := make(chan struct{})
	var fired atomic.Bool
	return func(ctx context.Context) error {
		w, ok := ctx.Value(workerKey{}).(*worker)
		if !ok || fired.Swap(true) {
			return nil
		}
		w.dead.Store(true)
		close(ch)
		return errCrashed
	}, ch
}

// background processes ref on a worker that can be killed.
func (h *harness) background(ref Ref) {
	ctx := context.WithValue(context.Background(), workerKey{}, &worker{})
	h.bg.Go(func() { _, _ = h.p.Process(ctx, ref) })
}

// waitFor waits for a crash and for the dead worker's calls in flight to land.
func (h *harness) waitFor(tb testing.TB, reached <-chan struct{}) {
	tb.Helper()
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		tb.Fatal("the worker never reached the crash point")
	}
	h.gate.barrier()
}

// process runs one delivery and fails the test on an error.
func (h *harness) process(tb testing.TB, ref Ref) Outcome {
	tb.Helper()
	out, err := h.p.Process(context.Background(), ref)
	if err != nil {
		tb.Fatalf("Process(%s): %v", ref.MessageID, err)
	}
	return out
}

// deliverFixture loads testdata/messages/name.json into mailbox with attachment content.
func (h *harness) deliverFixture(tb testing.TB, name, mailbox string) (Ref, *Message) {
	tb.Helper()
	m := loadJSON[Message](tb, "testdata/messages/"+name+".json")
	m.Mailbox, m.Folder = mailbox, "inbox"
	content := map[string][]byte{}
	for _, a := range m.Attachments {
		content[a.ID] = attachmentBytes(a)
	}
	return h.graph.deliver(&m, content), &m
}

// attachmentBytes makes content for an attachment; logos (names image002/image003 in the
// new request, image001 in the reply at 300 bytes) share their bytes.
func attachmentBytes(a Attachment) []byte {
	if a.Size == 300 {
		return bytes.Repeat([]byte{0x89}, 300)
	}
	n := min(a.Size, 4096)
	return []byte(strings.Repeat(a.ID, int(n)/len(a.ID)+1)[:n])
}

// logLines counts log lines with msg.
func (h *harness) logLines(msg string) int {
	return strings.Count(h.logs.String(), "msg=\""+msg+"\"")
}

func redeliver(ref Ref) Ref {
	ref.DequeueCount++
	return ref
}
