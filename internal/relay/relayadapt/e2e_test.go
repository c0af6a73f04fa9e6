package relayadapt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/handlers"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/hostmeta"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/mail/mailstore"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/relay"
	"github.com/mail2jira/mail2jira/internal/relay/relayadapt"
	"github.com/mail2jira/mail2jira/internal/sandbox"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

const (
	secret  = "relay-e2e-webhook-secret-0123"
	alice   = "alice@contoso.example"
	bob     = "bob@fabrikam.example"
	agentID = "agent-dana-0001"
)

// world is the service's relay and mail processor wired to the sandbox emulators and
// Azurite, serving the real functions (JiraWebhook among them) over HTTP.
type world struct {
	sb    *sandbox.Sandbox
	st    *store.Store
	jc    *jira.Client
	proc  *mail.Processor
	relay *relay.Relayer
	url   string // the service's base URL
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	ca, err := tlsca.New()
	if err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{CA: ca, Storage: testenv.StorageConnection(t), Dir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	env := sb.ServiceEnv()
	env["JIRA_RELAY_ENABLED"], env["JIRA_WEBHOOK_SECRET"], env["SUBSCRIPTIONS_ENABLED"] = "true", secret, "false"
	delete(env, "PUBLIC_BASE_URL") // no Graph subscriptions here
	cfg, err := config.Load(ctx, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{ConnectionString: testenv.StorageConnection(t), TablePrefix: testenv.UniqueName(t, "relay"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	jc, err := jira.New(jira.Config{SiteURL: cfg.JiraURL, Email: cfg.JiraUser, APIToken: cfg.JiraToken, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	gc, err := graph.New(graph.Options{TenantID: cfg.TenantID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AuthorityHost: cfg.AuthorityHost, BaseURL: cfg.GraphBaseURL, IdentityTransport: ca.Client(),
		Limiter: graph.NewLimiter(graph.GraphLimits()), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	board, err := jc.BoardByName(ctx, sandbox.BoardName)
	if err != nil {
		t.Fatal(err)
	}
	rl, err := relayadapt.New(cfg, jc, gc, st, map[string]jira.Board{"support": board}, log)
	if err != nil {
		t.Fatal(err)
	}
	mc := &mail.Config{Mailboxes: cfg.Mailboxes, Labels: cfg.Labels, SiteURL: cfg.JiraURL, MaxNewTicketsPerHour: -1,
		Routes: map[string]mail.Route{sandbox.Mailbox: {ProjectKey: board.Project.Key, IssueType: cfg.TicketType, Category: cfg.DefaultCategory}}}
	w := &world{sb: sb, st: st, jc: jc, relay: rl,
		proc: &mail.Processor{Config: mc, Graph: gc, Jira: jc, Store: mailstore.New(st, 0), Log: log}}
	w.url = serve(t, rl, cfg, log)
	if err := sb.Jira.AddUser(jiraemu.User{AccountID: agentID, DisplayName: "Dana Agentin", Email: "dana@contoso.example"}); err != nil {
		t.Fatal(err)
	}
	// No JQL filter here: the service's own label check must hold on its own.
	if _, err := sb.Jira.RegisterWebhook(jiraemu.Webhook{URL: w.url + "/api/jira/webhook", Secret: secret, Events: []string{"comment_created"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// serve runs the real functions in standalone mode, JiraWebhook wired to the relay.
func serve(t *testing.T, rl *relay.Relayer, cfg *config.Config, log *slog.Logger) string {
	t.Helper()
	funcs, err := hostmeta.Load(os.DirFS(filepath.Join("..", "..", "..")))
	if err != nil {
		t.Fatal(err)
	}
	impls := handlers.Impls(handlers.Deps{})
	impls[registry.FuncJiraWebhook] = handlers.Impl{Serve: handlers.JiraWebhookFunc(handlers.RelayDeps{
		Enabled: cfg.RelayEnabled, Secret: cfg.WebhookSecret, Relay: rl, Budget: time.Minute})}
	srv, err := handlers.NewServer(handlers.Options{Functions: funcs, Impls: impls, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts.URL
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ticketFromMail delivers the request to the support mailbox and lets the real processor
// make a ticket of it (and acknowledge it to Alice).
func (w *world) ticketFromMail(t *testing.T) (key string, orig graphemu.Delivered) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "request.eml"))
	if err != nil {
		t.Fatal(err)
	}
	orig, err = w.sb.Graph.Deliver(sandbox.Mailbox, parseMail(t, string(raw)), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := w.proc.Process(ctxT(t), mail.Ref{Mailbox: sandbox.Mailbox, Folder: "inbox", MessageID: orig.ImmutableID, DequeueCount: 1, MaxDequeue: 5})
	if err != nil || out.State != mail.StateCreated {
		t.Fatalf("processing the request: %+v, %v", out, err)
	}
	return out.TicketKey, orig
}

// comment adds a comment as author and waits until Jira's delivery of it was answered
// with a final status; it returns the comment id and that status.
func (w *world) comment(t *testing.T, key, author string, in jiraemu.CommentInput) (string, int) {
	t.Helper()
	if in.Body == nil {
		in.Body = jiraemu.TextADF("Eine Antwort")
	}
	id, err := w.sb.Jira.AddComment(key, author, in)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		for _, d := range w.sb.Jira.Deliveries() {
			var p struct {
				Comment struct{ ID string } `json:"comment"`
			}
			if json.Unmarshal(d.Body, &p) == nil && p.Comment.ID == id && d.Status != 0 && d.Status < 500 {
				return id, d.Status
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("comment %s on %s: no delivery answered", id, key)
	return "", 0
}

// relayed lists the mails in a folder that relay comment id.
func (w *world) relayed(t *testing.T, mailbox, folder, id string) []graphemu.Snapshot {
	t.Helper()
	ms, err := w.sb.Graph.Messages(mailbox, folder)
	if err != nil {
		t.Fatal(err)
	}
	var out []graphemu.Snapshot
	for _, m := range ms {
		if header(m, relay.HeaderComment) == id {
			out = append(out, m)
		}
	}
	return out
}

func header(m graphemu.Snapshot, name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func imageComment(t *testing.T, w *world, key string) json.RawMessage {
	t.Helper()
	png, err := os.ReadFile(filepath.Join("testdata", "router.png"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.jc.UploadAttachment(ctxT(t), key, "router.png", "image/png", bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("testdata", "comment.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(doc, []byte("ATTACHMENT"), []byte(a.ID), 1)
}

func TestPublicCommentReachesRequesterOnTheThread(t *testing.T) {
	w := newWorld(t)
	key, orig := w.ticketFromMail(t)
	id, status := w.comment(t, key, agentID, jiraemu.CommentInput{Body: imageComment(t, w, key)})
	if status != http.StatusOK {
		t.Fatalf("delivery answered %d", status)
	}
	got := w.relayed(t, alice, "inbox", id)
	if len(got) != 1 {
		t.Fatalf("%d relayed mails in Alice's inbox, want 1", len(got))
	}
	m := got[0]
	for _, want := range []string{"Bitte den Router neu starten", "Dana Agentin", key, `src="cid:`} {
		if !strings.Contains(m.HTMLBody, want) {
			t.Errorf("relayed mail lacks %q:\n%s", want, m.HTMLBody)
		}
	}
	if len(m.Attachments) != 1 || m.Attachments[0] != "router.png" {
		t.Errorf("attachments %v, want the comment's image", m.Attachments)
	}
	if !strings.Contains(m.Subject, key) {
		t.Errorf("subject %q lacks %s", m.Subject, key)
	}
	sent := w.relayed(t, sandbox.Mailbox, "sentitems", id)
	if len(sent) != 1 {
		t.Fatalf("%d copies in Sent Items, want 1", len(sent))
	}
	if sent[0].ConversationID != orig.ConversationID {
		t.Errorf("relay is on conversation %s, the request on %s", sent[0].ConversationID, orig.ConversationID)
	}
	if header(sent[0], mail.HeaderTicket) != key {
		t.Errorf("Sent Items copy carries %s=%q, want %s", mail.HeaderTicket, header(sent[0], mail.HeaderTicket), key)
	}
	acks, err := w.sb.Graph.Messages(alice, "inbox")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acks {
		if a.ConversationID != m.ConversationID {
			t.Errorf("Alice's mails span conversations %s and %s", a.ConversationID, m.ConversationID)
		}
	}

	// The copy in Sent Items comes back through the processor as our own mail: no comment.
	before := commentCount(t, w, key)
	out, err := w.proc.Process(ctxT(t), mail.Ref{Mailbox: sandbox.Mailbox, Folder: "sentitems", MessageID: sent[0].ImmutableID, DequeueCount: 1, MaxDequeue: 5})
	if err != nil || out.State != mail.StateOwn {
		t.Errorf("Sent Items copy processed as %+v, %v; want own mail", out, err)
	}
	if n := commentCount(t, w, key); n != before {
		t.Errorf("comments %d -> %d: our own relay became a comment", before, n)
	}

	// Jira retrying the same delivery (same identifier, same bytes) mails nothing more.
	var first jiraemu.Delivery
	for _, d := range w.sb.Jira.Deliveries() {
		if bytes.Contains(d.Body, []byte(`"id":"`+id+`"`)) {
			first = d
		}
	}
	resp, body := postWebhook(t, w.url, first.Body, relay.Sign(secret, first.Body), first.Identifier)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), string(relay.Repeat)) {
		t.Errorf("replayed delivery: %d %s", resp.StatusCode, body)
	}
	if n := len(w.relayed(t, alice, "inbox", id)); n != 1 {
		t.Errorf("%d relayed mails after the replay, want 1", n)
	}
}

func TestNothingIsMailedForPrivateOrForeignComments(t *testing.T) {
	w := newWorld(t)
	key, orig := w.ticketFromMail(t)
	// An issue without our labels, even one the store maps to a thread (say someone took
	// the label off), is not the service's to mail about.
	foreign, err := w.jc.Create(ctxT(t), jira.NewIssue{ProjectKey: sandbox.JiraProject, IssueType: "Task", Summary: "Not a mail ticket"})
	if err != nil {
		t.Fatal(err)
	}
	_, claim, err := w.st.ClaimConversation(ctxT(t), sandbox.Mailbox, "foreign-conversation", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CompleteTicket(ctxT(t), claim, store.Ticket{Mailbox: sandbox.Mailbox, ConversationID: "foreign-conversation",
		Key: foreign.Key, Reporter: alice, LastMessageID: orig.ImmutableID}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, author string
		in                jiraemu.CommentInput
	}{
		{"internal comment", key, agentID, jiraemu.CommentInput{Internal: true}},
		// The sandbox's service account is in no group, so Jira hides this comment from it
		// (relay unit tests cover a restricted comment the account can read).
		{"restricted comment", key, agentID, jiraemu.CommentInput{Visibility: &jiraemu.Visibility{Type: "role", Value: "Administrators"}}},
		{"comment by the service account", key, sandbox.BotAccountID, jiraemu.CommentInput{}},
		{"issue without our labels", foreign.Key, agentID, jiraemu.CommentInput{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, status := w.comment(t, tt.key, tt.author, tt.in)
			if status != http.StatusOK {
				t.Errorf("delivery answered %d, want 200", status)
			}
			if n := len(w.relayed(t, alice, "inbox", id)); n != 0 {
				t.Errorf("%d mails relayed", n)
			}
			if n := len(w.relayed(t, sandbox.Mailbox, "sentitems", id)); n != 0 {
				t.Errorf("%d mails sent", n)
			}
		})
	}
	t.Run("bad signature", func(t *testing.T) {
		body := []byte(`{"webhookEvent":"comment_created","comment":{"id":"99999"},"issue":{"key":"` + key + `"}}`)
		resp, got := postWebhook(t, w.url, body, relay.Sign("not-the-secret-0123456789", body), "forged")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401: %s", resp.StatusCode, got)
		}
		if n := len(w.relayed(t, sandbox.Mailbox, "sentitems", "99999")); n != 0 {
			t.Errorf("%d mails sent", n)
		}
	})
}

// A ticket made through the API has no thread: its reporter gets a new mail with the key
// in the subject, whose ids are recorded, so the reporter's answer threads back as a
// comment even when the subject lost the key.
func TestAPITicketReporterGetsNewMailAndAnswersBack(t *testing.T) {
	w := newWorld(t)
	ctx := ctxT(t)
	is, err := w.jc.Create(ctx, jira.NewIssue{ProjectKey: sandbox.JiraProject, IssueType: "Task", Summary: "Zugang zum Wiki", Labels: []string{"mail2jira"}})
	if err != nil {
		t.Fatal(err)
	}
	_, claim, err := w.st.ClaimConversation(ctx, "", "api:relay-test", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.CompleteTicket(ctx, claim, store.Ticket{ConversationID: "api:relay-test", Key: is.Key, Reporter: bob, Summary: "Zugang zum Wiki"}); err != nil {
		t.Fatal(err)
	}
	id, status := w.comment(t, is.Key, agentID, jiraemu.CommentInput{Body: jiraemu.TextADF("Der Zugang ist eingerichtet.")})
	if status != http.StatusOK {
		t.Fatalf("delivery answered %d", status)
	}
	got := w.relayed(t, bob, "inbox", id)
	if len(got) != 1 {
		t.Fatalf("%d mails to the reporter, want 1", len(got))
	}
	if got[0].Subject != "["+is.Key+"] Zugang zum Wiki" || !strings.Contains(got[0].HTMLBody, "Der Zugang ist eingerichtet.") {
		t.Errorf("mail %q: %s", got[0].Subject, got[0].HTMLBody)
	}

	// A subject without the key: only the recorded ids can thread this answer.
	reply := parseMail(t, "From: Bob Outsider <"+bob+">\nTo: "+sandbox.Mailbox+"\nSubject: Danke\n"+
		"Message-ID: <bob-answer@fabrikam.example>\nIn-Reply-To: "+got[0].InternetMessageID+"\nReferences: "+got[0].InternetMessageID+"\n"+
		"Date: Sat, 28 Nov 2026 11:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nDanke, klappt!\n")
	d, err := w.sb.Graph.Deliver(sandbox.Mailbox, reply, graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	before := commentCount(t, w, is.Key)
	out, err := w.proc.Process(ctx, mail.Ref{Mailbox: sandbox.Mailbox, Folder: "inbox", MessageID: d.ImmutableID, DequeueCount: 1, MaxDequeue: 5})
	if err != nil || out.State != mail.StateCommented || out.TicketKey != is.Key {
		t.Errorf("the reporter's answer became %+v, %v; want a comment on %s", out, err, is.Key)
	}
	if n := commentCount(t, w, is.Key); n != before+1 {
		t.Errorf("comments %d -> %d, want one more", before, n)
	}
}

func parseMail(t *testing.T, raw string) *eml.Message {
	t.Helper()
	m, err := eml.Parse(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func commentCount(t *testing.T, w *world, key string) int {
	t.Helper()
	cs, err := w.jc.Comments(ctxT(t), key, jira.CommentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}

func postWebhook(t *testing.T, base string, body []byte, sig, ident string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/jira/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(relay.SignatureHeader, sig)
	req.Header.Set(relay.IdentifierHeader, ident)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// Pending finds its candidates through the adapter's JQL search and comment listing.
func TestAdapterFindsRecentlyCommentedTickets(t *testing.T) {
	w := newWorld(t)
	key, _ := w.ticketFromMail(t)
	other, err := w.jc.Create(ctxT(t), jira.NewIssue{ProjectKey: sandbox.JiraProject, IssueType: "Task", Summary: "unlabelled"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := w.comment(t, key, agentID, jiraemu.CommentInput{})
	j := relayadapt.Jira{C: w.jc}
	keys, err := j.UpdatedSince(ctxT(t), []string{"mail2jira"}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(keys, key) || slices.Contains(keys, other.Key) {
		t.Errorf("recently updated tickets %v, want %s and not %s", keys, key, other.Key)
	}
	cs, err := j.Comments(ctxT(t), key)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cs, func(c relay.Comment) bool { return c.ID == id })
	if i < 0 || cs[i].AuthorID != agentID || cs[i].Internal || cs[i].Restricted || cs[i].FromMail || cs[i].Created.IsZero() {
		t.Errorf("comments %+v: want %s by %s, public", cs, id, agentID)
	}
}
