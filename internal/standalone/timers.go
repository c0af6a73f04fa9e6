package standalone

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/schedule"
)

// Timer is one timer-triggered function and its parsed schedule.
type Timer struct {
	Function string
	Schedule *schedule.Schedule
	Queue    string // its queue output, if any
}

// Timers finds the timer-triggered functions and resolves their schedules, whose %SETTING%
// references are looked up with setting (so function.json stays the one source of truth).
func Timers(funcs []hostmeta.Function, setting func(name string) string) ([]Timer, error) {
	var out []Timer
	for _, f := range funcs {
		t := f.Trigger()
		if t.Type != "timerTrigger" {
			continue
		}
		expr := t.Schedule
		if name, ok := hostmeta.Setting(expr); ok {
			if expr = setting(name); expr == "" {
				return nil, fmt.Errorf("function %s: schedule setting %s is empty", f.Name, name)
			}
		}
		s, err := schedule.Parse(expr)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		q, _ := f.Output("queue")
		out = append(out, Timer{Function: f.Name, Schedule: s, Queue: q.QueueName})
	}
	return out, nil
}

// Enqueuer delivers a timer's queue outputs (the Pool).
type Enqueuer interface {
	Enqueue(ctx context.Context, queue string, msgs []json.RawMessage) error
}

// RunTimers fires each timer on its schedule until ctx ends. A timer never overlaps itself:
// the next firing is computed after the previous one finished, as the host does.
func RunTimers(ctx context.Context, timers []Timer, inv Invoker, q Enqueuer, log *slog.Logger, now func() time.Time) {
	var wg sync.WaitGroup
	for _, t := range timers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runTimer(ctx, t, inv, q, log, now)
		}()
	}
	wg.Wait()
}

func runTimer(ctx context.Context, t Timer, inv Invoker, q Enqueuer, log *slog.Logger, now func() time.Time) {
	last := time.Time{}
	for {
		next := t.Schedule.Next(now())
		log.Debug("timer scheduled", "function", t.Function, "next", next)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now())):
		}
		res, err := inv.Invoke(ctx, t.Function, &handlers.Invocation{Timer: &handlers.Timer{Last: last, Next: t.Schedule.Next(next)}})
		last = next
		if err != nil {
			log.Error("timer function failed", "function", t.Function, "err", err)
			continue
		}
		if res != nil && len(res.Messages) > 0 {
			if err := q.Enqueue(ctx, t.Queue, res.Messages); err != nil {
				log.Error("timer outputs not enqueued", "function", t.Function, "err", err)
			}
		}
	}
}
