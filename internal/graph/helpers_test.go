package graph_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/graph/graphtest"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// The consumers' ports, all served by one client.
var (
	_ mail.Graph           = (*graph.Client)(nil)
	_ ingest.Subscriptions = (*graph.Client)(nil)
	_ ingest.Delta         = (*graph.Client)(nil)
	_ ingest.GraphAccess   = (*graph.Client)(nil)
)

const (
	support = "support@contoso.test"
	alice   = "alice@fabrikam.test"
	carol   = "carol@fabrikam.test"
)

// env is the emulators plus one client using the secret credential.
type env struct {
	*graphtest.Env
	c *graph.Client
}

func newEnv(t *testing.T, o graphemu.Options) *env {
	t.Helper()
	e := graphtest.Start(t, graphtest.Options{Graph: o})
	e.Graph.AddMailbox(support, "Support")
	e.Graph.AddMailbox(alice, "Alice")
	e.Graph.AddMailbox(carol, "Carol")
	return &env{Env: e, c: e.Client(t, e.Options())}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (e *env) deliver(t *testing.T, to string, m *eml.Message, d graphemu.Delivery) graphemu.Delivered {
	t.Helper()
	got, err := e.Graph.Deliver(to, m, d)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// newMail is a mail from alice to support with Carol in Cc.
func newMail(subject string) *eml.Message {
	return &eml.Message{
		MessageID:  "<" + subject + "-" + time.Now().Format("150405.000000000") + "@fabrikam.test>",
		Subject:    subject,
		From:       &eml.Address{Name: "Alice", Address: alice},
		Sender:     &eml.Address{Name: "Alice", Address: alice},
		ReplyTo:    []eml.Address{{Address: alice}},
		To:         []eml.Address{{Name: "Support", Address: support}},
		Cc:         []eml.Address{{Name: "Carol", Address: carol}},
		Date:       time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC),
		Headers:    []eml.Header{{Name: "Subject", Value: subject}, {Name: "X-Custom", Value: "kept"}},
		TextBody:   "New text\n\n> old text",
		HTMLBody:   "<p>New text</p><blockquote>old text</blockquote>",
		UniqueText: "New text",
		UniqueHTML: "<p>New text</p>",
		Importance: "high",
	}
}

// recorder keeps every request a client sent, as seen below the SDK's middleware.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) transport() http.RoundTripper {
	return graphtest.Transport{Next: http.DefaultTransport, Seen: func(req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.reqs = append(r.reqs, req)
	}}
}

func (r *recorder) requests() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request{}, r.reqs...)
}
