package cli

import (
	"context"

	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/jira"
)

// JiraChecks adapts the Jira client to what `check` asks of Jira.
func JiraChecks(c *jira.Client) ingest.JiraAccess { return jiraChecks{c} }

type jiraChecks struct{ c *jira.Client }

// BoardProjects returns the project the board lives in; the client refuses a board whose
// filter spans several projects, which check reports with its fix.
func (j jiraChecks) BoardProjects(ctx context.Context, boardName string) ([]string, error) {
	b, err := j.c.BoardByName(ctx, boardName)
	if err != nil {
		return nil, err
	}
	return []string{b.Project.Key}, nil
}

// MissingPermissions lists the permissions the service's account lacks in a project.
func (j jiraChecks) MissingPermissions(ctx context.Context, projectKey string) ([]string, error) {
	p, err := j.c.MyPermissions(ctx, projectKey)
	if err != nil {
		return nil, err
	}
	return p.Missing(), nil
}
