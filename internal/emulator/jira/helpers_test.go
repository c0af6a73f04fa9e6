package jiraemu

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/jira/agile"
	v3 "github.com/ctreminiom/go-atlassian/v2/jira/v3"
	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Seeded accounts; the token of each is its account id + "-token".
const (
	botID      = "bot-1"   // service account, may set reporters
	agentID    = "agent-1" // ordinary agent without Modify Reporter or Manage Watchers
	aliceID    = "alice-1" // visible email
	bobID      = "bob-1"   // email hidden by privacy settings
	customerID = "cust-1"  // JSM customer, cannot authenticate
)

type site struct {
	emu  *Emulator
	srv  *httptest.Server
	opts Options
}

// newSite starts an emulator seeded with two projects, a board on each kind of filter and
// the accounts above.
func newSite(tb testing.TB, opts Options) *site {
	tb.Helper()
	emu := New(opts)
	srv := httptest.NewServer(emu)
	tb.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	emu.SetBaseURL(srv.URL)
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	_, err := emu.AddProject(Project{Key: "SUP", Name: "Support"})
	must(err)
	_, err = emu.AddProject(Project{Key: "OPS", Name: "Operations"})
	must(err)
	must(emu.AddUser(User{AccountID: botID, DisplayName: "Mail Bot", Email: "bot@example.com", APIToken: botID + "-token",
		AccountType: "app", Permissions: append([]string{PermModifyReporter, PermDeleteIssues}, DefaultPermissions...)}))
	must(emu.AddUser(User{AccountID: agentID, DisplayName: "Agent Smith", Email: "agent@example.com", APIToken: agentID + "-token",
		Permissions: []string{PermBrowseProjects, PermCreateIssues, PermAddComments, PermEditIssues}, Groups: []string{"jira-servicedesk-users"}}))
	must(emu.AddUser(User{AccountID: aliceID, DisplayName: "Alice Adams", Email: "alice@example.com", APIToken: aliceID + "-token",
		Permissions: DefaultPermissions, Groups: []string{"Administrators"}}))
	must(emu.AddUser(User{AccountID: bobID, DisplayName: "Bob Brown", Email: "bob@example.com", HideEmail: true,
		APIToken: bobID + "-token", Permissions: DefaultPermissions}))
	must(emu.AddUser(User{AccountID: customerID, DisplayName: "Carol Customer", Email: "carol@example.org", AccountType: "customer"}))
	_, err = emu.AddBoard(Board{Name: "Support board", ProjectKey: "SUP"})
	must(err)
	_, err = emu.AddBoard(Board{Name: "Shared board", ProjectKey: "OPS", JQL: "project in (SUP, OPS) ORDER BY Rank ASC"})
	must(err)
	return &site{emu: emu, srv: srv, opts: opts}
}

func emailOf(id string) string {
	switch id {
	case botID:
		return "bot@example.com"
	case agentID:
		return "agent@example.com"
	case aliceID:
		return "alice@example.com"
	case bobID:
		return "bob@example.com"
	}
	return "carol@example.org"
}

// httpClient validates every response against the OpenAPI schemas, reporting to tb.
func (s *site) httpClient(tb testing.TB) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &validatingTransport{tb: tb, v: loadValidator(tb), next: http.DefaultTransport}}
}

// jira returns a go-atlassian v3 client authenticated as the account.
func (s *site) jira(tb testing.TB, accountID string) *v3.Client {
	tb.Helper()
	c, err := v3.New(s.httpClient(tb), s.srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	c.Auth.SetBasicAuth(emailOf(accountID), accountID+"-token")
	return c
}

// agile returns a go-atlassian agile client authenticated as the account.
func (s *site) agile(tb testing.TB, accountID string) *agile.Client {
	tb.Helper()
	c, err := agile.New(s.httpClient(tb), s.srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	c.Auth.SetBasicAuth(emailOf(accountID), accountID+"-token")
	return c
}

// adfText is a one-paragraph ADF document in go-atlassian's model.
func adfText(text string) *models.CommentNodeScheme {
	return &models.CommentNodeScheme{Version: 1, Type: "doc", Content: []*models.CommentNodeScheme{
		{Type: "paragraph", Content: []*models.CommentNodeScheme{{Type: "text", Text: text}}},
	}}
}

// createIssue creates an issue in SUP as the account and returns its key.
func (s *site) createIssue(tb testing.TB, accountID, summary string, labels ...string) string {
	tb.Helper()
	c := s.jira(tb, accountID)
	got, _, err := c.Issue.Create(context.Background(), &models.IssueScheme{Fields: &models.IssueFieldsScheme{
		Project: &models.ProjectScheme{Key: "SUP"}, IssueType: &models.IssueTypeScheme{Name: "Task"},
		Summary: summary, Labels: labels, Description: adfText("Body of " + summary),
	}}, nil)
	if err != nil {
		tb.Fatalf("create %q: %v", summary, err)
	}
	return got.Key
}

// code returns the HTTP status of a go-atlassian call.
func code(res *models.ResponseScheme) int {
	if res == nil {
		return 0
	}
	return res.Code
}

// errorBody is the body of a failed call, for messages.
func errorBody(res *models.ResponseScheme) string {
	if res == nil {
		return ""
	}
	return res.Bytes.String()
}

func isErr(err, target error) bool { return errors.Is(err, target) }

// cmpIgnore ignores the named fields of received.
func cmpIgnore(fields ...string) cmp.Option {
	return cmpopts.IgnoreFields(received{}, fields...)
}
