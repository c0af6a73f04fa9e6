package graphemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// receiver is a subscriber endpoint: it answers validation requests and records notifications.
type receiver struct {
	srv       *httptest.Server
	mu        sync.Mutex
	echo      func(token string) (int, string, string) // status, content type, body
	failFirst int                                      // notifications to refuse with 503
	got       chan map[string]any
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	rc := &receiver{got: make(chan map[string]any, 100),
		echo: func(tok string) (int, string, string) { return 200, "text/plain; charset=utf-8", tok }}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			status, ctype, body := rc.echo(tok)
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
		rc.mu.Lock()
		refuse := rc.failFirst > 0
		rc.failFirst--
		rc.mu.Unlock()
		if refuse {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var body struct {
			Value []map[string]any `json:"value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		for _, n := range body.Value {
			rc.got <- n
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case n := <-rc.got:
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("no notification arrived")
		return nil
	}
}

func subBody(rc *receiver, resource, state string, expires time.Time) map[string]any {
	return map[string]any{
		"changeType": "created", "notificationUrl": rc.srv.URL + "/notify",
		"lifecycleNotificationUrl": rc.srv.URL + "/lifecycle", "resource": resource,
		"expirationDateTime": expires.Format(time.RFC3339), "clientState": state,
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	h := newHarness(t, Options{RetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	rc := newReceiver(t)
	res := "users/" + support + "/mailFolders('inbox')/messages"
	exp := time.Now().Add(24 * time.Hour)
	sub := h.obj(http.MethodPost, "/v1.0/subscriptions", subBody(rc, res, "s3cret", exp), 201, "Prefer", `IdType="ImmutableId"`)
	id := sub["id"].(string)
	if sub["resource"] != res || sub["clientState"] != "s3cret" || sub["lifecycleNotificationUrl"] != rc.srv.URL+"/lifecycle" {
		t.Errorf("created = %v", sub)
	}
	resp, b := h.do(http.MethodPost, "/v1.0/subscriptions", subBody(rc, res, "other", exp))
	if resp.StatusCode != http.StatusConflict || errCode(t, b) != "ExtensionError" {
		t.Errorf("duplicate: %d %s", resp.StatusCode, b)
	}
	rc.mu.Lock()
	rc.failFirst = 2 // delivered on the third attempt
	rc.mu.Unlock()
	d := h.deliver(support, mail(alice, support, "notify me"), Delivery{})
	n := rc.next(t)
	rd := n["resourceData"].(map[string]any)
	if n["subscriptionId"] != id || n["clientState"] != "s3cret" || n["changeType"] != "created" || rd["id"] != d.ImmutableID ||
		n["tenantId"] == "" || n["resource"] != "Users/"+h.e.AddMailbox(support, "")+"/Messages/"+d.ImmutableID {
		t.Errorf("notification = %v", n)
	}
	eventually(t, "delivery counted after two failures", func() bool {
		st := h.e.Stats()
		return st.FailedAttempts == 2 && st.Notifications == 1
	})
	renewed := h.obj(http.MethodPatch, "/v1.0/subscriptions/"+id, map[string]any{"expirationDateTime": exp.Add(48 * time.Hour).Format(time.RFC3339)}, 200)
	if renewed["expirationDateTime"] == sub["expirationDateTime"] {
		t.Error("expiry not renewed")
	}
	if err := h.e.FireLifecycle(id, Missed); err != nil {
		t.Fatal(err)
	}
	if n := rc.next(t); n["lifecycleEvent"] != "missed" || n["clientState"] != "s3cret" || n["subscriptionId"] != id {
		t.Errorf("lifecycle = %v", n)
	}
	if got := values(t, h.obj(http.MethodGet, "/v1.0/subscriptions", nil, 200)); len(got) != 1 {
		t.Errorf("list = %v", got)
	}
	if err := h.e.FireLifecycle(id, SubscriptionRemoved); err != nil {
		t.Fatal(err)
	}
	if n := rc.next(t); n["lifecycleEvent"] != "subscriptionRemoved" {
		t.Errorf("lifecycle = %v", n)
	}
	if resp, _ := h.do(http.MethodPatch, "/v1.0/subscriptions/"+id, map[string]any{"expirationDateTime": exp.Format(time.RFC3339)}); resp.StatusCode != 404 {
		t.Errorf("renew removed subscription: %d, want 404", resp.StatusCode)
	}
	again := h.obj(http.MethodPost, "/v1.0/subscriptions", subBody(rc, res, "s3cret", exp), 201)
	h.obj(http.MethodDelete, "/v1.0/subscriptions/"+again["id"].(string), nil, 204)
}

func TestSubscriptionRefusals(t *testing.T) {
	h := newHarness(t, Options{})
	rc := newReceiver(t)
	res := "users/" + support + "/mailFolders('inbox')/messages"
	ok := time.Now().Add(time.Hour)
	tests := []struct {
		name   string
		echo   func(string) (int, string, string)
		body   map[string]any
		status int
	}{
		{"wrong echo", func(string) (int, string, string) { return 200, "text/plain", "nope" }, subBody(rc, res, "s", ok), 400},
		{"not text/plain", func(tok string) (int, string, string) { return 200, "application/json", tok }, subBody(rc, res, "s", ok), 400},
		{"endpoint error", func(string) (int, string, string) { return 500, "text/plain", "" }, subBody(rc, res, "s", ok), 400},
		{"too long", nil, subBody(rc, res, "s", time.Now().Add(10081*time.Minute)), 400},
		{"in the past", nil, subBody(rc, res, "s", time.Now().Add(-time.Minute)), 400},
		{"unknown mailbox", nil, subBody(rc, "users/nobody@x.test/messages", "s", ok), 404},
		{"unsupported resource", nil, subBody(rc, "users/"+support+"/events", "s", ok), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc.mu.Lock()
			if tt.echo != nil {
				rc.echo = tt.echo
			}
			rc.mu.Unlock()
			resp, b := h.do(http.MethodPost, "/v1.0/subscriptions", tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			errCode(t, b)
		})
	}
	if ids := h.e.SubscriptionIDs(); len(ids) != 0 {
		t.Errorf("refused subscriptions exist: %v", ids)
	}
}

func TestSubscriptionExpiryAndDuplicatesSwitch(t *testing.T) {
	now := time.Now().UTC()
	h := newHarness(t, Options{Now: func() time.Time { return now }})
	rc := newReceiver(t)
	res := "users/" + support + "/messages"
	sub := h.obj(http.MethodPost, "/v1.0/subscriptions", subBody(rc, res, "s", now.Add(time.Hour)), 201)
	h.e.AllowDuplicateSubscriptions(true)
	h.obj(http.MethodPost, "/v1.0/subscriptions", subBody(rc, res, "s", now.Add(time.Hour)), 201)
	if n := len(h.e.SubscriptionIDs()); n != 2 {
		t.Errorf("duplicates allowed: %d subscriptions", n)
	}
	now = now.Add(2 * time.Hour)
	if resp, _ := h.do(http.MethodGet, "/v1.0/subscriptions/"+sub["id"].(string), nil); resp.StatusCode != 404 {
		t.Errorf("expired subscription: %d, want 404", resp.StatusCode)
	}
}

func TestDuplicateNotifications(t *testing.T) {
	h := newHarness(t, Options{})
	rc := newReceiver(t)
	h.obj(http.MethodPost, "/v1.0/subscriptions", subBody(rc, "users/"+support+"/mailFolders/inbox/messages", "s", time.Now().Add(time.Hour)), 201)
	h.e.SetDuplicateNotifications(3)
	d := h.deliver(support, mail(alice, support, "thrice"), Delivery{})
	for range 3 {
		if n := rc.next(t); n["resourceData"].(map[string]any)["id"] != d.ID {
			t.Errorf("notification for %v, want %s", n["resourceData"], d.ID)
		}
	}
	h.deliver(support, mail(alice, support, "sent items only"), Delivery{Folder: "sentitems"})
	eventually(t, "three deliveries counted", func() bool { return h.e.Stats().Notifications == 3 })
	select {
	case n := <-rc.got:
		t.Errorf("unexpected notification %v", n)
	case <-time.After(100 * time.Millisecond):
	}
}
