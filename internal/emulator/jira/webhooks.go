package jiraemu

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Admin webhooks follow https://developer.atlassian.com/cloud/jira/platform/webhooks/
// (payload shape, the X-Hub-Signature header of secured webhooks, the X-Atlassian-Webhook-*
// headers and the retry policy for failed deliveries).

// Webhook is an admin webhook registration.
type Webhook struct {
	URL string
	// Secret, when set, signs each delivery: X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>.
	Secret string
	// Events such as "comment_created"; empty means all events the emulator emits.
	Events []string
	// JQL limits deliveries to issues it matches (empty matches all).
	JQL string
}

type webhook struct {
	Webhook
	id    int
	query *query
}

// Delivery records one attempt to deliver a webhook event.
type Delivery struct {
	WebhookID  int
	Event      string
	Identifier string // X-Atlassian-Webhook-Identifier, the same across retries
	Attempt    int    // 0 for the first try
	Status     int    // HTTP status, 0 when the request failed
	Err        string
	Body       []byte
}

// RegisterWebhook adds an admin webhook and returns its id.
func (e *Emulator) RegisterWebhook(h Webhook) (int, error) {
	wh := &webhook{Webhook: h}
	if h.JQL != "" {
		q, err := parseJQL(h.JQL)
		if err != nil {
			return 0, fmt.Errorf("register webhook: %w: %w", errs.ErrInvalid, err)
		}
		wh.query = q
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	wh.id = len(e.webhooks) + 1
	wh.Events = slices.Clone(h.Events)
	e.webhooks = append(e.webhooks, wh)
	return wh.id, nil
}

// Deliveries returns every delivery attempt so far, in order.
func (e *Emulator) Deliveries() []Delivery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.deliveries)
}

// fireLocked sends event to every matching webhook in the background; the caller holds e.mu.
func (e *Emulator) fireLocked(event string, is *issue, c *comment) {
	select {
	case <-e.closed:
		return
	default:
	}
	for _, wh := range e.webhooks {
		if len(wh.Events) > 0 && !slices.Contains(wh.Events, event) {
			continue
		}
		if wh.query != nil && !(&evalCtx{e: e}).match(wh.query.where, is) {
			continue
		}
		body, err := json.Marshal(e.payloadLocked(event, wh.id, is, c))
		if err != nil {
			e.log.Error("webhook payload", "err", err)
			continue
		}
		e.wg.Add(1)
		go e.deliver(wh.Webhook, wh.id, event, newIdentifier(), body)
	}
}

func (e *Emulator) payloadLocked(event string, whID int, is *issue, c *comment) map[string]any {
	base := e.baseURL
	cj := e.commentJSONLocked(base, c, nil)
	if e.opts.WebhookWikiBody {
		cj["body"] = adfWiki(c.body)
	}
	return map[string]any{
		"timestamp":    e.opts.Now().UnixMilli(),
		"webhookEvent": event,
		"comment":      cj,
		"issue": map[string]any{
			"id": strconv.Itoa(is.id), "key": is.key, "self": base + "/rest/api/2/issue/" + strconv.Itoa(is.id),
			"fields": map[string]any{
				"summary": is.summary, "issuetype": issueTypeJSON(base, is.issueType),
				"project": projectJSON(base, is.project, nil), "assignee": e.userRefLocked(base, is.assignee),
				"priority": priorityJSON(base, is.priority), "status": statusJSON(base, is.status),
			},
		},
		"matchedWebhookIds": []int{whID},
	}
}

func newIdentifier() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sign is the X-Hub-Signature value for body (WebSub's method=signature form):
// https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver POSTs body, retrying on connection failures and on the statuses Jira retries:
// https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy
func (e *Emulator) deliver(h Webhook, id int, event, ident string, body []byte) {
	defer e.wg.Done()
	for attempt := 0; ; attempt++ {
		status, err := e.post(h, ident, attempt, body)
		d := Delivery{WebhookID: id, Event: event, Identifier: ident, Attempt: attempt, Status: status, Body: body}
		if err != nil {
			d.Err = err.Error()
		}
		e.mu.Lock()
		e.deliveries = append(e.deliveries, d)
		e.mu.Unlock()
		if err == nil && !retryable(status) {
			return
		}
		if attempt >= len(e.opts.WebhookRetryDelays) {
			e.log.Warn("webhook delivery abandoned", "webhook", id, "event", event, "status", status)
			return
		}
		select {
		case <-time.After(e.opts.WebhookRetryDelays[attempt]):
		case <-e.closed:
			return
		}
	}
}

func retryable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return status >= 500
}

func (e *Emulator) post(h Webhook, ident string, attempt int, body []byte) (int, error) {
	req, err := http.NewRequest(http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Atlassian Webhook HTTP Client")
	req.Header.Set("X-Atlassian-Webhook-Identifier", ident)
	req.Header.Set("X-Atlassian-Webhook-Flow", "Primary")
	if attempt > 0 {
		req.Header.Set("X-Atlassian-Webhook-Retry", strconv.Itoa(attempt))
	}
	if h.Secret != "" {
		req.Header.Set("X-Hub-Signature", sign(h.Secret, body))
	}
	resp, err := e.opts.WebhookClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webhook post: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
