package jira

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestBoardByName(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	must(t, func() error {
		for range 2 {
			if _, err := s.emu.AddBoard(jiraemu.Board{Name: "Twin", ProjectKey: "OPS"}); err != nil {
				return err
			}
		}
		fid, err := s.emu.AddFilter(jiraemu.Filter{Name: "ops only", JQL: "project = OPS AND labels = mail"})
		if err != nil {
			return err
		}
		_, err = s.emu.AddBoard(jiraemu.Board{Name: "Ops mail", ProjectKey: "OPS", FilterID: fid})
		return err
	}())
	c, _ := s.client(t, botID)
	tests := []struct {
		name    string
		board   string
		want    Board
		wantErr error
		errText string
	}{
		{name: "by exact name", board: "Support board",
			want: Board{Name: "Support board", Type: "kanban", Project: Project{Key: "SUP", Name: "Support"}, FilterJQL: "project = SUP ORDER BY Rank ASC"}},
		{name: "any case", board: "support BOARD",
			want: Board{Name: "Support board", Type: "kanban", Project: Project{Key: "SUP", Name: "Support"}, FilterJQL: "project = SUP ORDER BY Rank ASC"}},
		{name: "saved filter", board: "Ops mail",
			want: Board{Name: "Ops mail", Type: "kanban", Project: Project{Key: "OPS", Name: "Operations"}, FilterJQL: "project = OPS AND labels = mail"}},
		{name: "spans several projects", board: "Shared board", wantErr: errs.ErrInvalid, errText: "spans projects SUP, OPS"},
		{name: "only part of a name", board: "Support", wantErr: errs.ErrNotFound},
		{name: "unknown", board: "Nope", wantErr: errs.ErrNotFound},
		{name: "two boards share the name", board: "Twin", wantErr: errs.ErrInvalid, errText: "2 boards"},
		{name: "empty", board: " ", wantErr: errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.BoardByName(testCtx(t), tt.board)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("BoardByName(%q): got %v, want %v mentioning %q", tt.board, err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("BoardByName(%q): %v", tt.board, err)
			}
			if got.ID == 0 || got.FilterID == "" || got.Project.ID == "" {
				t.Errorf("ids missing: %+v", got)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Board{}, "ID", "FilterID"), cmpopts.IgnoreFields(Project{}, "ID")); diff != "" {
				t.Errorf("BoardByName(%q) (-want +got):\n%s", tt.board, diff)
			}
		})
	}
}
