package mail

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func docText(tb testing.TB, d *adf.Doc) string {
	tb.Helper()
	b, err := d.JSON()
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func attachmentNames(as []JiraAttachment) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Filename)
	}
	slices.Sort(out)
	return out
}

func TestProcessNewTicket(t *testing.T) {
	h := newHarness(t)
	ref, m := h.deliverFixture(t, "new-request", "support@contoso.com")
	out := h.process(t, ref)
	want := Outcome{Result: Result{State: StateCreated, Reason: "new ticket", TicketKey: "SUP-1"}, Class: ClassRequest}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Fatalf("outcome (-want +got):\n%s", diff)
	}
	is := h.jira.snapshot("SUP-1")
	t.Run("issue fields", func(t *testing.T) {
		got := is.in
		got.Description = nil
		wantIn := NewIssue{
			ProjectKey: "SUP", IssueType: "Task", Summary: "[EXTERNAL] Printer on floor 3 prints blank pages",
			Reporter: "acc-ann.lee", Priority: "High",
			Labels: []string{"mail2jira", "support", MarkerLabel("support@contoso.com", m.ConversationID)},
			Origin: "<CAF1new1@mail.fabrikam.com>",
		}
		if diff := cmp.Diff(wantIn, got); diff != "" {
			t.Errorf("issue (-want +got):\n%s", diff)
		}
	})
	t.Run("description", func(t *testing.T) {
		d := docText(t, is.in.Description)
		for _, s := range []string{
			`"type":"mention","attrs":{"id":"acc-ann.lee"`, // From: as a mention
			`"id":"acc-bob"`, `mailto:carol@tailspin.example`, // Cc: mention and mailto
			`Floor plan.vsdx`, `https://fabrikam.sharepoint.com/sites/it/Floor%20plan.vsdx`, // reference link
			`dump.zip`, `was not uploaded`, // oversized note
			`prints blank pages`, `https://wiki.fabrikam.com/printers`,
		} {
			if !strings.Contains(d, s) {
				t.Errorf("description lacks %q:\n%s", s, d)
			}
		}
		for _, s := range []string{"track.example", "color:red", "dan@fabrikam.com"} {
			if strings.Contains(d, s) {
				t.Errorf("description contains %q", s)
			}
		}
	})
	t.Run("attachments", func(t *testing.T) {
		// image003.png has the same bytes as image002.png: a repeated logo.
		want := []string{"Earlier complaint.eml", "image001.png", "image002.png", "report.pdf"}
		if diff := cmp.Diff(want, attachmentNames(is.attachments)); diff != "" {
			t.Errorf("attachments (-want +got):\n%s", diff)
		}
	})
	t.Run("watchers from Cc and Bcc with accounts", func(t *testing.T) {
		got := slices.Sorted(slices.Values(is.watchers))
		if diff := cmp.Diff([]string{"acc-bob", "acc-dan"}, got); diff != "" {
			t.Errorf("watchers (-want +got):\n%s", diff)
		}
	})
	t.Run("reply", func(t *testing.T) {
		if n := h.graph.sentCount(); n != 1 {
			t.Fatalf("sent %d mails, want 1", n)
		}
		d := h.graph.sent[0]
		if d.replyTo != m.ID || d.reply.Subject != "RE: [SUP-1] [EXTERNAL] Printer on floor 3 prints blank pages" {
			t.Errorf("reply to %s with subject %q", d.replyTo, d.reply.Subject)
		}
		wantH := []Header{{Name: HeaderTicket, Value: "SUP-1"}, {Name: "X-Auto-Response-Suppress", Value: "All"}}
		if diff := cmp.Diff(wantH, d.reply.Headers); diff != "" {
			t.Errorf("headers (-want +got):\n%s", diff)
		}
		if !strings.Contains(d.reply.HTML, `received as <a href="https://contoso.atlassian.net/browse/SUP-1">SUP-1</a>`) {
			t.Errorf("reply body: %s", d.reply.HTML)
		}
	})
	t.Run("recorded", func(t *testing.T) {
		tk, err := h.store.Ticket(context.Background(), "support@contoso.com", m.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Key != "SUP-1" || tk.Reporter != "ann.lee@fabrikam.com" || !slices.Equal(tk.SentIDs, []string{"<draft-1@contoso.com>"}) {
			t.Errorf("ticket %+v", tk)
		}
		if e := h.store.entry(m.InternetMessageID); e.State != StateCreated || e.TicketKey != "SUP-1" {
			t.Errorf("ledger %+v", e)
		}
		if e := h.store.entry("<draft-1@contoso.com>"); e.State != StateOwn {
			t.Errorf("reply not recorded as own mail: %+v", e)
		}
	})
	if n := h.logLines("mail processed"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%s", n, h.logs.String())
	}
}

func TestProcessReporter(t *testing.T) {
	tests := []struct {
		name        string
		canReporter bool
		sender      string
		wantReport  string
		wantFrom    string
	}{
		{"permission and account", true, "ann.lee@fabrikam.com", "acc-ann.lee", `"id":"acc-ann.lee"`},
		{"no Modify Reporter permission", false, "ann.lee@fabrikam.com", "", `"id":"acc-ann.lee"`},
		{"sender without account", true, "zoe@tailspin.example", "", `mailto:zoe@tailspin.example`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.jira.canReporter = tt.canReporter
			m := loadJSON[Message](t, "testdata/messages/new-request.json")
			m.From, m.Sender, m.Attachments, m.Mailbox = Address{Address: tt.sender}, Address{}, nil, "support@contoso.com"
			out := h.process(t, h.graph.deliver(&m, nil))
			if out.State != StateCreated {
				t.Fatalf("outcome %+v", out)
			}
			is := h.jira.snapshot(out.TicketKey)
			if is.in.Reporter != tt.wantReport {
				t.Errorf("reporter %q, want %q", is.in.Reporter, tt.wantReport)
			}
			if d := docText(t, is.in.Description); !strings.Contains(d, tt.wantFrom) {
				t.Errorf("From: line lacks %s:\n%s", tt.wantFrom, d)
			}
		})
	}
}

func TestProcessDuplicateDeliveries(t *testing.T) {
	h := newHarness(t)
	ref, _ := h.deliverFixture(t, "new-request", "support@contoso.com")
	var wg sync.WaitGroup
	errc := make([]error, 3)
	for i := range 3 {
		wg.Go(func() { _, errc[i] = h.p.Process(context.Background(), ref) })
	}
	wg.Wait()
	// Workers that found the mail held return an error so the queue delivers it again.
	for _, err := range errc {
		if err != nil && !errors.Is(err, errs.ErrConflict) {
			t.Errorf("unexpected error %v", err)
		}
	}
	for range 3 {
		if out := h.process(t, redeliver(ref)); !out.Repeat || out.State != StateCreated {
			t.Errorf("redelivery outcome %+v, want a repeat of created", out)
		}
	}
	if n := h.jira.count(); n != 1 {
		t.Errorf("%d issues, want 1", n)
	}
	if n := h.graph.sentCount(); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

func TestProcessSameMailInTwoMailboxes(t *testing.T) {
	h := newHarness(t)
	m := loadJSON[Message](t, "testdata/messages/new-request.json")
	m.Attachments = nil
	m.To = append(m.To, Address{Address: "helpdesk@contoso.com"})
	a, b := m, m
	a.Mailbox, b.Mailbox = "support@contoso.com", "helpdesk@contoso.com"
	b.ID, b.ConversationID = "AAMkAD-helpdesk-copy", "AAQkAD-helpdesk-conv"
	refs := []Ref{h.graph.deliver(&a, nil), h.graph.deliver(&b, nil)}
	var wg sync.WaitGroup
	for _, r := range refs {
		wg.Go(func() { _, _ = h.p.Process(context.Background(), r) })
	}
	wg.Wait()
	var states []State
	for _, r := range refs {
		states = append(states, h.process(t, redeliver(r)).State)
	}
	slices.Sort(states)
	if diff := cmp.Diff([]State{StateCreated, StateDuplicate}, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if h.jira.count() != 1 || h.graph.sentCount() != 1 {
		t.Errorf("%d issues and %d replies, want 1 and 1", h.jira.count(), h.graph.sentCount())
	}
}

func TestProcessFiltered(t *testing.T) {
	h := newHarness(t)
	m := loadJSON[Message](t, "testdata/messages/new-request.json")
	m.Mailbox, m.MessageClass = "support@contoso.com", "IPM.Note.Rules.OofTemplate.Microsoft"
	out := h.process(t, h.graph.deliver(&m, nil))
	if out.State != StateFiltered || out.Class != ClassAutomatic {
		t.Errorf("outcome %+v", out)
	}
	if h.jira.count() != 0 || h.graph.sentCount() != 0 {
		t.Error("automatic mail made an issue or a reply")
	}
	if e := h.store.entry(m.InternetMessageID); e.State != StateFiltered || !strings.Contains(e.Reason, "out-of-office") {
		t.Errorf("ledger %+v", e)
	}
}

func TestProcessLargeBody(t *testing.T) {
	h := newHarness(t)
	m := loadJSON[Message](t, "testdata/messages/new-request.json")
	m.Mailbox, m.Attachments = "support@contoso.com", nil
	var b strings.Builder
	for b.Len() < 300<<10 {
		b.WriteString("<p>Line of a very long log that the user pasted into the mail, with some détails.</p>")
	}
	m.Body = Body{ContentType: "html", Content: b.String()}
	out := h.process(t, h.graph.deliver(&m, nil))
	is := h.jira.snapshot(out.TicketKey)
	if err := adf.Validate(is.in.Description); err != nil {
		t.Fatalf("invalid description: %v", err)
	}
	if n := is.in.Description.Size(); n > adf.MaxChars {
		t.Errorf("description size %d over %d", n, adf.MaxChars)
	}
	if d := docText(t, is.in.Description); !strings.Contains(d, FullMailName) {
		t.Errorf("no truncation note naming %s", FullMailName)
	}
	if diff := cmp.Diff([]string{FullMailName}, attachmentNames(is.attachments)); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
}

func TestProcessTransientAndLastAttempt(t *testing.T) {
	h := newHarness(t)
	ref, m := h.deliverFixture(t, "new-request", "support@contoso.com")
	throttled := func(context.Context) error {
		return &errs.Throttled{Op: "create issue", Err: errs.ErrThrottled}
	}
	h.jira.setHook("CreateIssue", throttled)
	if _, err := h.p.Process(context.Background(), ref); !errors.Is(err, errs.ErrThrottled) {
		t.Fatalf("got %v, want a throttled error for the queue to retry", err)
	}
	// Throttling created nothing, so the conversation was let go: the next delivery works
	// at once, and on the queue's last delivery a failure is recorded instead of returned.
	ref.DequeueCount = ref.MaxDequeue
	out, err := h.p.Process(context.Background(), ref)
	if err != nil || out.State != StateFailed || !strings.Contains(out.Reason, "last delivery") {
		t.Fatalf("last attempt: %+v, %v", out, err)
	}
	if e := h.store.entry(m.InternetMessageID); e.State != StateFailed {
		t.Errorf("ledger %+v", e)
	}
}

func TestProcessPermanentFailure(t *testing.T) {
	h := newHarness(t)
	m := loadJSON[Message](t, "testdata/messages/new-request.json")
	m.Mailbox = "unrouted@contoso.com"
	h.p.Config.Mailboxes = append(h.p.Config.Mailboxes, m.Mailbox)
	m.To = []Address{{Address: m.Mailbox}}
	out := h.process(t, h.graph.deliver(&m, nil))
	if out.State != StateFailed || !strings.Contains(out.Reason, "no board route") {
		t.Errorf("outcome %+v", out)
	}
}

func TestProcessMessageGone(t *testing.T) {
	h := newHarness(t)
	out := h.process(t, Ref{Mailbox: "support@contoso.com", MessageID: "gone", DequeueCount: 1, MaxDequeue: 5})
	if out.State != StateFailed {
		t.Errorf("outcome %+v", out)
	}
	if e := h.store.entry("graph:gone"); e.State != StateFailed {
		t.Errorf("ledger %+v", e)
	}
}

func TestRefJSON(t *testing.T) {
	var r Ref
	if err := json.Unmarshal([]byte(`{"mailbox":"a@b.c","folder":"inbox","messageId":"X"}`), &r); err != nil || r.MessageID != "X" {
		t.Errorf("%+v %v", r, err)
	}
}
