package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/bench"
	"github.com/mail2jira/mail2jira/internal/sandbox"
	"github.com/mail2jira/mail2jira/internal/store"
)

// graphBudget is how long Graph waits for a notification's answer.
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#respond-to-notifications
// ("respond within 3 seconds")
const graphBudget = 3 * time.Second

// acknowledgement is row 1. Method: the real binary runs standalone with subscriptions on
// and its renewal timer every 2 seconds; once it has created the inbox subscription, its id
// and clientState are read from its own state table in Azurite. Every notification names
// one of ackRate×ackFor mails delivered to the Graph emulator beforehand (so each is real
// work for the worker pool, as in life), one per POST as the emulator sends them. The load
// is open-loop: a POST starts every 1/ackRate seconds whether or not earlier ones have
// answered, so a slow server cannot lower the offered load and hide its own latency. A
// latency is from writing the request to reading the whole answer, over kept-alive
// connections. Standalone, the acknowledgement is the pool's in-memory enqueue; under the
// Functions host the queue write to Azure Storage and the host's own HTTP hop add to it.
func (e *env) acknowledgement(ctx context.Context) ([]bench.Row, int64, error) {
	sb, err := e.startSandbox(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer sb.Close()
	total := int(float64(e.ackRate) * e.ackFor.Seconds())
	m := newMailer(e.seed + 1)
	ids := make([]string, total)
	for i := range ids {
		d, err := deliver(sb, m.short(m.sender(200)))
		if err != nil {
			return nil, 0, err
		}
		ids[i] = d.ImmutableID
	}
	vars := serviceVars(sb, map[string]string{"RENEW_SCHEDULE": "*/2 * * * * *", "SWEEP_SCHEDULE": never})
	c, err := e.startChild(e.service, []string{"serve"}, vars, "row1-service.log")
	if err != nil {
		return nil, 0, err
	}
	defer c.stop()
	if _, err := c.waitHealthy(ctx, healthURL(vars), time.Minute); err != nil {
		return nil, 0, err
	}
	sub, err := e.inboxSubscription(ctx)
	if err != nil {
		return nil, 0, err
	}
	lat, failed, err := e.notify(ctx, "http://"+vars["LISTEN_ADDRESS"]+"/api/graph/notifications", sub, ids)
	if err != nil {
		return nil, 0, err
	}
	rss, err := c.peakRSS()
	if err != nil {
		return nil, 0, err
	}
	s := bench.Summarize(lat)
	row := bench.Row{ID: "1", Measure: fmt.Sprintf("notification ack p50/p99/max, %d/s for %s (standalone)", e.ackRate, e.ackFor),
		Figure:    fmt.Sprintf("%s / %s / %s", bench.Ms(s.P50), bench.Ms(s.P99), bench.Ms(s.Max)),
		Reference: "Graph's budget " + bench.Ms(graphBudget), Ratio: bench.Ratio(float64(s.P99), float64(graphBudget)),
		Method: "real binary, open-loop POSTs of valid notifications (clientState from the service's state table) naming mails in the emulator; ratio = p99 / 3 s; under the host the queue write and the host's hop add to it",
		Data:   map[string]any{"summary": s, "sent": len(lat), "non_2xx": failed}}
	if failed > 0 {
		row.Figure += fmt.Sprintf(" (%d not 2xx)", failed)
	}
	return []bench.Row{row}, rss, nil
}

// inboxSubscription waits for the service's renewal timer to create the inbox subscription
// and reads it from the service's state table.
func (e *env) inboxSubscription(ctx context.Context) (store.Subscription, error) {
	st, err := store.Open(ctx, store.Options{ConnectionString: e.storage, Logger: e.log})
	if err != nil {
		return store.Subscription{}, err
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		subs, err := st.Subscriptions(ctx)
		if err != nil {
			return store.Subscription{}, err
		}
		for _, s := range subs {
			if s.Folder == "inbox" && s.ID != "" && s.ClientState != "" {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return store.Subscription{}, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return store.Subscription{}, fmt.Errorf("the service created no inbox subscription within a minute")
}

// notify sends one notification per id at ackRate per second and returns each latency.
func (e *env) notify(ctx context.Context, url string, sub store.Subscription, ids []string) ([]time.Duration, int, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}
	lat := make([]time.Duration, len(ids))
	status := make([]int, len(ids))
	interval := time.Second / time.Duration(e.ackRate)
	var wg sync.WaitGroup
	start := time.Now()
	for i, id := range ids {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			select {
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			case <-time.After(d):
			}
		}
		body, err := notification(sub, id)
		if err != nil {
			return nil, 0, err
		}
		wg.Go(func() {
			t0 := time.Now()
			resp, err := client.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				lat[i], status[i] = time.Since(t0), 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			lat[i], status[i] = time.Since(t0), resp.StatusCode
		})
	}
	wg.Wait()
	failed := 0
	for _, s := range status {
		if s < 200 || s > 299 {
			failed++
		}
	}
	return lat, failed, nil
}

// notification is one change notification as Graph sends it for a new message.
// https://learn.microsoft.com/en-us/graph/api/resources/changenotification
func notification(sub store.Subscription, id string) ([]byte, error) {
	resource := "Users/" + sandbox.Mailbox + "/Messages/" + id
	return json.Marshal(map[string]any{"value": []map[string]any{{
		"subscriptionId": sub.ID, "subscriptionExpirationDateTime": sub.Expires.Format(time.RFC3339),
		"changeType": "created", "clientState": sub.ClientState, "tenantId": sandbox.TenantID, "resource": resource,
		"resourceData": map[string]any{"@odata.type": "#Microsoft.Graph.Message", "@odata.id": resource, "@odata.etag": `W/"1"`, "id": id},
	}}})
}
