package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/app"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/sandbox"
)

// instances connects n independent copies of the service (own Table Storage, Graph and Jira
// clients) to one sandbox and one Azurite, as n Function instances would be.
func instances(t *testing.T, n int) ([]*app.Service, *sandbox.Sandbox) {
	t.Helper()
	var sb *sandbox.Sandbox
	env := baseEnv(t, "SUBSCRIPTIONS_ENABLED=false")
	sb = lastSandbox
	cfg, err := config.Load(context.Background(), env, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out []*app.Service
	for i := 0; i < n; i++ {
		s, err := app.Connect(context.Background(), cfg, log, app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out, sb
}

// deliver puts a mail into the sandbox mailbox and returns its queue reference.
func deliver(t *testing.T, sb *sandbox.Sandbox, raw string) mail.Ref {
	t.Helper()
	m, err := eml.Parse(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	d, err := sb.Graph.Deliver(sandbox.Mailbox, m, graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	return mail.Ref{Mailbox: sandbox.Mailbox, Folder: "inbox", MessageID: d.ImmutableID, MaxDequeue: 5}
}

func newMail(i int) string {
	return fmt.Sprintf(`From: Alice Example <alice@contoso.example>
To: support@contoso.example
Cc: Carol Private <carol@contoso.example>
Subject: Request %d: the VPN drops every hour
Message-ID: <req-%d@contoso.example>
Date: Sat, 28 Nov 2026 09:%02d:00 +0000
Content-Type: text/plain; charset=utf-8

The VPN drops every hour (request %d).
`, i, i, i, i)
}

func replyMail(i int) string {
	return fmt.Sprintf(`From: Alice Example <alice@contoso.example>
To: support@contoso.example
Subject: RE: Request %d: the VPN drops every hour
Message-ID: <reply-%d@contoso.example>
In-Reply-To: <req-%d@contoso.example>
References: <req-%d@contoso.example>
Date: Sat, 28 Nov 2026 10:%02d:00 +0000
Content-Type: text/plain; charset=utf-8

It happened again at 10:00 (reply %d).

On Sat, 28 Nov 2026, Alice wrote:
> The VPN drops every hour.
`, i, i, i, i, i, i)
}

// processAll runs every ref `copies` times, spread over the instances, all at once, retrying
// what the queue would retry, as redelivered notifications and an overlapping sweep would.
func processAll(t *testing.T, svcs []*app.Service, refs []mail.Ref, copies int) {
	t.Helper()
	var wg sync.WaitGroup
	errc := make(chan error, len(refs)*copies)
	for i, ref := range refs {
		for c := 0; c < copies; c++ {
			wg.Add(1)
			go func(svc *app.Service, ref mail.Ref) {
				defer wg.Done()
				errc <- processUntilDone(svc, ref)
			}(svcs[(i+c)%len(svcs)], ref)
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Error(err)
		}
	}
}

// processUntilDone retries like the queue: a busy mail (another instance holds it) or a
// transient error is delivered again.
func processUntilDone(svc *app.Service, ref mail.Ref) error {
	var err error
	for attempt := 1; attempt <= 50; attempt++ {
		ref.DequeueCount = 1
		if _, err = svc.Mail.Process(context.Background(), ref); err == nil {
			return nil
		}
		if !errors.Is(err, errs.ErrConflict) && !mail.Transient(err) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s still failing: %w", ref.MessageID, err)
}

// TestExactlyOnceAcrossInstances: every mail processed three times concurrently across four
// instances sharing Azurite gives exactly one ticket per thread, one reply per ticket, and
// one comment per reply.
func TestExactlyOnceAcrossInstances(t *testing.T) {
	svcs, sb := instances(t, 4)
	const threads = 6
	var news, replies []mail.Ref
	for i := 1; i <= threads; i++ {
		news = append(news, deliver(t, sb, newMail(i)))
	}
	processAll(t, svcs, news, 3)

	keys := sb.Jira.IssueKeys()
	if len(keys) != threads {
		t.Fatalf("%d issues for %d threads: %v", len(keys), threads, keys)
	}
	sent, err := sb.Graph.Messages(sandbox.Mailbox, "sentitems")
	if err != nil {
		t.Fatal(err)
	}
	if len(sent) != threads {
		t.Errorf("%d replies sent for %d tickets", len(sent), threads)
	}
	for _, m := range sent {
		if !hasHeader(m, mail.HeaderTicket) {
			t.Errorf("reply %q lacks %s", m.Subject, mail.HeaderTicket)
		}
	}

	for i := 1; i <= threads; i++ {
		replies = append(replies, deliver(t, sb, replyMail(i)))
	}
	processAll(t, svcs, replies, 3)
	if got := sb.Jira.IssueKeys(); len(got) != threads {
		t.Fatalf("replies opened new issues: %v", got)
	}
	summaries := map[string]bool{}
	for _, key := range keys {
		is, err := svcs[0].Jira.GetIssue(context.Background(), key, jira.IssueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		summaries[is.Summary] = true
		if is.Reporter == nil || is.Reporter.Email != "alice@contoso.example" || !strings.Contains(string(is.Description), "The VPN drops every hour") {
			t.Errorf("%s: reporter %+v, description %s", key, is.Reporter, is.Description)
		}
		cs, err := svcs[0].Jira.Comments(context.Background(), key, jira.CommentOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 {
			t.Errorf("%s has %d comments, want 1", key, len(cs))
		} else if body := string(cs[0].Body); !strings.Contains(body, "It happened again") || strings.Contains(body, "drops every hour.") {
			t.Errorf("%s comment is not just the new text: %s", key, body)
		}
	}
	if len(summaries) != threads || !summaries["Request 1: the VPN drops every hour"] {
		t.Errorf("summaries %v", summaries)
	}
}

func hasHeader(m graphemu.Snapshot, name string) bool {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// TestSampleMailBecomesTicket is what a user does after `make run`: the service subscribes
// to the mailbox on its own, the printed curl delivers the sample mail, and Graph's
// notification turns it into a Jira issue and an acknowledgement in sent items.
func TestSampleMailBecomesTicket(t *testing.T) {
	env := baseEnv(t, "RENEW_SCHEDULE=*/1 * * * * *")
	sb := lastSandbox
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"mail2jira"}, env, out, out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	waitFor(t, "two subscriptions (inbox and sent items)", out, func() bool { return len(sb.Graph.SubscriptionIDs()) == 2 })
	f, err := os.Open("internal/sandbox/testdata/sample.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.Post(sb.GraphURL+"/sandbox/deliver?mailbox="+sandbox.Mailbox, "message/rfc822", f)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	waitFor(t, "a Jira issue", out, func() bool { return len(sb.Jira.IssueKeys()) == 1 })
	waitFor(t, "the acknowledgement in sent items", out, func() bool {
		sent, _ := sb.Graph.Messages(sandbox.Mailbox, "sentitems")
		return len(sent) == 1 && strings.Contains(sent[0].Subject, sb.Jira.IssueKeys()[0])
	})
	// The processor writes its one line per mail after it recorded the outcome, which is
	// after the acknowledgement was sent.
	waitFor(t, "the processing log line", out, func() bool { return strings.Contains(out.String(), `"msg":"mail processed"`) })
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, `"msg":"mail processed"`) && !strings.Contains(line, `"function":"ProcessMail","invocationId":"`) {
			t.Errorf("processing log line does not name its invocation: %s", line)
		}
		if strings.Contains(line, `"msg":"subscription created"`) && !strings.Contains(line, `"function":"RenewSubscriptions"`) {
			t.Errorf("renewal log line does not name its function: %s", line)
		}
	}
}

// waitFor polls cond for up to a minute (generous: the machine is shared), failing with the
// service's log when it never holds.
func waitFor(t *testing.T, what string, log *syncBuffer, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("no %s within a minute; service log:\n%s", what, log)
}
