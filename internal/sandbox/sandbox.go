// Package sandbox starts the emulators the service talks to (Entra ID, Microsoft Graph mail,
// Jira Cloud), seeds them with a mailbox, a Jira project, a board and a few people, and
// returns the settings that point the service at them. `make run` uses it to show a mail
// becoming a ticket without any cloud account; end-to-end tests use it the same way.
package sandbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
)

// Fixed identities of the seeded world. None of these are real credentials.
const (
	TenantID     = "6f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b"
	ClientID     = "a1b2c3d4-e5f6-4789-8abc-def012345678"
	ClientSecret = "sandbox-client-secret-not-a-real-one"
	Mailbox      = "support@contoso.example"
	JiraUser     = "mail2jira-bot@contoso.example"
	JiraToken    = "sandbox-jira-token-not-a-real-one"
	JiraProject  = "SUP"
	BoardName    = "Support"
	APIKey       = "sandbox-api-key-0123456789"
	// BotAccountID is the service's own Jira account.
	BotAccountID = "5b10ac8d82e05b22cc7d4ef5"
)

// People seeded as both mailboxes and (for some) Jira accounts.
var People = []struct {
	Email, Name, AccountID string
	HideEmail              bool
}{
	{"alice@contoso.example", "Alice Example", "5b10a2844c20165700ede21g", false},
	{"carol@contoso.example", "Carol Private", "5b10a2844c20165700ede22h", true},
	{"bob@fabrikam.example", "Bob Outsider", "", false},
}

// Options configures the sandbox. Zero ports pick free ones (tests); make run uses fixed ones.
type Options struct {
	GraphPort, JiraPort, EntraPort int
	ServiceAddr                    string // where the service will listen, for notification URLs
	Storage                        string // Azure Storage connection string (Azurite)
	GraphLatency, JiraLatency      time.Duration
	Dir                            string    // where to write the CA certificate; a temp dir when empty
	CA                             *tlsca.CA // the CA for the HTTPS emulators; a new one when nil
	Logger                         *slog.Logger
}

// Sandbox is a running set of emulators.
type Sandbox struct {
	Graph    *graphemu.Emulator
	Jira     *jiraemu.Emulator
	Entra    *entra.Server
	GraphURL string // base, without /v1.0
	JiraURL  string
	EntraURL string
	CAFile   string // PEM of the CA the HTTPS emulators use
	servers  []*http.Server
	opts     Options
}

// Start starts and seeds the emulators.
func Start(ctx context.Context, o Options) (*Sandbox, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	s := &Sandbox{opts: o}
	if err := s.start(o); err != nil {
		s.Close()
		return nil, err
	}
	return s, s.seed()
}

func (s *Sandbox) start(o Options) error {
	ca, err := o.CA, error(nil)
	if ca == nil {
		if ca, err = tlsca.New(); err != nil {
			return err
		}
	}
	if s.CAFile, err = writeCA(o.Dir, ca.PEM()); err != nil {
		return err
	}
	if s.Entra, err = entra.New(entra.Options{}); err != nil {
		return err
	}
	tlsCfg, err := ca.ServerConfig()
	if err != nil {
		return err
	}
	if s.EntraURL, err = s.serve(o.EntraPort, s.Entra, true, tlsCfg); err != nil {
		return fmt.Errorf("entra emulator: %w", err)
	}
	s.Graph = graphemu.New(graphemu.Options{Verify: s.verifyGraph, Latency: o.GraphLatency, Logger: o.Logger})
	if s.GraphURL, err = s.serve(o.GraphPort, s.Graph, false, nil); err != nil {
		return fmt.Errorf("graph emulator: %w", err)
	}
	s.Jira = jiraemu.New(jiraemu.Options{Latency: o.JiraLatency, Logger: o.Logger})
	if s.JiraURL, err = s.serve(o.JiraPort, s.Jira, false, nil); err != nil {
		return fmt.Errorf("jira emulator: %w", err)
	}
	s.Jira.SetBaseURL(s.JiraURL)
	return nil
}

// verifyGraph accepts only tokens the Entra emulator issued for Graph.
func (s *Sandbox) verifyGraph(bearer string) ([]string, error) {
	c, err := s.Entra.Verify(bearer, entra.GraphResource)
	if err != nil {
		return nil, err
	}
	return c.Roles, nil
}

func writeCA(dir string, pem []byte) (string, error) {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "mail2jira-sandbox-"); err != nil {
			return "", err
		}
	}
	path := filepath.Join(dir, "sandbox-ca.pem")
	return path, os.WriteFile(path, pem, 0o644)
}

// serve listens on loopback (port 0 picks one) and returns the base URL.
func (s *Sandbox) serve(port int, h http.Handler, useTLS bool, cfg *tls.Config) (string, error) {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return "", fmt.Errorf("listen on port %d: %w (choose another port)", port, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	scheme := "http"
	if useTLS {
		scheme = "https"
		srv.TLSConfig = cfg
		go srv.ServeTLS(ln, "", "")
	} else {
		go srv.Serve(ln)
	}
	return scheme + "://" + ln.Addr().String(), nil
}

// Close stops every emulator.
func (s *Sandbox) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
	if s.Graph != nil {
		s.Graph.Close()
	}
	if s.Jira != nil {
		s.Jira.Close()
	}
}

// seed creates the app registration, mailboxes, Jira project, board and people.
func (s *Sandbox) seed() error {
	err := s.Entra.AddApp(entra.App{TenantID: TenantID, ClientID: ClientID, Secret: ClientSecret,
		Roles: map[string][]string{entra.GraphResource: {"Mail.ReadWrite", "Mail.Send"}}})
	s.Graph.AddMailbox(Mailbox, "Support")
	errs := []error{err,
		s.Jira.AddUser(jiraemu.User{AccountID: BotAccountID, DisplayName: "mail2jira", Email: JiraUser, APIToken: JiraToken, AccountType: "app",
			Permissions: append([]string{jiraemu.PermModifyReporter}, jiraemu.DefaultPermissions...)}),
	}
	for _, p := range People {
		s.Graph.AddMailbox(p.Email, p.Name)
		if p.AccountID != "" {
			errs = append(errs, s.Jira.AddUser(jiraemu.User{AccountID: p.AccountID, DisplayName: p.Name, Email: p.Email, HideEmail: p.HideEmail}))
		}
	}
	_, perr := s.Jira.AddProject(jiraemu.Project{Key: JiraProject, Name: "Support", LeadAccountID: BotAccountID})
	_, berr := s.Jira.AddBoard(jiraemu.Board{Name: BoardName, ProjectKey: JiraProject})
	return errors.Join(append(errs, perr, berr)...)
}

// SetServiceAddr changes where the service will listen (tests pick a free port once the
// emulators hold theirs, so the two can never collide).
func (s *Sandbox) SetServiceAddr(addr string) { s.opts.ServiceAddr = addr }

// ServiceEnv returns the settings that wire the service to the sandbox.
func (s *Sandbox) ServiceEnv() map[string]string {
	return map[string]string{
		"MAILBOX":                            Mailbox,
		"O365_TENANT_ID":                     TenantID,
		"O365_CLIENT_ID":                     ClientID,
		"O365_CLIENT_SECRET":                 ClientSecret,
		"O365_AUTHORITY_HOST":                s.EntraURL + "/",
		"GRAPH_BASE_URL":                     s.GraphURL + "/v1.0",
		"PUBLIC_BASE_URL":                    "http://" + s.opts.ServiceAddr,
		"ATLASSIAN_URL":                      s.JiraURL,
		"ATLASSIAN_USER":                     JiraUser,
		"ATLASSIAN_API_TOKEN":                JiraToken,
		"JIRA_TICKET_LABELS":                 "mail2jira",
		"JIRA_TICKET_LABEL_CATEGORIES":       "hardware,software,access",
		"JIRA_TICKET_LABEL_DEFAULT_CATEGORY": "software",
		"JIRA_BOARDS":                        "support=" + BoardName,
		"AzureWebJobsStorage":                s.opts.Storage,
		"API_KEYS":                           APIKey,
		"LISTEN_ADDRESS":                     s.opts.ServiceAddr,
		"SWEEP_SCHEDULE":                     "0 * * * * *",
		"RENEW_SCHEDULE":                     "*/10 * * * * *",
		"SSL_CERT_FILE":                      s.CAFile,
	}
}
