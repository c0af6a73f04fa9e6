package graphemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// LifecycleEvent is a lifecycle notification Graph sends to lifecycleNotificationUrl.
// https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
type LifecycleEvent string

// The lifecycle events Graph sends for Outlook resources.
const (
	ReauthorizationRequired LifecycleEvent = "reauthorizationRequired" // renew or reauthorize soon
	SubscriptionRemoved     LifecycleEvent = "subscriptionRemoved"     // recreate, then resync
	Missed                  LifecycleEvent = "missed"                  // some notifications were lost: resync
)

// notifyChange tells subscribers of m's folder (and of the whole mailbox) about a change.
// Callers hold e.mu.
func (e *Emulator) notifyChange(mb *mailbox, m *message, changeType string) {
	e.notifyIDs(mb, m.folderID, m.immutableID, m.restID, m.changeKey, changeType)
}

// notifyFolder reports a change in a folder the message may no longer be in. Callers hold e.mu.
func (e *Emulator) notifyFolder(mb *mailbox, m *message, folderID, changeType string) {
	e.notifyIDs(mb, folderID, m.immutableID, m.restID, m.changeKey, changeType)
}

// notifyIDs sends one change notification per matching subscription.
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#receive-notifications
// https://learn.microsoft.com/en-us/graph/api/resources/changenotification
func (e *Emulator) notifyIDs(mb *mailbox, folderID, immutableID, restID, changeKey, changeType string) {
	e.pruneExpired()
	for _, s := range e.subs {
		if s.mailboxID != mb.id || (s.folderID != "" && s.folderID != folderID) || !strings.Contains(s.changeType, changeType) {
			continue
		}
		id := restID
		if s.immutable {
			id = immutableID
		}
		resource := "Users/" + mb.id + "/Messages/" + id
		n := map[string]any{
			"subscriptionId":                 s.id,
			"subscriptionExpirationDateTime": s.expires.Format(time.RFC3339Nano),
			"changeType":                     changeType,
			"resource":                       resource,
			"resourceData": map[string]any{
				"@odata.type": "#Microsoft.Graph.Message",
				"@odata.id":   resource,
				"@odata.etag": `W/"` + changeKey + `"`,
				"id":          id,
			},
			"clientState": nullable(s.clientState),
			"tenantId":    e.opts.TenantID,
		}
		for range max(1, e.copies) {
			e.post(s.notificationURL, map[string]any{"value": []any{n}})
		}
	}
}

// SetDuplicateNotifications makes every change notification go out n times, concurrently,
// since Graph delivers at least once and duplicates happen.
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#receive-notifications
func (e *Emulator) SetDuplicateNotifications(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.copies = n
}

// FireLifecycle sends a lifecycle event for a subscription to its lifecycleNotificationUrl;
// subscriptionRemoved also deletes the subscription, as Graph has.
// https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
func (e *Emulator) FireLifecycle(subscriptionID string, event LifecycleEvent) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.subs[subscriptionID]
	if s == nil {
		return fmt.Errorf("lifecycle %s for subscription %s: %w", event, subscriptionID, errs.ErrNotFound)
	}
	if s.lifecycleURL == "" {
		return fmt.Errorf("lifecycle %s for subscription %s: no lifecycleNotificationUrl: %w", event, subscriptionID, errs.ErrInvalid)
	}
	n := map[string]any{
		"subscriptionId":                 s.id,
		"subscriptionExpirationDateTime": s.expires.Format(time.RFC3339Nano),
		"tenantId":                       e.opts.TenantID,
		"clientState":                    nullable(s.clientState),
		"lifecycleEvent":                 string(event),
		"resource":                       s.resource,
	}
	if event == SubscriptionRemoved {
		delete(e.subs, s.id)
	}
	e.post(s.lifecycleURL, map[string]any{"value": []any{n}})
	return nil
}

// SubscriptionIDs lists the live subscriptions' ids, for tests.
func (e *Emulator) SubscriptionIDs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pruneExpired()
	var out []string
	for id := range e.subs {
		out = append(out, id)
	}
	return out
}

// post delivers a notification in the background, retrying failures on RetryDelays.
// Callers hold e.mu.
func (e *Emulator) post(target string, payload any) {
	if e.ctx.Err() != nil {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for attempt := 0; ; attempt++ {
			err := e.postOnce(target, body)
			e.mu.Lock()
			if err == nil {
				e.stats.notifications++
				e.mu.Unlock()
				return
			}
			e.stats.failedAttempts++
			last := attempt >= len(e.opts.RetryDelays)
			if last {
				e.stats.dropped++
			}
			e.mu.Unlock()
			e.log.Info("graph emulator: notification delivery failed", "url", redactURL(target), "attempt", attempt+1, "error", err)
			if last || !sleepCtx(e.ctx, e.opts.RetryDelays[attempt]) {
				return
			}
		}
	}()
}

func (e *Emulator) postOnce(target string, body []byte) error {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notification request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("notification request: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notification response status %d", resp.StatusCode)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
