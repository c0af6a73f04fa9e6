package jira

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Permission keys the service needs, as Jira names them:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
const (
	PermBrowseProjects    = "BROWSE_PROJECTS"
	PermCreateIssues      = "CREATE_ISSUES"
	PermModifyReporter    = "MODIFY_REPORTER"
	PermManageWatchers    = "MANAGE_WATCHERS"
	PermAddComments       = "ADD_COMMENTS"
	PermCreateAttachments = "CREATE_ATTACHMENTS"
)

// neededPermissions is the order Permissions reports them in.
var neededPermissions = []string{
	PermBrowseProjects, PermCreateIssues, PermModifyReporter, PermManageWatchers, PermAddComments, PermCreateAttachments,
}

// Permissions says which of the permissions the service uses its account holds in a project.
type Permissions struct {
	BrowseProjects    bool
	CreateIssues      bool
	ModifyReporter    bool
	ManageWatchers    bool
	AddComments       bool
	CreateAttachments bool
}

// Missing lists the permission keys the account lacks, for a start-up report.
func (p Permissions) Missing() []string {
	has := map[string]bool{
		PermBrowseProjects: p.BrowseProjects, PermCreateIssues: p.CreateIssues, PermModifyReporter: p.ModifyReporter,
		PermManageWatchers: p.ManageWatchers, PermAddComments: p.AddComments, PermCreateAttachments: p.CreateAttachments,
	}
	var out []string
	for _, k := range neededPermissions {
		if !has[k] {
			out = append(out, k)
		}
	}
	return out
}

// MyPermissions asks /rest/api/3/mypermissions (go-atlassian has no call for it) which of the
// permissions the service uses its account holds in a project. Answers are kept in memory
// for Config.PermissionTTL, since they change rarely and a mail needs one per ticket.
func (c *Client) MyPermissions(ctx context.Context, projectKey string) (Permissions, error) {
	op := "jira: my permissions in " + projectKey
	if projectKey == "" {
		return Permissions{}, fmt.Errorf("%s: %w: empty project key", op, errs.ErrInvalid)
	}
	if p, ok := c.cachedPermissions(projectKey); ok {
		return p, nil
	}
	q := url.Values{"projectKey": {projectKey}, "permissions": {strings.Join(neededPermissions, ",")}}
	var out struct {
		Permissions map[string]struct {
			HavePermission bool `json:"havePermission"`
		} `json:"permissions"`
	}
	if err := c.get(ctx, op, "rest/api/3/mypermissions", q, &out); err != nil {
		return Permissions{}, err
	}
	has := func(k string) bool { return out.Permissions[k].HavePermission }
	p := Permissions{
		BrowseProjects: has(PermBrowseProjects), CreateIssues: has(PermCreateIssues),
		ModifyReporter: has(PermModifyReporter), ManageWatchers: has(PermManageWatchers),
		AddComments: has(PermAddComments), CreateAttachments: has(PermCreateAttachments),
	}
	c.keepPermissions(projectKey, p)
	return p, nil
}

func (c *Client) cachedPermissions(project string) (Permissions, bool) {
	if c.permTTL <= 0 {
		return Permissions{}, false
	}
	c.permMu.Lock()
	defer c.permMu.Unlock()
	e, ok := c.perms[strings.ToUpper(project)]
	if !ok || !e.expires.After(c.now()) {
		return Permissions{}, false
	}
	return e.p, true
}

func (c *Client) keepPermissions(project string, p Permissions) {
	if c.permTTL <= 0 {
		return
	}
	c.permMu.Lock()
	defer c.permMu.Unlock()
	c.perms[strings.ToUpper(project)] = cachedPerms{p: p, expires: c.now().Add(c.permTTL)}
}

// CanSetReporter reports whether the service's account has "Modify reporter" in a project.
func (c *Client) CanSetReporter(ctx context.Context, projectKey string) (bool, error) {
	p, err := c.MyPermissions(ctx, projectKey)
	if err != nil {
		return false, err
	}
	return p.ModifyReporter, nil
}
