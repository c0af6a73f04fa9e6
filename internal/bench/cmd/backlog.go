package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mail2jira/mail2jira/internal/bench"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/sandbox"
)

// graphLimits are the limits the emulator enforces, as the bench package computes with them.
func graphLimits() bench.Limits {
	l := graphemu.GraphLimits()
	return bench.Limits{Concurrent: l.Concurrent, Requests: l.Requests, Window: l.Window}
}

// backlog is row 4. Method: N new-ticket mails (row 3's kind: two Cc's, one attachment,
// from senders taking turns) wait in one mailbox before the real binary starts, standalone
// with subscriptions off, so only its sweep timer (every 5 seconds) finds them and feeds
// its worker pool. The Graph emulator enforces Graph's per-mailbox limits (4 concurrent,
// 10,000 per 10 minutes) and counts its 429s. The clock runs from the sweep's first Graph
// call to the moment Jira holds N issues and Graph has sent N replies. N is sized to take
// backlogFor at the ceiling: the sustained requests per second the limits allow (the
// lower of 4 slots / Graph's per-call latency and 10,000 / 600 s) divided by the Graph
// calls of a new-ticket mail measured in row 3. The window is a sliding 10 minutes, so a
// run shorter than that never fills it: for those two minutes only concurrency binds
// (4 / latency, Data's by_concurrency_rps), and a ratio above 1 means the service went
// faster than it could for longer. Past 10 minutes its own limiter (internal/graph) holds
// it to the sustained rate, which is why that is the reference.
func (e *env) backlog(ctx context.Context, calls callRows) ([]bench.Row, int64, error) {
	if calls.newGraph == 0 {
		return nil, 0, errors.New("needs row 3's Graph calls per new-ticket mail")
	}
	ceiling := bench.GraphCeiling(graphLimits(), e.graphLatency, float64(calls.newGraph))
	n := bench.BacklogSize(ceiling, e.backlogFor, 20)
	sb, err := e.startSandbox(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer sb.Close()
	m := newMailer(e.seed + 2)
	// Senders take turns, each sending at most 10: the per-sender cap (20 new tickets an
	// hour) must not filter any of the backlog.
	senders := max(40, (n+9)/10)
	for i := range n {
		_, raw := m.newTicket(customer(i % senders))
		if _, err := deliver(sb, raw); err != nil {
			return nil, 0, err
		}
	}
	limits := graphemu.GraphLimits()
	sb.Graph.SetLimits(&limits)
	sb.Graph.ResetStats()
	vars := serviceVars(sb, map[string]string{"SUBSCRIPTIONS_ENABLED": "false", "SWEEP_SCHEDULE": "*/5 * * * * *", "RENEW_SCHEDULE": never})
	c, err := e.startChild(e.service, []string{"serve"}, vars, "row4-service.log")
	if err != nil {
		return nil, 0, err
	}
	defer c.stop()
	elapsed, err := waitBacklog(ctx, sb, n, e.backlogFor*2)
	if err != nil {
		return nil, 0, err
	}
	rss, err := c.peakRSS()
	if err != nil {
		return nil, 0, err
	}
	st := sb.Graph.Stats()
	sent, err := sb.Graph.Messages(sandbox.Mailbox, "sentitems")
	if err != nil {
		return nil, 0, err
	}
	rate := float64(n) / elapsed.Seconds()
	row := bench.Row{ID: "4", Measure: fmt.Sprintf("backlog sweep of %d new-ticket mails, one mailbox", n),
		Figure: fmt.Sprintf("%.2f mails/s (%.1f Graph req/s), %d × 429", rate,
			float64(st.MailboxCalls[sandbox.Mailbox])/elapsed.Seconds(), st.Throttled),
		Reference: fmt.Sprintf("sustained ceiling %.2f mails/s (%.1f req/s ÷ %d calls/mail); first 10 min: %.1f",
			ceiling.MailsPerS, ceiling.RequestsPerS, calls.newGraph, ceiling.ByConcurrency/float64(calls.newGraph)),
		Ratio:  bench.Ratio(rate, ceiling.MailsPerS),
		Method: "real binary, subscriptions off, sweep every 5 s; emulator enforces 4 concurrent and 10,000/10 min per mailbox; first Graph call to N issues and N replies; ceiling = min(4 / Graph latency, 10,000 / 600 s) / Graph calls per new-ticket mail (row 3)",
		Data: map[string]any{"mails": n, "seconds": elapsed.Seconds(), "ceiling": ceiling, "throttled_429": st.Throttled,
			"graph_calls": st.MailboxCalls[sandbox.Mailbox], "graph_calls_per_mail": bench.Ratio(float64(st.MailboxCalls[sandbox.Mailbox]), float64(n)),
			"max_concurrent": st.MaxConcurrent, "issues": len(sb.Jira.IssueKeys()), "replies": len(sent)}}
	return []bench.Row{row}, rss, nil
}

// waitBacklog returns the time from the first Graph call to N issues and N sends.
func waitBacklog(ctx context.Context, sb *sandbox.Sandbox, n int, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	var first time.Time
	for time.Now().Before(deadline) {
		st := sb.Graph.Stats()
		if first.IsZero() && st.MailboxCalls[sandbox.Mailbox] > 0 {
			first = time.Now()
		}
		if !first.IsZero() && st.Calls[graphemu.RouteSend] >= n && len(sb.Jira.IssueKeys()) >= n {
			return time.Since(first), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("backlog of %d not done within %s: %d issues, %d sends", n, timeout, len(sb.Jira.IssueKeys()), sb.Graph.Stats().Calls[graphemu.RouteSend])
}
