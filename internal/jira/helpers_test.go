package jira

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/store"
)

// The adapter satisfies the processor's port, and the Table Storage store can back its cache.
var (
	_ mail.Jira = (*Client)(nil)
	_ Cache     = (*store.Store)(nil)
)

// Seeded accounts; each one's API token is tokenOf(id).
const (
	botID    = "bot-1"    // the service account: every permission the service uses
	agentID  = "agent-1"  // no Modify Reporter, Manage Watchers or Create Attachments
	aliceID  = "alice-1"  // visible email
	bobID    = "bob-1"    // email hidden by privacy settings
	oldID    = "old-1"    // deactivated
	robotID  = "robot-1"  // an app account
	readerID = "reader-1" // may only browse
	botEmail = "bot@example.com"
)

func tokenOf(id string) string { return "secret-token-" + id }

type site struct {
	emu *jiraemu.Emulator
	srv *httptest.Server
	// started receives the path of every request as soon as its headers arrive.
	started chan string
}

// newSite starts an emulator with projects SUP and OPS, a board on SUP ("Support board") and
// one whose filter spans both ("Shared board"), and the accounts above.
func newSite(tb testing.TB, opts jiraemu.Options) *site {
	tb.Helper()
	emu := jiraemu.New(opts)
	s := &site{emu: emu, started: make(chan string, 1000)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.started <- r.Method + " " + r.URL.Path:
		default:
		}
		emu.ServeHTTP(w, r)
	}))
	tb.Cleanup(func() {
		s.srv.Close()
		emu.Close()
	})
	emu.SetBaseURL(s.srv.URL)
	for _, p := range []jiraemu.Project{{Key: "SUP", Name: "Support"}, {Key: "OPS", Name: "Operations"}} {
		_, err := emu.AddProject(p)
		must(tb, err)
	}
	users := []jiraemu.User{
		{AccountID: botID, DisplayName: "Mail Bot", Email: botEmail, Groups: []string{"support-team"},
			Permissions: append([]string{jiraemu.PermModifyReporter}, jiraemu.DefaultPermissions...)},
		{AccountID: agentID, DisplayName: "Agent Smith", Email: "agent@example.com",
			Permissions: []string{jiraemu.PermBrowseProjects, jiraemu.PermCreateIssues, jiraemu.PermAddComments}},
		{AccountID: aliceID, DisplayName: "Alice Adams", Email: "Alice@Example.com", Permissions: jiraemu.DefaultPermissions},
		{AccountID: bobID, DisplayName: "Bob Brown", Email: "bob@example.com", HideEmail: true, Permissions: jiraemu.DefaultPermissions},
		{AccountID: oldID, DisplayName: "Olga Old", Email: "olga@example.com", Inactive: true},
		{AccountID: robotID, DisplayName: "Robot", Email: "robot@example.com", AccountType: "app"},
		{AccountID: readerID, DisplayName: "Rita Reader", Email: "rita@example.com", Permissions: []string{jiraemu.PermBrowseProjects}},
	}
	for _, u := range users {
		u.APIToken = tokenOf(u.AccountID)
		must(tb, emu.AddUser(u))
	}
	for _, b := range []jiraemu.Board{
		{Name: "Support board", ProjectKey: "SUP"},
		{Name: "Shared board", ProjectKey: "OPS", JQL: "project in (SUP, OPS) ORDER BY Rank ASC"},
	} {
		_, err := emu.AddBoard(b)
		must(tb, err)
	}
	return s
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// sleeper records the waits the retry loop asks for instead of waiting.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// client returns a Client for the account, with recorded (instant) retry waits.
func (s *site) client(tb testing.TB, accountID string, tweak ...func(*Config)) (*Client, *sleeper) {
	tb.Helper()
	sl := &sleeper{}
	email := map[string]string{botID: botEmail, agentID: "agent@example.com", aliceID: "Alice@Example.com", readerID: "rita@example.com"}[accountID]
	cfg := Config{
		SiteURL: s.srv.URL, Email: email, APIToken: tokenOf(accountID),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		Retry:      Retry{Sleep: sl.sleep},
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c, sl
}

// calls returns how often the emulator served a route.
func (s *site) calls(route string) int { return s.emu.CallCounts()[route] }

// createIssue creates an issue in SUP through the adapter and returns its key.
func createIssue(tb testing.TB, c *Client, summary string, labels ...string) string {
	tb.Helper()
	got, err := c.Create(context.Background(), NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: summary, Labels: labels})
	if err != nil {
		tb.Fatalf("create %q: %v", summary, err)
	}
	return got.Key
}

// assertNoToken fails when an error text reveals any seeded API token.
func assertNoToken(tb testing.TB, err error) {
	tb.Helper()
	if err != nil && strings.Contains(err.Error(), "secret-token") {
		tb.Errorf("error reveals the API token: %v", err)
	}
}

func testCtx(tb testing.TB) context.Context {
	tb.Helper()
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return c
}
