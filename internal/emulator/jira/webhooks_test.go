package jiraemu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
	"github.com/google/go-cmp/cmp"
)

// receiver is a webhook endpoint that verifies signatures the way issue 8's trigger must.
type receiver struct {
	secret string
	fail   int // answer 500 to this many deliveries first

	mu    sync.Mutex
	got   []received
	calls int
	done  chan struct{}
}

type received struct {
	Event, Key, CommentID, Identifier, Retry string
	Body                                     json.RawMessage
	SignatureOK                              bool
}

func newReceiver(tb testing.TB, secret string, fail int) (*receiver, *httptest.Server) {
	rc := &receiver{secret: secret, fail: fail, done: make(chan struct{}, 16)}
	srv := httptest.NewServer(rc)
	tb.Cleanup(srv.Close)
	return rc, srv
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(rc.secret))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	var p struct {
		WebhookEvent string `json:"webhookEvent"`
		Issue        struct {
			Key string `json:"key"`
		} `json:"issue"`
		Comment struct {
			ID   string          `json:"id"`
			Body json.RawMessage `json:"body"`
		} `json:"comment"`
	}
	_ = json.Unmarshal(body, &p)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	if rc.calls <= rc.fail {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rc.got = append(rc.got, received{
		Event: p.WebhookEvent, Key: p.Issue.Key, CommentID: p.Comment.ID, Body: p.Comment.Body,
		Identifier: r.Header.Get("X-Atlassian-Webhook-Identifier"), Retry: r.Header.Get("X-Atlassian-Webhook-Retry"),
		SignatureOK: hmac.Equal([]byte(r.Header.Get("X-Hub-Signature")), []byte(want)),
	})
	w.WriteHeader(http.StatusOK)
	rc.done <- struct{}{}
}

func (rc *receiver) wait(tb testing.TB, n int) []received {
	tb.Helper()
	for range n {
		select {
		case <-rc.done:
		case <-time.After(30 * time.Second):
			tb.Fatalf("webhook not delivered")
		}
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

func TestCommentCreatedWebhook(t *testing.T) {
	s := newSite(t, Options{WebhookRetryDelays: []time.Duration{time.Millisecond, time.Millisecond}})
	signed, signedSrv := newReceiver(t, "s3cret-ü", 1)
	filtered, filteredSrv := newReceiver(t, "other", 0)
	if _, err := s.emu.RegisterWebhook(Webhook{URL: signedSrv.URL, Secret: "s3cret-ü", Events: []string{"comment_created"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.emu.RegisterWebhook(Webhook{URL: filteredSrv.URL, Secret: "other", JQL: "labels = mail2jira"}); err != nil {
		t.Fatal(err)
	}
	plain := s.createIssue(t, botID, "No label")
	owned := s.createIssue(t, botID, "Ours", "mail2jira")

	added, _, err := s.jira(t, botID).Issue.Comment.Add(context.Background(), plain, &models.CommentPayloadScheme{Body: adfText("Grüße from the API")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := signed.wait(t, 1)
	want := []received{{Event: "comment_created", Key: plain, CommentID: added.ID, Retry: "1", SignatureOK: true}}
	ignore := cmpIgnore("Identifier", "Body")
	if d := cmp.Diff(want, got, ignore); d != "" {
		t.Errorf("first delivery (-want +got):\n%s", d)
	}
	var doc struct {
		Type    string `json:"type"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(got[0].Body, &doc); err != nil || doc.Type != "doc" || doc.Version != 1 {
		t.Errorf("comment body is not ADF: %s", got[0].Body)
	}
	var attempts []string
	for _, d := range waitDeliveries(t, s.emu, 2) {
		attempts = append(attempts, fmt.Sprintf("%d %d same-id=%v", d.Attempt, d.Status, d.Identifier == got[0].Identifier))
	}
	if d := cmp.Diff([]string{"0 500 same-id=true", "1 200 same-id=true"}, attempts); d != "" {
		t.Errorf("delivery attempts (-want +got):\n%s", d)
	}

	id, err := s.emu.AddComment(owned, aliceID, CommentInput{Body: TextADF("From a person in Jira"), Internal: true})
	if err != nil {
		t.Fatal(err)
	}
	got = signed.wait(t, 1)
	if last := got[len(got)-1]; last.Key != owned || last.CommentID != id || !last.SignatureOK || last.Retry != "" {
		t.Errorf("second delivery %+v", last)
	}
	fgot := filtered.wait(t, 1)
	if len(fgot) != 1 || fgot[0].Key != owned {
		t.Errorf("JQL-filtered webhook got %+v, want only %s", fgot, owned)
	}
}

func TestWebhookWikiBody(t *testing.T) {
	s := newSite(t, Options{WebhookWikiBody: true})
	rc, srv := newReceiver(t, "k", 0)
	if _, err := s.emu.RegisterWebhook(Webhook{URL: srv.URL, Secret: "k"}); err != nil {
		t.Fatal(err)
	}
	key := s.createIssue(t, botID, "Wiki")
	if _, err := s.emu.AddComment(key, aliceID, CommentInput{Body: TextADF("plain words")}); err != nil {
		t.Fatal(err)
	}
	got := rc.wait(t, 1)
	var body string
	if err := json.Unmarshal(got[0].Body, &body); err != nil || body != "plain words" {
		t.Errorf("wiki body %s: %v", got[0].Body, err)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	s := newSite(t, Options{WebhookRetryDelays: []time.Duration{time.Millisecond}})
	rc, srv := newReceiver(t, "", 100)
	if _, err := s.emu.RegisterWebhook(Webhook{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	key := s.createIssue(t, botID, "Failing endpoint")
	if _, err := s.emu.AddComment(key, aliceID, CommentInput{Body: TextADF("x")}); err != nil {
		t.Fatal(err)
	}
	waitDeliveries(t, s.emu, 2)
	s.emu.Close() // waits for the delivery goroutine, which must not try a third time
	rc.mu.Lock()
	calls := rc.calls
	rc.mu.Unlock()
	if calls != 2 {
		t.Errorf("endpoint called %d times, want 2 (first try + one retry)", calls)
	}
}

// waitDeliveries polls until the emulator has recorded n delivery attempts.
func waitDeliveries(tb testing.TB, e *Emulator, n int) []Delivery {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := e.Deliveries()
		if len(d) >= n {
			return d
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d webhook deliveries recorded, want %d", len(d), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
