package jiraemu_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	v3 "github.com/ctreminiom/go-atlassian/v2/jira/v3"
	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
)

// Example seeds a site and creates an issue through go-atlassian.
func Example() {
	emu := jiraemu.New(jiraemu.Options{})
	srv := httptest.NewServer(emu)
	defer func() { srv.Close(); emu.Close() }()
	emu.SetBaseURL(srv.URL)
	if _, err := emu.AddProject(jiraemu.Project{Key: "SUP", Name: "Support"}); err != nil {
		panic(err)
	}
	if err := emu.AddUser(jiraemu.User{AccountID: "bot", DisplayName: "Bot", Email: "bot@example.com",
		APIToken: "token", Permissions: jiraemu.DefaultPermissions}); err != nil {
		panic(err)
	}

	client, err := v3.New(nil, srv.URL)
	if err != nil {
		panic(err)
	}
	client.Auth.SetBasicAuth("bot@example.com", "token")
	created, _, err := client.Issue.Create(context.Background(), &models.IssueScheme{Fields: &models.IssueFieldsScheme{
		Project:   &models.ProjectScheme{Key: "SUP"},
		IssueType: &models.IssueTypeScheme{Name: "Task"},
		Summary:   "Printer on fire",
	}}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(created.Key, emu.CallCounts()["POST /rest/api/3/issue"])
	// Output: SUP-1 1
}
