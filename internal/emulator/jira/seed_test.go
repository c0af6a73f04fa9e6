package jiraemu

import (
	"errors"
	"testing"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestSeedingErrors(t *testing.T) {
	s := newSite(t, Options{})
	e := s.emu
	_, boardErr := e.AddBoard(Board{Name: "x", ProjectKey: "NOPE"})
	_, projErr := e.AddProject(Project{Key: "SUP", Name: "Again"})
	_, filterErr := e.AddFilter(Filter{Name: "bad", JQL: "labels = (("})
	_, hookErr := e.RegisterWebhook(Webhook{URL: "http://127.0.0.1:1", JQL: "nonsense = 1"})
	_, commentErr := e.AddComment("SUP-404", aliceID, CommentInput{Body: TextADF("x")})
	_, badBodyErr := e.AddComment("SUP-404", aliceID, CommentInput{Body: []byte(`"text"`)})
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"user without id", e.AddUser(User{DisplayName: "x"}), errs.ErrInvalid},
		{"duplicate user", e.AddUser(User{AccountID: aliceID, DisplayName: "x"}), errs.ErrConflict},
		{"duplicate project", projErr, errs.ErrConflict},
		{"board in unknown project", boardErr, errs.ErrNotFound},
		{"filter with bad JQL", filterErr, errs.ErrInvalid},
		{"webhook with bad JQL", hookErr, errs.ErrInvalid},
		{"comment on unknown issue", commentErr, errs.ErrNotFound},
		{"comment that is not ADF", badBodyErr, errs.ErrInvalid},
		{"status of unknown issue", e.SetStatus("SUP-404", "Done"), errs.ErrNotFound},
		{"assignee unknown", e.SetAssignee("SUP-404", aliceID), errs.ErrNotFound},
		{"delete unknown", e.DeleteIssue("SUP-404"), errs.ErrNotFound},
		{"permissions of unknown user", e.SetPermissions("ghost"), errs.ErrNotFound},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
}
