package standalone

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
)

// fakeInvoker fails each message a set number of times before succeeding.
type fakeInvoker struct {
	mu       sync.Mutex
	failures int
	calls    map[string][]int // message -> dequeue counts seen
	names    []string
}

func (f *fakeInvoker) Invoke(_ context.Context, name string, inv *handlers.Invocation) (*handlers.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names = append(f.names, name)
	if inv.Timer != nil {
		return &handlers.Result{Messages: []json.RawMessage{json.RawMessage(`{"from":"timer"}`)}}, nil
	}
	k := string(inv.Message)
	f.calls[k] = append(f.calls[k], inv.DequeueCount)
	if inv.DequeueCount <= f.failures {
		return nil, errors.New("transient")
	}
	return nil, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func TestPoolRetriesThenGivesUp(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		want     []int
	}{
		{"succeeds first time", 0, []int{1}},
		{"succeeds on third", 2, []int{1, 2, 3}},
		{"gives up after max", 10, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := &fakeInvoker{failures: tt.failures, calls: map[string][]int{}}
			p := NewPool(inv, PoolOptions{Workers: 2, Capacity: 10, MaxDequeueCount: 3,
				Backoff: func(int) time.Duration { return time.Millisecond }, QueueFunctions: map[string]string{"q": "F"}, Logger: quietLogger()})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go p.Run(ctx)
			if err := p.Enqueue(ctx, "q", []json.RawMessage{json.RawMessage(`{"n":1}`)}); err != nil {
				t.Fatal(err)
			}
			p.Wait()
			got := inv.calls[`{"n":1}`]
			if len(got) != len(tt.want) {
				t.Fatalf("dequeue counts %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("dequeue counts %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestPoolRefusesWhenFull(t *testing.T) {
	p := NewPool(&fakeInvoker{calls: map[string][]int{}}, PoolOptions{Workers: 1, Capacity: 2, MaxDequeueCount: 1,
		QueueFunctions: map[string]string{"q": "F"}, Logger: quietLogger()})
	msgs := []json.RawMessage{json.RawMessage(`{}`), json.RawMessage(`{}`), json.RawMessage(`{}`)}
	err := p.Enqueue(context.Background(), "q", msgs)
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d, ok := errs.RetryAfter(err); !ok || d <= 0 {
		t.Errorf("no Retry-After on a full pool: %v", err)
	}
	if err := p.Enqueue(context.Background(), "nope", msgs[:1]); err == nil {
		t.Error("unknown queue accepted")
	}
}

func TestTimersResolveSettings(t *testing.T) {
	funcs := []hostmeta.Function{
		{Name: "Sweep", Bindings: []hostmeta.Binding{{Type: "timerTrigger", Name: "timer", Schedule: "%SWEEP_SCHEDULE%"},
			{Type: "queue", Direction: "out", Name: "outqueue", QueueName: "q"}}},
		{Name: "Fixed", Bindings: []hostmeta.Binding{{Type: "timerTrigger", Name: "timer", Schedule: "0 0 * * * *"}}},
		{Name: "Http", Bindings: []hostmeta.Binding{{Type: "httpTrigger", Name: "req"}}},
	}
	timers, err := Timers(funcs, func(name string) string { return map[string]string{"SWEEP_SCHEDULE": "*/1 * * * * *"}[name] })
	if err != nil {
		t.Fatal(err)
	}
	if len(timers) != 2 || timers[0].Schedule.String() != "*/1 * * * * *" || timers[0].Queue != "q" || timers[1].Schedule.String() != "0 0 * * * *" {
		t.Fatalf("timers = %+v", timers)
	}
	if _, err := Timers(funcs[:1], func(string) string { return "" }); err == nil {
		t.Error("an empty schedule setting was accepted")
	}
}

// recordingQueue collects what timers enqueue.
type recordingQueue struct {
	mu   sync.Mutex
	msgs []string
}

func (q *recordingQueue) Enqueue(_ context.Context, queue string, msgs []json.RawMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range msgs {
		q.msgs = append(q.msgs, queue+" "+string(m))
	}
	return nil
}

func (q *recordingQueue) count() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.msgs)
}

func TestRunTimersFiresAndEnqueuesOutputs(t *testing.T) {
	funcs := []hostmeta.Function{{Name: "Sweep", Bindings: []hostmeta.Binding{{Type: "timerTrigger", Schedule: "*/1 * * * * *"},
		{Type: "queue", Direction: "out", QueueName: "q"}}}}
	timers, err := Timers(funcs, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	q := &recordingQueue{}
	done := make(chan struct{})
	go func() {
		RunTimers(ctx, timers, &fakeInvoker{calls: map[string][]int{}}, q, quietLogger(), time.Now)
		close(done)
	}()
	for q.count() < 2 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	if q.count() < 2 || q.msgs[0] != `q {"from":"timer"}` {
		t.Fatalf("timer outputs = %v", q.msgs)
	}
}
