package cli

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/jira"
)

// TestCheckAgainstJiraEmulator runs check's Jira part through the real adapter: a board on
// one project where the account lacks Modify Reporter and Manage Watchers, and a board whose
// filter spans two projects.
func TestCheckAgainstJiraEmulator(t *testing.T) {
	emu := jiraemu.New(jiraemu.Options{})
	srv := httptest.NewServer(emu)
	t.Cleanup(func() { srv.Close(); emu.Close() })
	emu.SetBaseURL(srv.URL)
	for _, p := range []jiraemu.Project{{Key: "SUP", Name: "Support"}, {Key: "OPS", Name: "Operations"}} {
		if _, err := emu.AddProject(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []jiraemu.Board{{Name: "Support board", ProjectKey: "SUP"}, {Name: "Shared board", ProjectKey: "OPS", JQL: "project in (SUP, OPS)"}} {
		if _, err := emu.AddBoard(b); err != nil {
			t.Fatal(err)
		}
	}
	err := emu.AddUser(jiraemu.User{AccountID: "agent-1", DisplayName: "Agent", Email: "agent@example.com", APIToken: "tok",
		Permissions: []string{jiraemu.PermBrowseProjects, jiraemu.PermCreateIssues}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := jira.New(jira.Config{SiteURL: srv.URL, Email: "agent@example.com", APIToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	chk := &ingest.Checker{Jira: JiraChecks(c), Boards: map[string]string{"support": "Support board", "shared": "Shared board"}}
	var out bytes.Buffer
	if err := Run(context.Background(), "check", nil, Deps{Checker: chk}, &out, &out); err == nil {
		t.Fatal("check passed")
	}
	for _, want := range []string{"FAIL  board shared (Shared board) maps to one project", "PASS  board support (Support board) maps to one project",
		"FAIL  Jira account can browse, create, set reporter and manage watchers in SUP: missing"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lacks %q:\n%s", want, out.String())
		}
	}
}
