package mail

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ticketFor processes the new request and returns the harness with SUP-1 open.
func ticketFor(tb testing.TB) (*harness, *Message) {
	tb.Helper()
	h := newHarness(tb)
	ref, m := h.deliverFixture(tb, "new-request", "support@contoso.com")
	if out := h.process(tb, ref); out.TicketKey != "SUP-1" {
		tb.Fatalf("setup: %+v", out)
	}
	return h, m
}

func TestProcessReplyBecomesComment(t *testing.T) {
	h, _ := ticketFor(t)
	ref, m := h.deliverFixture(t, "reply", "support@contoso.com")
	out := h.process(t, ref)
	want := Outcome{Result: Result{State: StateCommented, Reason: "reply on SUP-1 (by subject key)", TicketKey: "SUP-1"}, Class: ClassRequest}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Fatalf("outcome (-want +got):\n%s", diff)
	}
	is := h.jira.snapshot("SUP-1")
	if len(is.comments) != 1 {
		t.Fatalf("%d comments", len(is.comments))
	}
	c := docText(t, is.comments[0].Body)
	if !strings.Contains(c, "It happens again today.") || !strings.Contains(c, `"id":"acc-eve"`) {
		t.Errorf("comment lacks the new text or the Cc line:\n%s", c)
	}
	if strings.Contains(c, "has been received") {
		t.Errorf("comment carries the quoted history:\n%s", c)
	}
	// The reply's logo has the bytes of the first mail's logo: not uploaded again.
	if diff := cmp.Diff([]string{"Earlier complaint.eml", "image001.png", "image002.png", "printer.log", "report.pdf"}, attachmentNames(is.attachments)); diff != "" {
		t.Errorf("attachments (-want +got):\n%s", diff)
	}
	if !slices.Contains(is.watchers, "acc-eve") {
		t.Errorf("new Cc not a watcher: %v", is.watchers)
	}
	if n := h.graph.sentCount(); n != 1 {
		t.Errorf("%d mails sent, want only the first acknowledgement", n)
	}
	tk, _ := h.store.Ticket(context.Background(), "support@contoso.com", m.ConversationID)
	if tk.LastMessageID != m.ID || !slices.Contains(tk.Participants, "eve@fabrikam.com") {
		t.Errorf("thread not updated: %+v", tk)
	}
}

func TestProcessThreading(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(m *Message)
		wantState State
		wantKey   string
		wantVia   string
	}{
		{"key in subject from an outsider", func(m *Message) {
			m.From, m.Sender = Address{Address: "mallory@tailspin.example"}, Address{}
			m.Subject = "RE: [SUP-1] give me access"
		}, StateCreated, "SUP-2", ""},
		{"key in subject from the reporter", func(m *Message) {
			m.Subject = "[SUP-1] one more thing"
		}, StateCommented, "SUP-1", "subject key"},
		{"key in subject from a participant", func(m *Message) {
			m.From = Address{Address: "carol@tailspin.example"}
			m.Subject = "Re: SUP-1"
		}, StateCommented, "SUP-1", "subject key"},
		{"In-Reply-To our acknowledgement", func(m *Message) {
			m.From, m.Sender = Address{Address: "mallory@tailspin.example"}, Address{}
			m.Headers = []Header{{Name: "In-Reply-To", Value: "<draft-1@contoso.com>"}}
		}, StateCommented, "SUP-1", "references"},
		{"References naming the first mail", func(m *Message) {
			m.Headers = []Header{{Name: "References", Value: "<unknown@x> <CAF1new1@mail.fabrikam.com>"}}
		}, StateCommented, "SUP-1", "references"},
		{"same Outlook conversation", func(m *Message) {
			m.ConversationID = "AAQkAD-conv-printer"
		}, StateCommented, "SUP-1", "conversation"},
		{"unknown key", func(m *Message) {
			m.Subject = "[SUP-99] hello"
		}, StateCreated, "SUP-2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := ticketFor(t)
			m := loadJSON[Message](t, "testdata/messages/new-request.json")
			m.ID, m.InternetMessageID, m.ConversationID = "AAMkAD-other", "<other@fabrikam.com>", "AAQkAD-conv-other"
			m.Attachments, m.Mailbox, m.Headers = nil, "support@contoso.com", nil
			tt.edit(&m)
			out := h.process(t, h.graph.deliver(&m, nil))
			if out.State != tt.wantState || out.TicketKey != tt.wantKey {
				t.Fatalf("outcome %+v, want %s on %s", out, tt.wantState, tt.wantKey)
			}
			if tt.wantVia != "" && !strings.Contains(out.Reason, "by "+tt.wantVia) {
				t.Errorf("reason %q, want threading by %s", out.Reason, tt.wantVia)
			}
		})
	}
}

func TestProcessDeletedIssue(t *testing.T) {
	h, first := ticketFor(t)
	h.jira.deleteIssue("SUP-1")
	ref, m := h.deliverFixture(t, "reply", "support@contoso.com")
	out := h.process(t, ref)
	if out.State != StateCreated || out.TicketKey != "SUP-2" || !strings.Contains(out.Reason, "SUP-1 was deleted") {
		t.Fatalf("outcome %+v", out)
	}
	tk, err := h.store.Ticket(context.Background(), "support@contoso.com", first.ConversationID)
	if err != nil || tk.Key != "SUP-2" {
		t.Errorf("thread maps to %q (%v), want SUP-2", tk.Key, err)
	}
	if is := h.jira.snapshot("SUP-2"); is.in.Origin != m.InternetMessageID {
		t.Errorf("SUP-2 origin %q", is.in.Origin)
	}
	if n := h.graph.sentCount(); n != 2 {
		t.Errorf("%d acknowledgements, want 2 (one per issue)", n)
	}
}

// TestProcessLoop feeds the service its own acknowledgement back: from Sent Items, from a
// configured mailbox on Cc, and at another mail2jira instance. None becomes a ticket or
// a reply.
func TestProcessLoop(t *testing.T) {
	h, _ := ticketFor(t)
	for _, tt := range []struct {
		name, mailbox, folder string
		want                  State
	}{
		{"sent items copy", "support@contoso.com", "sentitems", StateOwn},
		{"copy in another configured mailbox", "helpdesk@contoso.com", "inbox", StateDuplicate},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cp := h.graph.sentCopy(0, tt.mailbox, tt.folder, "copy-"+tt.mailbox)
			out := h.process(t, h.graph.deliver(cp, nil))
			if out.State != tt.want {
				t.Errorf("outcome %+v, want %s", out, tt.want)
			}
		})
	}
	t.Run("another instance", func(t *testing.T) {
		other := newHarness(t)
		other.p.Config.Mailboxes = []string{"helpdesk@fabrikam.com"}
		other.p.Config.Routes = map[string]Route{"helpdesk@fabrikam.com": {ProjectKey: "OPS", IssueType: "Task"}}
		cp := h.graph.sentCopy(0, "helpdesk@fabrikam.com", "inbox", "x1")
		cp.To = []Address{{Address: "helpdesk@fabrikam.com"}}
		out := other.process(t, other.graph.deliver(cp, nil))
		if out.State != StateFiltered || out.Class != ClassAutomatic {
			t.Errorf("outcome %+v", out)
		}
		if other.jira.count() != 0 || other.graph.sentCount() != 0 {
			t.Error("the other instance answered")
		}
	})
	if h.jira.count() != 1 || h.graph.sentCount() != 1 {
		t.Errorf("%d issues, %d mails sent; want 1 and 1", h.jira.count(), h.graph.sentCount())
	}
}

func TestProcessSenderCap(t *testing.T) {
	h := newHarness(t)
	h.p.Config.MaxNewTicketsPerHour = 2
	var states []State
	for i := range 3 {
		m := loadJSON[Message](t, "testdata/messages/new-request.json")
		m.ID, m.InternetMessageID = m.ID+string(rune('a'+i)), "<n"+string(rune('a'+i))+"@x>"
		m.ConversationID, m.Attachments, m.Mailbox = m.ConversationID+string(rune('a'+i)), nil, "support@contoso.com"
		states = append(states, h.process(t, h.graph.deliver(&m, nil)).State)
	}
	if diff := cmp.Diff([]State{StateCreated, StateCreated, StateFiltered}, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

func TestOurKeys(t *testing.T) {
	keys := SubjectKeys("[SUP-1] ISO-8859 OPS-2 SUP-3 SUP-4 SUP-5 SUP-6 SUP-7")
	if diff := cmp.Diff([]string{"SUP-1", "SUP-3", "SUP-4", "SUP-5", "SUP-6"}, ourKeys(keys, []string{"sup"})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
