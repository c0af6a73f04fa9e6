// Package config reads and validates every setting at start-up. Problems are collected and
// reported together, each with how to fix it, so an operator fixes a deployment in one pass.
package config

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/schedule"
)

// Secrets is where secret settings come from (the environment, or Key Vault with the
// environment as fallback). name is the setting name, e.g. ATLASSIAN_API_TOKEN.
type Secrets interface {
	Secret(ctx context.Context, name string) (value string, ok bool, err error)
}

// Board is a Jira board the service files tickets on, known to users by its key.
type Board struct {
	Key  string // short name used in settings and the API, e.g. "support"
	Name string // the board's name in Jira
}

// Route says where mail arriving in one mailbox goes.
type Route struct {
	Mailbox  string // lower-case address
	Board    string // board key
	Category string // default category, may be empty when no categories are configured
}

// Storage says how to reach Table Storage: a connection string, or an account for identity auth.
type Storage struct {
	ConnectionString string
	AccountName      string
	TableServiceURL  string
	TablePrefix      string
}

// Config is the validated configuration of the service.
type Config struct {
	Mailboxes         []string
	Routes            map[string]Route // by lower-case mailbox
	TenantID          string
	ClientID          string
	ClientSecret      string
	ClientCertificate string
	AuthorityHost     string
	GraphBaseURL      string
	PublicBaseURL     string

	JiraURL         string
	JiraUser        string
	JiraToken       string
	TicketType      string
	Labels          []string
	Categories      []string
	DefaultCategory string
	Boards          []Board
	DefaultBoard    string

	WhitelistedDomains []string
	Blacklist          []string
	TicketClientApp    string

	ReplyTemplateFile    string
	MaxNewTicketsPerHour int // 0: no cap
	MaxAttachmentBytes   int64
	PriorityHigh         string
	PriorityLow          string

	SubscriptionsEnabled bool
	RenewMargin          time.Duration
	SweepLookbackDays    int
	SweepBudget          time.Duration
	RetentionDays        int

	APIMaxUploadBytes int64
	APIMaxFileBytes   int64

	RelayEnabled  bool
	WebhookSecret string
	RelayEvents   []string

	Storage     Storage
	KeyVaultURL string
	APIKeys     []string

	Schedules     map[string]string // setting name (e.g. SWEEP_SCHEDULE) to NCRONTAB expression
	ListenAddress string
	HostPort      string // FUNCTIONS_CUSTOMHANDLER_PORT; non-empty under the Functions host
	Workers       int
	LogLevel      slog.Level
}

// UnderHost reports whether the Functions host started us.
func (c *Config) UnderHost() bool { return c.HostPort != "" }

// SecretValues lists the secret values in use, so the logger can redact them wherever they appear.
func (c *Config) SecretValues() []string {
	v := []string{c.ClientSecret, c.ClientCertificate, c.JiraToken, c.Storage.ConnectionString, c.WebhookSecret}
	return append(v, c.APIKeys...)
}

// Board returns the board with the given key.
func (c *Config) Board(key string) (Board, bool) {
	for _, b := range c.Boards {
		if b.Key == key {
			return b, true
		}
	}
	return Board{}, false
}

// Load reads every setting through getenv (and secrets for secret settings), validates them
// all, and returns one error naming every problem.
func Load(ctx context.Context, getenv func(string) string, secrets Secrets) (*Config, error) {
	r := &reader{ctx: ctx, getenv: getenv, secrets: secrets}
	c := &Config{}
	r.graph(c)
	r.jira(c)
	r.filters(c)
	r.work(c)
	r.runtime(c)
	c.Routes = r.routes(c)
	if len(r.problems) > 0 {
		return nil, &Error{Problems: r.problems}
	}
	return c, nil
}

// Error lists every configuration problem found at start-up.
type Error struct {
	Problems []string
}

// Error renders one problem per line.
func (e *Error) Error() string {
	return fmt.Sprintf("configuration has %d problem(s):\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

type reader struct {
	ctx      context.Context
	getenv   func(string) string
	secrets  Secrets
	problems []string
}

func (r *reader) problem(name, format string, args ...any) {
	r.problems = append(r.problems, name+": "+fmt.Sprintf(format, args...))
}

// get returns a setting's value, its default when empty, and reports required ones missing.
func (r *reader) get(name string) string {
	s, ok := registry.Lookup(name)
	if !ok {
		panic("config: setting " + name + " is not in the registry")
	}
	v := strings.TrimSpace(r.getenv(name))
	if s.Secret && r.secrets != nil {
		sv, found, err := r.secrets.Secret(r.ctx, name)
		switch {
		case err != nil:
			r.problem(name, "could not be read from the secret store: %v", err)
		case found:
			v = strings.TrimSpace(sv)
		}
	}
	if v == "" {
		v = s.Default
	}
	if v == "" && s.Required {
		r.problem(name, "is required: %s", s.Description)
	}
	return v
}

func (r *reader) url(name string, httpsOnly bool) string {
	v := r.get(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		r.problem(name, "%q is not an absolute http(s) URL, e.g. https://example.com", v)
		return ""
	}
	if httpsOnly && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		r.problem(name, "must use https (plain http is only accepted for localhost)")
	}
	return strings.TrimRight(v, "/")
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func (r *reader) list(name string) []string {
	return splitList(r.get(name))
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) int(name string, min, max int) int {
	v := r.get(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.problem(name, "%q must be a whole number from %d to %d", v, min, max)
	}
	return n
}

func (r *reader) bool(name string) bool {
	v := r.get(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.problem(name, "%q must be true or false", v)
	}
	return b
}

func (r *reader) duration(name string, min, max time.Duration) time.Duration {
	v := r.get(name)
	d, err := time.ParseDuration(v)
	if err != nil || d < min || d > max {
		r.problem(name, "%q must be a duration from %s to %s, e.g. 48h or 4m", v, min, max)
	}
	return d
}

func (r *reader) schedule(c *Config, name string) {
	v := r.get(name)
	if _, err := schedule.Parse(v); err != nil {
		r.problem(name, "%v", err)
	}
	if c.Schedules == nil {
		c.Schedules = map[string]string{}
	}
	c.Schedules[name] = v
}
