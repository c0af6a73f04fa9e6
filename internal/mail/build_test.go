package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuildTicketFields(t *testing.T) {
	cfg := testConfig()
	cfg.Labels = []string{"mail2jira", "from mail"}
	tests := []struct {
		name         string
		importance   string
		wantPriority string
	}{
		{"high", "high", "High"},
		{"low", "Low", "Low"},
		{"normal", "normal", ""},
		{"missing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := loadJSON[Message](t, "testdata/messages/new-request.json")
			m.Mailbox, m.Importance = "helpdesk@contoso.com", tt.importance
			route, _ := cfg.route(m.Mailbox)
			nt := BuildTicket(cfg, &m, route, People{}, true)
			if nt.Issue.Priority != tt.wantPriority {
				t.Errorf("priority %q, want %q", nt.Issue.Priority, tt.wantPriority)
			}
			want := []string{"mail2jira", "from_mail", "it_help", MarkerLabel("helpdesk@contoso.com", m.ConversationID)}
			if diff := cmp.Diff(want, nt.Issue.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if nt.Issue.Reporter != "" {
				t.Errorf("reporter %q without an account", nt.Issue.Reporter)
			}
		})
	}
}

func TestMarkerLabel(t *testing.T) {
	a := MarkerLabel("Support@Contoso.com", "AAQkAD/x+y==")
	if a != MarkerLabel("support@contoso.com", "AAQkAD/x+y==") {
		t.Error("marker depends on the mailbox's case")
	}
	if a == MarkerLabel("support@contoso.com", "AAQkAD/x+y=") || a == MarkerLabel("helpdesk@contoso.com", "AAQkAD/x+y==") {
		t.Error("different threads share a marker")
	}
	if len(a) != len("m2j-")+16 || strings.ContainsAny(a, " /+=") {
		t.Errorf("marker %q is not a short label-safe token", a)
	}
}

func TestPlanAttachmentsQuotedImages(t *testing.T) {
	m := &Message{
		Body: Body{ContentType: "html", Content: `<p>new <img src="cid:new1"></p><div class="gmail_quote"><img src="cid:old1"></div>`},
		Attachments: []Attachment{
			{ID: "1", Kind: FileAttachment, Name: "new.png", Size: 10, ContentType: "image/png", ContentID: "new1", IsInline: true},
			{ID: "2", Kind: FileAttachment, Name: "old.png", Size: 10, ContentType: "image/png", ContentID: "old1", IsInline: true},
			{ID: "3", Kind: FileAttachment, Name: "hidden-inline.png", Size: 10, ContentType: "image/png", ContentID: "nowhere", IsInline: true},
		},
	}
	m.UniqueBody = m.Body
	got := planAttachments(m, shownImages(commentBody(m), true), nil, 1<<20)
	want := []Upload{
		{Attachment: m.Attachments[0], Filename: "new.png", Inline: true},
		{Attachment: m.Attachments[2], Filename: "hidden-inline.png"},
	}
	if diff := cmp.Diff(want, got.Uploads); diff != "" {
		t.Errorf("uploads (-want +got):\n%s", diff)
	}
}

func TestReplyTemplate(t *testing.T) {
	cfg := testConfig()
	cfg.ClientAppURL = "https://portal.contoso.com/tickets/"
	m := &Message{Subject: "Printer", From: Address{Name: "Ann <Lee>", Address: "ann@fabrikam.com"}, Mailbox: "support@contoso.com"}
	r, err := BuildReply(cfg, m, "SUP-7", "Printer & <scanner>")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`href="https://portal.contoso.com/tickets/SUP-7"`, "Printer &amp; &lt;scanner&gt;", "Ann &lt;Lee&gt;"} {
		if !strings.Contains(r.HTML, s) {
			t.Errorf("reply lacks %q:\n%s", s, r.HTML)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.html")
	bad := filepath.Join(dir, "bad.html")
	unknown := filepath.Join(dir, "unknown.html")
	for path, body := range map[string]string{good: "<p>{{.Key}} at {{.Link}}</p>", bad: "<p>{{.Key</p>", unknown: "<p>{{.Nope}}</p>"} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tpl, err := LoadReplyTemplate(good)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ReplyTemplate = tpl
	if r, _ := BuildReply(cfg, m, "SUP-7", "x"); r.HTML != "<p>SUP-7 at https://portal.contoso.com/tickets/SUP-7</p>" {
		t.Errorf("custom template rendered %q", r.HTML)
	}
	for _, path := range []string{bad, unknown, filepath.Join(dir, "missing.html")} {
		if _, err := LoadReplyTemplate(path); err == nil {
			t.Errorf("LoadReplyTemplate(%s) accepted it", filepath.Base(path))
		}
	}
}
