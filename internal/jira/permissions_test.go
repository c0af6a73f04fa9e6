package jira

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestMyPermissions(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	tests := []struct {
		name        string
		account     string
		project     string
		want        Permissions
		wantMissing []string
		wantErr     error
	}{
		{name: "service account", account: botID, project: "SUP",
			want: Permissions{BrowseProjects: true, CreateIssues: true, ModifyReporter: true, ManageWatchers: true, AddComments: true, CreateAttachments: true}},
		{name: "ordinary agent", account: agentID, project: "SUP",
			want:        Permissions{BrowseProjects: true, CreateIssues: true, AddComments: true},
			wantMissing: []string{PermModifyReporter, PermManageWatchers, PermCreateAttachments}},
		{name: "unknown project", account: botID, project: "NOPE", wantErr: errs.ErrNotFound},
		{name: "empty project", account: botID, project: "", wantErr: errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := s.client(t, tt.account)
			got, err := c.MyPermissions(testCtx(t), tt.project)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("MyPermissions: got %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("MyPermissions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantMissing, got.Missing()); err == nil && diff != "" {
				t.Errorf("Missing (-want +got):\n%s", diff)
			}
			can, err := c.CanSetReporter(testCtx(t), tt.project)
			if !errors.Is(err, tt.wantErr) || can != tt.want.ModifyReporter {
				t.Errorf("CanSetReporter = %v, %v; want %v", can, err, tt.want.ModifyReporter)
			}
		})
	}
}

func TestMyPermissionsKeptForTTL(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	c, _ := s.client(t, agentID, func(cfg *Config) { cfg.Now, cfg.PermissionTTL = clk.now, 5*time.Minute })
	const route = "GET /rest/api/3/mypermissions"
	steps := []struct {
		name      string
		advance   time.Duration
		grant     bool
		want      bool
		wantCalls int
	}{
		{"asks Jira", 0, false, false, 1},
		{"kept", time.Minute, false, false, 1},
		{"a grant shows after the TTL", 5 * time.Minute, true, true, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.advance(st.advance)
			if st.grant {
				must(t, s.emu.SetPermissions(agentID, append([]string{jiraemu.PermModifyReporter}, jiraemu.DefaultPermissions...)...))
			}
			got, err := c.CanSetReporter(testCtx(t), "sup")
			if err != nil || got != st.want {
				t.Fatalf("CanSetReporter = %v, %v; want %v", got, err, st.want)
			}
			if n := s.calls(route); n != st.wantCalls {
				t.Errorf("requests = %d, want %d", n, st.wantCalls)
			}
		})
	}
}
