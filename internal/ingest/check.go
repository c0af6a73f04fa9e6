package ingest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// GraphAccess is what `check` asks of Graph.
type GraphAccess interface {
	// AppRoles returns the application roles in the app-only token Graph receives.
	AppRoles(ctx context.Context) ([]string, error)
	// ReadInbox reads one message of a mailbox's inbox (fails where an application access
	// policy excludes the mailbox).
	ReadInbox(ctx context.Context, mailbox string) error
	// SendTest sends a short test mail from mailbox to address.
	SendTest(ctx context.Context, mailbox, address string) error
}

// JiraAccess is what `check` asks of Jira.
type JiraAccess interface {
	// BoardProjects returns the keys of the projects a board's filter covers.
	BoardProjects(ctx context.Context, boardName string) ([]string, error)
	// MissingPermissions returns which of browse, create issues, modify reporter and
	// manage watchers the service's account lacks in a project.
	MissingPermissions(ctx context.Context, projectKey string) ([]string, error)
}

// Checker verifies a deployment, one result per check.
type Checker struct {
	Graph     GraphAccess // nil skips the Graph checks
	Jira      JiraAccess  // nil skips the Jira checks
	Storage   func(ctx context.Context) error
	Mailboxes []string
	Boards    map[string]string // board key -> board name in Jira
	// CertificateExpiry returns the client certificate's end of validity; ok is false when
	// the service authenticates with a secret.
	CertificateExpiry func() (notAfter time.Time, ok bool)
	// Relay reports whether relaying Jira comments by mail is set up (relay.Configured).
	Relay func() (ok bool, detail string)
	Now   func() time.Time
}

// CheckResult is one check's outcome.
type CheckResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"` // what to do when it failed
}

// RequiredRoles are the Graph application roles the service needs.
var RequiredRoles = []string{"Mail.ReadWrite", "Mail.Send"}

// Run runs every check; sendTo, when set, also sends a test mail from each mailbox.
func (c *Checker) Run(ctx context.Context, sendTo string) []CheckResult {
	var out []CheckResult
	add := func(name string, err error, fix string) {
		r := CheckResult{Name: name, OK: err == nil}
		if err != nil {
			r.Detail, r.Fix = err.Error(), fix
		}
		out = append(out, r)
	}
	if c.Storage != nil {
		add("storage reachable", c.Storage(ctx), "check AzureWebJobsStorage (or the identity's 'Storage Table Data Contributor' role) and the network path to the account")
	}
	if c.Graph != nil {
		add("Graph token has "+strings.Join(RequiredRoles, " and "), c.roles(ctx),
			"grant the application permissions Mail.ReadWrite and Mail.Send to the app registration and give admin consent")
		for _, mb := range c.Mailboxes {
			add("Graph can read "+mb+"'s inbox", c.Graph.ReadInbox(ctx, mb),
				"check the address, and that an application access policy (New-ApplicationAccessPolicy) includes this mailbox")
			if sendTo != "" {
				add("Graph can send as "+mb, c.Graph.SendTest(ctx, mb, sendTo),
					"grant Mail.Send and make sure the access policy includes this mailbox")
			}
		}
	}
	if c.Jira != nil {
		out = append(out, c.jira(ctx)...)
	}
	if c.CertificateExpiry != nil {
		if notAfter, ok := c.CertificateExpiry(); ok {
			out = append(out, c.certificate(notAfter))
		}
	}
	if c.Relay != nil {
		ok, detail := c.Relay()
		r := CheckResult{Name: "Jira comment relay", OK: ok, Detail: detail}
		if !ok {
			r.Fix = "set JIRA_RELAY_ENABLED=true and JIRA_WEBHOOK_SECRET, and register the Jira webhook (README: Jira comment relay)"
		}
		out = append(out, r)
	}
	return out
}

func (c *Checker) roles(ctx context.Context) error {
	roles, err := c.Graph.AppRoles(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, r := range RequiredRoles {
		if !slices.Contains(roles, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the token lacks %s (it has %s)", strings.Join(missing, ", "), strings.Join(roles, ", "))
	}
	return nil
}

func (c *Checker) jira(ctx context.Context) []CheckResult {
	var out []CheckResult
	keys := make([]string, 0, len(c.Boards))
	for k := range c.Boards {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		name := c.Boards[key]
		projects, err := c.Jira.BoardProjects(ctx, name)
		if err == nil && len(projects) != 1 {
			err = fmt.Errorf("the board covers %d projects (%s); it must cover exactly one", len(projects), strings.Join(projects, ", "))
		}
		out = append(out, result("board "+key+" ("+name+") maps to one project", err, "use a board whose filter selects a single project, or fix the board name in JIRA_BOARDS"))
		if err != nil {
			continue
		}
		missing, err := c.Jira.MissingPermissions(ctx, projects[0])
		if err == nil && len(missing) > 0 {
			err = fmt.Errorf("missing %s", strings.Join(missing, ", "))
		}
		out = append(out, result("Jira account can browse, create, set reporter and manage watchers in "+projects[0], err,
			"grant the service's Jira account these project permissions (Browse Projects, Create Issues, Modify Reporter, Manage Watchers)"))
	}
	return out
}

func (c *Checker) certificate(notAfter time.Time) CheckResult {
	days := int(notAfter.Sub(nowOr(c.Now)()).Hours() / 24)
	r := CheckResult{Name: "client certificate valid for 30 days or more", OK: days >= 30, Detail: fmt.Sprintf("%d days left (until %s)", days, notAfter.UTC().Format(time.DateOnly))}
	if !r.OK {
		r.Fix = "upload a new certificate to the app registration and update O365_CLIENT_CERTIFICATE"
	}
	return r
}

func result(name string, err error, fix string) CheckResult {
	if err != nil {
		return CheckResult{Name: name, Detail: err.Error(), Fix: fix}
	}
	return CheckResult{Name: name, OK: true}
}

// PrintChecks writes one pass/fail line per check (and the fix under each failure) and
// reports whether all passed.
func PrintChecks(w io.Writer, results []CheckResult) bool {
	all := true
	for _, r := range results {
		mark := "PASS"
		if !r.OK {
			mark, all = "FAIL", false
		}
		line := mark + "  " + r.Name
		if r.Detail != "" {
			line += ": " + r.Detail
		}
		fmt.Fprintln(w, line)
		if r.Fix != "" {
			fmt.Fprintln(w, "      fix: "+r.Fix)
		}
	}
	return all
}
