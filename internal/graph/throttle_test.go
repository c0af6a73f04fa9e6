package graph_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// TestLimiterUnderThrottling fetches many messages with more workers than Graph allows
// concurrent requests, while a fifth of all calls answer 429. Throttled fetches go back
// on the queue, as the host's queue would redeliver them. Nothing is lost, the mailbox
// never sees more than 4 requests at once, and the emulator's own limits never trip.
func TestLimiterUnderThrottling(t *testing.T) {
	limits := graphemu.GraphLimits()
	e := newEnv(t, graphemu.Options{Seed: 42, Limits: &limits})
	const n = 40
	ids := make(chan string, n)
	for i := range n {
		ids <- e.deliver(t, support, newMail(fmt.Sprintf("load%02d", i)), graphemu.Delivery{}).ImmutableID
	}
	e.Graph.InjectFault(graphemu.RouteAny, graphemu.Fault{Status: 429, RetryAfter: time.Second, Fraction: 0.2, Mailbox: support})

	var (
		mu        sync.Mutex
		fetched   = map[string]int{}
		requeued  int
		failures  []error
		wg        sync.WaitGroup
		remaining = n
	)
	done := make(chan struct{})
	ctx := ctxT(t)
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				case id := <-ids:
					m, err := e.c.Message(ctx, support, id)
					mu.Lock()
					switch {
					case err == nil:
						fetched[m.Subject]++
						if remaining--; remaining == 0 {
							close(done)
						}
					case errors.Is(err, errs.ErrThrottled):
						if _, ok := errs.RetryAfter(err); !ok {
							failures = append(failures, fmt.Errorf("throttled without Retry-After: %w", err))
						}
						requeued++
						ids <- id
					default:
						failures = append(failures, err)
						if remaining--; remaining == 0 {
							close(done)
						}
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("failures: %v", failures)
	}
	if len(fetched) != n {
		t.Errorf("fetched %d distinct messages, want %d", len(fetched), n)
	}
	st := e.Graph.Stats()
	if got := st.MaxConcurrent[support]; got > 4 || got == 0 {
		t.Errorf("max concurrency at the mailbox = %d, want 1..4", got)
	}
	if st.Faults == 0 {
		t.Error("no fault was injected; the test proves nothing")
	}
	if st.Throttled != st.Faults {
		t.Errorf("the emulator's own limits answered %d 429s", st.Throttled-st.Faults)
	}
	if n := e.c.Limiter().InFlight(support); n != 0 {
		t.Errorf("%d slots still held", n)
	}
	t.Logf("%d calls, %d injected 429s, %d fetches handed back to the queue", st.MailboxCalls[support], st.Faults, requeued)
}

// TestErrorMapping injects each Graph failure on a message read and checks the sentinel,
// the Retry-After carried and how often the SDK's retry handler (the only retry layer)
// tried.
func TestErrorMapping(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	d := e.deliver(t, support, newMail("errors"), graphemu.Delivery{})
	tests := []struct {
		name       string
		fault      graphemu.Fault
		want       error // nil: the call succeeds after retries
		retryAfter time.Duration
		calls      int
	}{
		{"404 ErrorItemNotFound", graphemu.Fault{Status: 404, Code: "ErrorItemNotFound"}, errs.ErrNotFound, 0, 1},
		{"409", graphemu.Fault{Status: 409}, errs.ErrConflict, 0, 1},
		{"401", graphemu.Fault{Status: 401, Code: "InvalidAuthenticationToken"}, errs.ErrUnauthorized, 0, 1},
		{"403", graphemu.Fault{Status: 403, Code: "ErrorAccessDenied"}, errs.ErrForbidden, 0, 1},
		{"410", graphemu.Fault{Status: 410, Code: "syncStateNotFound"}, graph.ErrDeltaExpired, 0, 1},
		{"400", graphemu.Fault{Status: 400, Code: "BadRequest"}, errs.ErrInvalid, 0, 1},
		{"413", graphemu.Fault{Status: 413}, errs.ErrTooLarge, 0, 1},
		{"500", graphemu.Fault{Status: 500}, errs.ErrUnavailable, 0, 1},
		{"429 the retry handler gave up on", graphemu.Fault{Status: 429, RetryAfter: time.Second}, errs.ErrThrottled, time.Second, 2},
		{"429 with a Retry-After too long to wait in process", graphemu.Fault{Status: 429, RetryAfter: 2 * time.Minute}, errs.ErrThrottled, 2 * time.Minute, 1},
		{"503 with Retry-After, retried then given up", graphemu.Fault{Status: 503, RetryAfter: time.Second}, errs.ErrUnavailable, time.Second, 2},
		{"429 once, then success", graphemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, nil, 0, 2},
		{"504 once, then success", graphemu.Fault{Status: 504, Times: 1}, nil, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Graph.ClearFaults()
			e.Graph.ResetStats()
			e.Graph.InjectFault(graphemu.RouteMessageGet, tt.fault)
			o := e.Options() // a fresh limiter: a long 429 pauses the mailbox
			o.Retry = graph.RetryOptions{MaxRetries: 1, MaxRetryAfter: 10 * time.Second, DelaySeconds: 1}
			_, err := e.Client(t, o).Message(ctxT(t), support, d.ImmutableID)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if ra, _ := errs.RetryAfter(err); ra != tt.retryAfter {
				t.Errorf("RetryAfter = %s, want %s", ra, tt.retryAfter)
			}
			if got := e.Graph.Stats().Calls[graphemu.RouteMessageGet]; got != tt.calls {
				t.Errorf("%d calls, want %d", got, tt.calls)
			}
		})
	}
}

// TestPostsAreNotRetriedOn5xx: a 503 on send may come after the mail went out, so it is
// reported rather than sent again; a 429 means Graph did nothing, so it is retried.
func TestPostsAreNotRetriedOn5xx(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	orig := e.deliver(t, support, newMail("posts"), graphemu.Delivery{})
	draft, err := e.c.CreateReplyAll(ctx, support, orig.ImmutableID, mail.Reply{HTML: "<p>ok</p>"})
	if err != nil {
		t.Fatal(err)
	}
	e.Graph.InjectFault(graphemu.RouteSend, graphemu.Fault{Status: 503, RetryAfter: time.Second, Times: 1})
	if err := e.c.Send(ctx, support, draft.ID); !errors.Is(err, errs.ErrUnavailable) {
		t.Fatalf("send under 503 = %v, want ErrUnavailable", err)
	}
	if got := e.Graph.Stats().Calls[graphemu.RouteSend]; got != 1 {
		t.Errorf("send tried %d times under 503, want 1", got)
	}
	e.Graph.InjectFault(graphemu.RouteSend, graphemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1})
	if err := e.c.Send(ctx, support, draft.ID); err != nil {
		t.Fatalf("send after one 429 = %v", err)
	}
	if got := e.Graph.Stats().Calls[graphemu.RouteSend]; got != 3 {
		t.Errorf("send calls = %d, want 3 (503, 429, success)", got)
	}
	if d, err := e.c.Draft(ctx, support, draft.ID); err != nil || d.IsDraft {
		t.Errorf("after send: %+v, %v", d, err)
	}
}

// TestSubscriptionCallsMapErrors covers the subscription routes' failures.
func TestSubscriptionCallsMapErrors(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	e.Graph.InjectFault(graphemu.RouteSubscriptionList, graphemu.Fault{Status: 403, Code: "ExtensionError"})
	if _, err := e.c.ListSubscriptions(ctxT(t)); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("list = %v, want ErrForbidden", err)
	}
	e.Graph.InjectFault(graphemu.RouteSubscriptionCreate, graphemu.Fault{Status: 500})
	_, err := e.c.CreateSubscription(ctxT(t), ingest.NewSubscription{Resource: graph.FolderResource(support, "inbox"),
		NotificationURL: "http://127.0.0.1:1/x", ClientState: "s", Expires: time.Now().Add(time.Hour)})
	if !errors.Is(err, errs.ErrUnavailable) {
		t.Errorf("create = %v, want ErrUnavailable", err)
	}
	if got := e.Graph.Stats().Calls[graphemu.RouteSubscriptionCreate]; got != 1 {
		t.Errorf("create tried %d times on a 500, want 1", got)
	}
}
