package graphemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// maxMessageSubscription is the longest an Outlook message subscription may live.
// https://learn.microsoft.com/en-us/graph/api/resources/subscription#subscription-lifetime
const maxMessageSubscription = 10080 * time.Minute

// subscription is one change-notification subscription.
type subscription struct {
	id, resource, changeType      string
	notificationURL, lifecycleURL string
	clientState, tlsVersion       string
	expires                       time.Time
	mailboxID, folderID           string // folderID empty: every message in the mailbox
	immutable                     bool
}

// subscriptionInput is the writable part of a subscription.
// https://learn.microsoft.com/en-us/graph/api/resources/subscription
type subscriptionInput struct {
	ChangeType                *string `json:"changeType"`
	NotificationURL           *string `json:"notificationUrl"`
	LifecycleNotificationURL  *string `json:"lifecycleNotificationUrl"`
	Resource                  *string `json:"resource"`
	ExpirationDateTime        *string `json:"expirationDateTime"`
	ClientState               *string `json:"clientState"`
	LatestSupportedTLSVersion *string `json:"latestSupportedTlsVersion"`
	IncludeResourceData       *bool   `json:"includeResourceData"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (e *Emulator) subscriptionJSON(s *subscription) map[string]any {
	return map[string]any{
		"id": s.id, "resource": s.resource, "applicationId": "00000000-0000-0000-0000-000000000000",
		"changeType": s.changeType, "clientState": nullable(s.clientState), "notificationUrl": s.notificationURL,
		"notificationQueryOptions": nil, "lifecycleNotificationUrl": nullable(s.lifecycleURL),
		"expirationDateTime": s.expires.UTC().Format(time.RFC3339Nano), "creatorId": nil,
		"includeResourceData": false, "latestSupportedTlsVersion": firstNonEmpty(s.tlsVersion, "v1_2"),
		"encryptionCertificate": nil, "encryptionCertificateId": nil, "notificationUrlAppId": nil,
	}
}

// pruneExpired drops subscriptions past their expiry, as Graph stops them. Callers hold e.mu.
func (e *Emulator) pruneExpired() {
	now := e.now()
	for id, s := range e.subs {
		if !s.expires.After(now) {
			delete(e.subs, id)
		}
	}
}

// createSubscription validates the request, runs the validation handshake against the
// notification and lifecycle URLs, and answers 201, 400 or 409.
// https://learn.microsoft.com/en-us/graph/api/subscription-post-subscriptions
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
func (e *Emulator) createSubscription(c *call) {
	var in subscriptionInput
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	s, status, code, msg := e.newSubscription(in, c.prefs.immutable)
	if status != 0 {
		writeError(c.w, c.r, status, code, msg)
		return
	}
	if conflict := e.duplicateOf(s); conflict != "" {
		writeConflict(c, conflict)
		return
	}
	for _, u := range []string{s.notificationURL, s.lifecycleURL} {
		if u == "" {
			continue
		}
		if err := e.handshake(c.r.Context(), u); err != nil {
			e.log.Info("graph emulator: subscription validation failed", "url", redactURL(u), "error", err)
			msg := "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request."
			if errors.Is(err, context.DeadlineExceeded) {
				msg = "Subscription validation request timed out."
			}
			writeError(c.w, c.r, http.StatusBadRequest, "InvalidRequest", msg)
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if conflict := e.duplicateLocked(s); conflict != "" {
		writeConflict(c, conflict)
		return
	}
	e.subs[s.id] = s
	writeJSON(c.w, http.StatusCreated, e.subscriptionJSON(s))
}

// writeConflict answers a duplicate subscription the way Graph does: 409.
// https://learn.microsoft.com/en-us/graph/api/subscription-post-subscriptions (duplicate subscription behavior)
func writeConflict(c *call, existing string) {
	writeError(c.w, c.r, http.StatusConflict, "ExtensionError",
		"Operation: Create; Exception: [Status Code: Conflict; Reason: Subscription Id "+existing+" already exists for the requested combination]")
}

// newSubscription checks the input; a non-zero status describes the refusal.
func (e *Emulator) newSubscription(in subscriptionInput, immutable bool) (*subscription, int, string, string) {
	s := &subscription{id: newGUID(), resource: str(in.Resource), changeType: str(in.ChangeType),
		notificationURL: str(in.NotificationURL), lifecycleURL: str(in.LifecycleNotificationURL),
		clientState: str(in.ClientState), tlsVersion: str(in.LatestSupportedTLSVersion), immutable: immutable}
	bad := func(msg string) (*subscription, int, string, string) {
		return nil, http.StatusBadRequest, "InvalidRequest", msg
	}
	if s.changeType == "" || s.notificationURL == "" || s.resource == "" || in.ExpirationDateTime == nil {
		return bad("changeType, notificationUrl, resource and expirationDateTime are required.")
	}
	for _, ct := range strings.Split(s.changeType, ",") {
		if !slices.Contains([]string{"created", "updated", "deleted"}, strings.TrimSpace(ct)) {
			return bad("Invalid changeType '" + ct + "'.")
		}
	}
	for _, u := range []string{s.notificationURL, s.lifecycleURL} {
		if p, err := url.Parse(u); u != "" && (err != nil || !p.IsAbs() || (p.Scheme != "https" && p.Scheme != "http")) {
			return bad("Invalid notification URL '" + u + "'.")
		}
	}
	if len(s.clientState) > 128 {
		return bad("clientState must be at most 128 characters long.")
	}
	if in.IncludeResourceData != nil && *in.IncludeResourceData {
		return bad("includeResourceData requires an encryption certificate, which this emulator does not support.")
	}
	if status, msg := e.setExpiry(s, *in.ExpirationDateTime); status != 0 {
		return nil, status, "InvalidRequest", msg
	}
	if status, code, msg := e.bindResource(s); status != 0 {
		return nil, status, code, msg
	}
	return s, 0, "", ""
}

func (e *Emulator) setExpiry(s *subscription, v string) (int, string) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return http.StatusBadRequest, "Invalid expirationDateTime '" + v + "'."
	}
	now := e.now()
	if !t.After(now) {
		return http.StatusBadRequest, "Subscription expiration must be in the future."
	}
	if t.Sub(now) > maxMessageSubscription {
		return http.StatusBadRequest, fmt.Sprintf("Subscription expiration can only be %d minutes in the future.", int(maxMessageSubscription/time.Minute))
	}
	s.expires = t.UTC()
	return 0, ""
}

// bindResource resolves users/{u}/messages or users/{u}/mailFolders('{f}')/messages.
// https://learn.microsoft.com/en-us/graph/api/resources/change-notifications-api-overview (Outlook message resources)
func (e *Emulator) bindResource(s *subscription) (int, string, string) {
	path, _, _ := strings.Cut(s.resource, "?")
	segs, ok := splitPath(path)
	eq := strings.EqualFold
	valid := ok && len(segs) >= 3 && eq(segs[0], "users") &&
		(len(segs) == 3 && eq(segs[2], "messages") || len(segs) == 5 && eq(segs[2], "mailFolders") && eq(segs[4], "messages"))
	if !valid {
		return http.StatusBadRequest, "InvalidRequest", "Resource '" + s.resource + "' is not supported by this emulator; use users/{id}/messages or users/{id}/mailFolders('{folder}')/messages."
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	mb := e.findMailbox(segs[1])
	if mb == nil {
		return http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", segs[1])
	}
	s.mailboxID = mb.id
	if len(segs) == 5 {
		f := mb.folder(segs[3])
		if f == nil {
			return http.StatusNotFound, "ErrorItemNotFound", "The specified folder was not found in the store."
		}
		s.folderID = f.id
	}
	return 0, "", ""
}

func (e *Emulator) duplicateOf(s *subscription) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.duplicateLocked(s)
}

// duplicateLocked finds a live subscription with the same resource and change types.
func (e *Emulator) duplicateLocked(s *subscription) string {
	e.pruneExpired()
	if e.allowDuplicates {
		return ""
	}
	for _, o := range e.subs {
		if o.mailboxID == s.mailboxID && o.folderID == s.folderID && sameChangeTypes(o.changeType, s.changeType) {
			return o.id
		}
	}
	return ""
}

func sameChangeTypes(a, b string) bool {
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(p))
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(split(a), split(b))
}

// handshake POSTs ?validationToken=... and expects 200, text/plain and the decoded token
// back within 10 seconds.
// https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
func (e *Emulator) handshake(ctx context.Context, target string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	token := "Validation: Testing client application reachability for subscription Request-Id: " + newGUID()
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+sep+"validationToken="+url.QueryEscape(token), nil)
	if err != nil {
		return fmt.Errorf("validation request: %w", err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("validation request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("validation response: %w", err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("validation response status %d", resp.StatusCode)
	case !strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/plain"):
		return fmt.Errorf("validation response content type %q", resp.Header.Get("Content-Type"))
	case string(body) != token:
		return errors.New("validation response does not echo the token")
	}
	return nil
}

// redactURL drops the query, which may carry a function key, before logging a URL.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable URL)"
	}
	p.RawQuery, p.User = "", nil
	return p.String()
}

// withSubscription resolves the call's subscription id under the lock.
func (e *Emulator) withSubscription(c *call, fn func(s *subscription)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pruneExpired()
	s := e.subs[c.m.subID]
	if s == nil {
		writeError(c.w, c.r, http.StatusNotFound, "ResourceNotFound", "The object was not found.")
		return
	}
	fn(s)
}

// https://learn.microsoft.com/en-us/graph/api/subscription-list
func (e *Emulator) listSubscriptions(c *call) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pruneExpired()
	var subs []*subscription
	for _, s := range e.subs {
		subs = append(subs, s)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].id < subs[j].id })
	out := []any{}
	for _, s := range subs {
		out = append(out, e.subscriptionJSON(s))
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"value": out})
}

// https://learn.microsoft.com/en-us/graph/api/subscription-get
func (e *Emulator) getSubscription(c *call) {
	e.withSubscription(c, func(s *subscription) { writeJSON(c.w, http.StatusOK, e.subscriptionJSON(s)) })
}

// updateSubscription renews: only expirationDateTime (and notificationUrl) may change;
// lifecycleNotificationUrl can only be set at creation.
// https://learn.microsoft.com/en-us/graph/api/subscription-update
func (e *Emulator) updateSubscription(c *call) {
	var in subscriptionInput
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	e.withSubscription(c, func(s *subscription) {
		if in.LifecycleNotificationURL != nil && *in.LifecycleNotificationURL != s.lifecycleURL {
			writeError(c.w, c.r, http.StatusBadRequest, "InvalidRequest", "lifecycleNotificationUrl can only be set when the subscription is created.")
			return
		}
		if in.ExpirationDateTime != nil {
			cp := *s
			if status, msg := e.setExpiry(&cp, *in.ExpirationDateTime); status != 0 {
				writeError(c.w, c.r, status, "InvalidRequest", msg)
				return
			}
			s.expires = cp.expires
		}
		if in.NotificationURL != nil {
			s.notificationURL = *in.NotificationURL
		}
		writeJSON(c.w, http.StatusOK, e.subscriptionJSON(s))
	})
}

// https://learn.microsoft.com/en-us/graph/api/subscription-delete
func (e *Emulator) deleteSubscription(c *call) {
	e.withSubscription(c, func(s *subscription) {
		delete(e.subs, s.id)
		c.w.WriteHeader(http.StatusNoContent)
	})
}

// https://learn.microsoft.com/en-us/graph/api/subscription-reauthorize
func (e *Emulator) reauthorizeSubscription(c *call) {
	e.withSubscription(c, func(*subscription) { c.w.WriteHeader(http.StatusOK) })
}

// AllowDuplicateSubscriptions makes create accept duplicates instead of answering 409, as
// Graph has been seen to do for mailboxes, so callers' reconciliation can be tested.
func (e *Emulator) AllowDuplicateSubscriptions(allow bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.allowDuplicates = allow
}
