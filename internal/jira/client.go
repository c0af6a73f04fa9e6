package jira

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/jira/agile"
	v3 "github.com/ctreminiom/go-atlassian/v2/jira/v3"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Config is what a Client needs; SiteURL, Email and APIToken are required.
type Config struct {
	// SiteURL is the Jira Cloud site, e.g. https://contoso.atlassian.net.
	SiteURL string
	// Email and APIToken authenticate the service account (basic auth).
	Email    string
	APIToken string
	// HTTPClient sends the requests; nil means a client with a 60-second timeout.
	HTTPClient *http.Client
	// Cache keeps user look-ups by email; nil means an in-process TTL cache.
	Cache Cache
	// UserTTL is how long a found account is cached; zero means 6 hours.
	UserTTL time.Duration
	// NoUserTTL is how long "no visible account for this address" is cached; zero means 1 hour.
	NoUserTTL time.Duration
	// PermissionTTL is how long the account's project permissions are kept in memory; zero
	// means 5 minutes, negative disables it.
	PermissionTTL time.Duration
	// Retry shapes the backoff of safe calls; the zero value takes the defaults.
	Retry Retry
	// Logger receives retry and cache warnings; nil discards them.
	Logger *slog.Logger
	// Now replaces the clock (tests); nil means time.Now.
	Now func() time.Time
}

// String describes the configuration without the API token, so printing it is safe.
func (c Config) String() string {
	return fmt.Sprintf("jira.Config{SiteURL: %q, Email: %q, APIToken: [redacted]}", c.SiteURL, c.Email)
}

// LogValue keeps the API token out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("site", c.SiteURL), slog.String("email", c.Email))
}

// Client talks to one Jira Cloud site as one account. It is safe for concurrent use.
type Client struct {
	api     *v3.Client
	agile   *agile.Client
	http    *http.Client
	site    *url.URL
	email   string
	token   string
	cache   Cache
	retry   Retry
	log     *slog.Logger
	now     func() time.Time
	userTTL time.Duration
	noneTTL time.Duration
	permTTL time.Duration

	permMu sync.Mutex
	perms  map[string]cachedPerms
}

type cachedPerms struct {
	p       Permissions
	expires time.Time
}

// New builds a Client. It makes no request; call Myself to check the credentials.
func New(cfg Config) (*Client, error) {
	site, err := parseSite(cfg.SiteURL)
	if err != nil {
		return nil, err
	}
	if cfg.Email == "" || cfg.APIToken == "" {
		return nil, fmt.Errorf("jira: %w: email and API token are required", errs.ErrInvalid)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	api, err := v3.New(hc, site.String())
	if err != nil {
		return nil, fmt.Errorf("jira: client: %w: %v", errs.ErrInvalid, err)
	}
	api.Auth.SetBasicAuth(cfg.Email, cfg.APIToken)
	ag, err := agile.New(hc, site.String())
	if err != nil {
		return nil, fmt.Errorf("jira: agile client: %w: %v", errs.ErrInvalid, err)
	}
	ag.Auth.SetBasicAuth(cfg.Email, cfg.APIToken)
	c := &Client{
		api: api, agile: ag, http: hc, site: site, email: cfg.Email, token: cfg.APIToken,
		cache: cfg.Cache, retry: cfg.Retry.withDefaults(), log: cfg.Logger, now: cfg.Now,
		userTTL: orDefault(cfg.UserTTL, 6*time.Hour), noneTTL: orDefault(cfg.NoUserTTL, time.Hour),
		permTTL: orDefault(cfg.PermissionTTL, 5*time.Minute), perms: map[string]cachedPerms{},
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.cache == nil {
		c.cache = NewMemoryCache(10_000, c.now)
	}
	return c, nil
}

// Site returns the site URL, e.g. for links to issues.
func (c *Client) Site() string { return strings.TrimSuffix(c.site.String(), "/") }

// BrowseURL is the link people follow to open an issue in Jira.
func (c *Client) BrowseURL(key string) string { return c.Site() + "/browse/" + url.PathEscape(key) }

func parseSite(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jira: %w: site URL must be an absolute http(s) URL", errs.ErrInvalid)
	}
	// Credentials in the URL would end up in error texts (url.Error prints the URL).
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("jira: %w: site URL must not carry credentials, a query or a fragment", errs.ErrInvalid)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// issueKeyRE accepts an issue key (any case, as Jira does) or a numeric issue id; checking it
// keeps user input from reshaping the request path.
var issueKeyRE = regexp.MustCompile(`^(?:[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*|[1-9][0-9]*)$`)

var numericRE = regexp.MustCompile(`^[1-9][0-9]*$`)

func checkKey(op, key string) error {
	if !issueKeyRE.MatchString(key) {
		return fmt.Errorf("%s: %w: %q is not an issue key", op, errs.ErrInvalid, truncate(key, 40))
	}
	return nil
}

func checkID(op, what, id string) error {
	if !numericRE.MatchString(id) {
		return fmt.Errorf("%s: %w: %q is not a %s id", op, errs.ErrInvalid, truncate(id, 40), what)
	}
	return nil
}
