package jira

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mail2jira/mail2jira/internal/adf"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no site", Config{Email: "a@b.c", APIToken: "t"}},
		{"relative site", Config{SiteURL: "contoso.atlassian.net", Email: "a@b.c", APIToken: "t"}},
		{"ftp site", Config{SiteURL: "ftp://contoso.atlassian.net", Email: "a@b.c", APIToken: "t"}},
		{"credentials in URL", Config{SiteURL: "https://me:pw@contoso.atlassian.net", Email: "a@b.c", APIToken: "t"}},
		{"query in URL", Config{SiteURL: "https://contoso.atlassian.net/?x=1", Email: "a@b.c", APIToken: "t"}},
		{"no email", Config{SiteURL: "https://contoso.atlassian.net", APIToken: "t"}},
		{"no token", Config{SiteURL: "https://contoso.atlassian.net", Email: "a@b.c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("New: got %v, want ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error reveals URL credentials: %v", err)
			}
		})
	}
}

func TestConfigHidesToken(t *testing.T) {
	cfg := Config{SiteURL: "https://contoso.atlassian.net", Email: "bot@example.com", APIToken: "secret-token-cfg"}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("starting", "jira", cfg)
	for name, text := range map[string]string{
		"%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "%s": fmt.Sprintf("%s", cfg), "slog": logs.String(),
	} {
		if strings.Contains(text, "secret-token") || !strings.Contains(text, "bot@example.com") {
			t.Errorf("%s: %s", name, text)
		}
	}
}

func TestSiteLinks(t *testing.T) {
	c, err := New(Config{SiteURL: "https://contoso.atlassian.net", Email: "a@b.c", APIToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("https://contoso.atlassian.net/browse/SUP-1", c.BrowseURL("SUP-1")); diff != "" {
		t.Errorf("BrowseURL (-want +got):\n%s", diff)
	}
}

func TestCreateAndGetIssue(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	bot, _ := s.client(t, botID)
	agent, _ := s.client(t, agentID)
	desc := adf.NewDoc(adf.Paragraph(adf.Text("Printer "), adf.Text("on fire", adf.Strong())))

	tests := []struct {
		name    string
		c       *Client
		in      NewIssue
		wantErr error
		errText []string // Jira's messages kept for logs
		want    func(key string) Issue
	}{
		{
			name: "every field",
			c:    bot,
			in: NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "Printer on fire", Description: desc,
				Labels: []string{"mail", "hardware"}, Priority: "High", Reporter: aliceID,
				Properties: map[string]any{"x.test": map[string]int{"n": 1}}},
			want: func(key string) Issue {
				return Issue{Key: key, Summary: "Printer on fire", Labels: []string{"mail", "hardware"},
					Project: Project{Key: "SUP", Name: "Support"}, IssueType: "Task", Status: "To Do", StatusCategory: "new",
					Priority: "High", Reporter: &User{AccountID: aliceID, DisplayName: "Alice Adams", Email: "Alice@Example.com", AccountType: "atlassian", Active: true}}
			},
		},
		{
			name: "defaults",
			c:    bot,
			in:   NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "Just a summary"},
			want: func(key string) Issue {
				return Issue{Key: key, Summary: "Just a summary", Project: Project{Key: "SUP", Name: "Support"}, IssueType: "Task",
					Status: "To Do", StatusCategory: "new", Priority: "Medium",
					Reporter: &User{AccountID: botID, DisplayName: "Mail Bot", Email: botEmail, AccountType: "atlassian", Active: true}}
			},
		},
		{
			name: "unknown project", c: bot, in: NewIssue{ProjectKey: "NOPE", IssueType: "Task", Summary: "x"},
			wantErr: errs.ErrInvalid, errText: []string{"HTTP 400", "project: Specify a valid project ID or key"},
		},
		{
			name: "reporter without Modify Reporter", c: agent,
			in:      NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "x", Reporter: aliceID},
			wantErr: errs.ErrInvalid, errText: []string{"reporter: Field 'reporter' cannot be set"},
		},
		{
			name: "summary and labels both wrong", c: bot,
			in:      NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: strings.Repeat("x", 256), Labels: []string{"with space"}},
			wantErr: errs.ErrInvalid, errText: []string{"labels:", "summary:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created, err := tt.c.Create(testCtx(t), tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Create: got %v, want %v", err, tt.wantErr)
				}
				for _, want := range tt.errText {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				assertNoToken(t, err)
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			got, err := tt.c.GetIssue(testCtx(t), created.Key, IssueOptions{})
			if err != nil {
				t.Fatalf("GetIssue: %v", err)
			}
			want := tt.want(created.Key)
			want.ID = created.ID
			want.Project.ID = got.Project.ID
			if diff := cmp.Diff(want, got, ignoreVolatile()); diff != "" {
				t.Errorf("issue (-want +got):\n%s", diff)
			}
			if got.Created.IsZero() || got.Updated.IsZero() || got.Creator == nil {
				t.Errorf("created/updated/creator missing: %+v", got)
			}
			if tt.in.Description != nil {
				wantDesc, _ := tt.in.Description.JSON()
				if !jsonEqual(t, wantDesc, got.Description) {
					t.Errorf("description = %s, want %s", got.Description, wantDesc)
				}
			}
		})
	}
}

func TestGetIssueOptions(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "Rendered one")
	if _, err := c.PostComment(testCtx(t), key, NewComment{Body: adf.FromText("first")}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddWatcher(testCtx(t), key, aliceID); err != nil {
		t.Fatal(err)
	}
	is, err := c.GetIssue(testCtx(t), key, IssueOptions{
		Fields: []string{"summary", "description"}, Extra: []string{"watches", "comment", "attachment"}, Rendered: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if is.Summary != "Rendered one" || is.Labels != nil || is.Reporter != nil {
		t.Errorf("fields beyond those asked for, or summary missing: %+v", is)
	}
	if is.WatchCount != 2 || len(is.Comments) != 1 {
		t.Errorf("watchCount %d (want bot and alice), comments %d (want 1)", is.WatchCount, len(is.Comments))
	}

	withDesc, err := c.Create(testCtx(t), NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "d",
		Description: adf.NewDoc(adf.Paragraph(adf.Text("bold", adf.Strong())))})
	if err != nil {
		t.Fatal(err)
	}
	is, err = c.GetIssue(testCtx(t), withDesc.Key, IssueOptions{Rendered: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(is.Rendered["description"], "bold</") {
		t.Errorf("rendered description = %q, want HTML with the bold text", is.Rendered["description"])
	}
}

func TestGetIssueErrors(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	gone := createIssue(t, c, "to delete")
	must(t, s.emu.DeleteIssue(gone))
	tests := []struct {
		name     string
		key      string
		want     error
		requests int
	}{
		{"deleted", gone, errs.ErrNotFound, 1},
		{"never existed", "SUP-999", errs.ErrNotFound, 1},
		{"path traversal", "SUP-1/../../myself", errs.ErrInvalid, 0},
		{"query smuggling", "SUP-1?fields=*all", errs.ErrInvalid, 0},
		{"empty", "", errs.ErrInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.emu.ResetCallCounts()
			_, err := c.Issue(testCtx(t), tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Issue(%q): got %v, want %v", tt.key, err, tt.want)
			}
			if got := s.calls("GET /rest/api/3/issue/{key}"); got != tt.requests {
				t.Errorf("requests = %d, want %d", got, tt.requests)
			}
		})
	}
}

func TestMailIssueOrigin(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	in := mail.NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "From mail", Description: adf.FromText("body"),
		Labels: []string{"mail2jira", "m2j-0011223344556677"}, Priority: "Low", Reporter: aliceID, Origin: "mbx|<id@example.com>"}
	created, err := c.CreateIssue(testCtx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	want := mail.Issue{Key: created.Key, Origin: in.Origin, Labels: in.Labels}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("CreateIssue (-want +got):\n%s", diff)
	}
	got, err := c.Issue(testCtx(t), created.Key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Issue (-want +got):\n%s", diff)
	}

	plain := createIssue(t, c, "not from mail")
	got, err = c.Issue(testCtx(t), plain)
	if err != nil {
		t.Fatal(err)
	}
	if got.Origin != "" {
		t.Errorf("origin of an issue created without one = %q", got.Origin)
	}

	found, err := c.SearchLabel(testCtx(t), "m2j-0011223344556677")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mail.Issue{want}, found); diff != "" {
		t.Errorf("SearchLabel (-want +got):\n%s", diff)
	}
	none, err := c.SearchLabel(testCtx(t), "m2j-ffffffffffffffff")
	if err != nil || len(none) != 0 {
		t.Errorf("SearchLabel of an unused label = %v, %v; want none", none, err)
	}
}

func TestMailAttachmentsList(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "files")
	up, err := c.AddAttachment(testCtx(t), key, "a.txt", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.Attachments(testCtx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]mail.JiraAttachment{up}, list); diff != "" {
		t.Errorf("Attachments (-want +got):\n%s", diff)
	}
	if up.Filename != "a.txt" || up.Size != 5 || up.MimeType != "text/plain" || up.ContentURL == "" || up.ID == "" {
		t.Errorf("uploaded attachment = %+v", up)
	}
}

// ignoreVolatile skips what Jira sets on its own (times, creator) and what a case compares
// separately.
func ignoreVolatile() cmp.Option {
	return cmp.Options{
		cmpopts.IgnoreFields(Issue{}, "Created", "Updated", "Creator", "Description", "Rendered", "Properties"),
		cmpopts.EquateEmpty(),
	}
}

func jsonEqual(tb testing.TB, a, b []byte) bool {
	tb.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		tb.Fatalf("decode %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return cmp.Equal(x, y)
}

func TestSetIssueProperty(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, sl := s.client(t, botID)
	key := createIssue(t, c, "props")
	const route = "PUT /rest/api/3/issue/{key}/properties/{prop}"
	s.emu.InjectFault(route, jiraemu.Fault{Status: 503, Times: 1})
	s.emu.ResetCallCounts()
	if err := c.SetIssueProperty(testCtx(t), key, OriginProperty, originValue{Origin: "api|42"}); err != nil {
		t.Fatal(err)
	}
	if got := s.calls(route); got != 2 || len(sl.recorded()) != 1 {
		t.Errorf("requests = %d, waits %v; want the idempotent PUT retried once", got, sl.recorded())
	}
	got, err := c.Issue(testCtx(t), key)
	if err != nil || got.Origin != "api|42" {
		t.Errorf("origin after SetIssueProperty = %q, %v", got.Origin, err)
	}
	for _, tt := range []struct{ name, key, prop string }{
		{"bad key", "SUP 1", "p"}, {"empty property", key, ""}, {"long property", key, strings.Repeat("p", 256)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.SetIssueProperty(testCtx(t), tt.key, tt.prop, 1); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}
