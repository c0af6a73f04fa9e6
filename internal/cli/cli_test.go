package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

const mb = "support@example.com"

// oneFolder is a Delta with a few messages in the inbox, all on one page.
type oneFolder struct{ msgs []ingest.DeltaMessage }

func (f oneFolder) MessageDelta(ctx context.Context, r ingest.DeltaRequest) (ingest.DeltaPage, error) {
	if r.Folder != ingest.FolderInbox {
		return ingest.DeltaPage{DeltaLink: "https://graph.test/delta?$deltatoken=s"}, nil
	}
	return ingest.DeltaPage{Messages: f.msgs, DeltaLink: "https://graph.test/delta?$deltatoken=i"}, nil
}

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	cs := testenv.StorageConnection(tb)
	prefix := testenv.UniqueName(tb, "c")
	tb.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	st, err := store.Open(context.Background(), store.Options{ConnectionString: cs, TablePrefix: prefix})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func TestHelp(t *testing.T) {
	for _, c := range Commands {
		t.Run(c.Name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if err := Run(context.Background(), c.Name, []string{"--help"}, Deps{}, &out, &errOut); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(errOut.String(), "Usage: mail2jira "+c.Name) {
				t.Errorf("help: %s", errOut.String())
			}
		})
	}
	if err := Run(context.Background(), "nope", nil, Deps{}, io.Discard, io.Discard); err == nil || IsCommand("nope") || !IsCommand("sweep") {
		t.Error("unknown command accepted")
	}
}

func TestSweepAndLog(t *testing.T) {
	st := openStore(t)
	now := time.Now()
	var msgs []ingest.DeltaMessage
	for i := range 3 {
		id := fmt.Sprintf("AAMk%d", i)
		msgs = append(msgs, ingest.DeltaMessage{ID: id, InternetMessageID: "<" + id + "@x>", From: "a@example.com", Subject: "help " + id, Received: now.Add(-time.Hour)})
	}
	failed := store.MailRef{Mailbox: mb, InternetMessageID: msgs[0].InternetMessageID, GraphID: msgs[0].ID, Subject: msgs[0].Subject}
	if _, err := st.RecordMail(context.Background(), failed, store.Outcome{State: store.StateFailed, Reason: "Jira refused the issue type"}); err != nil {
		t.Fatal(err)
	}
	var delivered []ingest.QueueMessage
	d := Deps{
		Sweeper: &ingest.Sweeper{Graph: oneFolder{msgs}, Store: st, Mailboxes: []string{mb}, LookbackDays: 2, Log: quiet()},
		Store:   st,
		Deliver: func(ctx context.Context, m []ingest.QueueMessage) error {
			delivered = append(delivered, m...)
			return nil
		},
	}
	var out bytes.Buffer
	if err := Run(context.Background(), "sweep", []string{"--days", "2"}, d, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), mb+" inbox page 1: 3 seen, 2 enqueued") ||
		!strings.Contains(out.String(), "seen 3, already done 0, enqueued 2, failed 1, waiting 0") || len(delivered) != 2 {
		t.Errorf("sweep output:\n%s\ndelivered %d", out.String(), len(delivered))
	}
	if err := Run(context.Background(), "sweep", []string{"--mailbox", "other@example.com"}, d, io.Discard, io.Discard); err == nil {
		t.Error("an unconfigured mailbox was swept")
	}
	out.Reset()
	if err := Run(context.Background(), "log", []string{"--outcome", "failed", "--since", "1h"}, d, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Jira refused the issue type") || strings.Contains(out.String(), "help AAMk1") {
		t.Errorf("log output:\n%s", out.String())
	}
	if err := Run(context.Background(), "log", []string{"--outcome", "lost"}, d, io.Discard, io.Discard); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("bad outcome: %v", err)
	}
}

// fakeAccess answers check's questions.
type fakeAccess struct{ roles []string }

func (f fakeAccess) AppRoles(ctx context.Context) ([]string, error) { return f.roles, nil }
func (f fakeAccess) ReadInbox(ctx context.Context, mailbox string) error {
	if mailbox == "locked@example.com" {
		return fmt.Errorf("read inbox: 403 access denied by application access policy: %w", errs.ErrForbidden)
	}
	return nil
}
func (f fakeAccess) SendTest(ctx context.Context, mailbox, to string) error { return nil }
func (f fakeAccess) BoardProjects(ctx context.Context, board string) ([]string, error) {
	if board == "Both" {
		return []string{"SUP", "OPS"}, nil
	}
	return []string{"SUP"}, nil
}
func (f fakeAccess) MissingPermissions(ctx context.Context, project string) ([]string, error) {
	return []string{"MANAGE_WATCHERS"}, nil
}

func TestCheck(t *testing.T) {
	c := &ingest.Checker{Graph: fakeAccess{roles: []string{"Mail.ReadWrite"}}, Jira: fakeAccess{},
		Storage: func(ctx context.Context) error { return nil }, Mailboxes: []string{mb, "locked@example.com"},
		Boards:            map[string]string{"support": "Support", "mixed": "Both"},
		CertificateExpiry: func() (time.Time, bool) { return time.Now().Add(10 * 24 * time.Hour), true },
		Relay:             func() (bool, string) { return false, "JIRA_RELAY_ENABLED is false" }}
	var out bytes.Buffer
	err := Run(context.Background(), "check", []string{"--send-test", "ops@example.com"}, Deps{Checker: c}, &out, io.Discard)
	if err == nil {
		t.Fatal("check passed with failures")
	}
	for _, want := range []string{
		"PASS  settings", "PASS  storage reachable", "FAIL  Graph token has Mail.ReadWrite and Mail.Send: the token lacks Mail.Send",
		"PASS  Graph can read " + mb + "'s inbox", "FAIL  Graph can read locked@example.com's inbox", "New-ApplicationAccessPolicy",
		"PASS  Graph can send as " + mb, "FAIL  board mixed (Both) maps to one project: the board covers 2 projects",
		"FAIL  Jira account can browse, create, set reporter and manage watchers in SUP: missing MANAGE_WATCHERS",
		"FAIL  client certificate valid for 30 days or more: 9 days left", "      fix: ",
		"FAIL  Jira comment relay: JIRA_RELAY_ENABLED is false", "register the Jira webhook",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
}
