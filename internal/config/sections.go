package config

import (
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
)

func (r *reader) graph(c *Config) {
	c.Mailboxes = r.addresses("MAILBOX")
	c.TenantID = r.get("O365_TENANT_ID")
	c.ClientID = r.get("O365_CLIENT_ID")
	c.ClientSecret = r.get("O365_CLIENT_SECRET")
	c.ClientCertificate = r.get("O365_CLIENT_CERTIFICATE")
	if c.ClientSecret == "" && c.ClientCertificate == "" {
		r.problem("O365_CLIENT_SECRET", "set O365_CLIENT_SECRET (or O365_CLIENT_CERTIFICATE) to a credential of the app registration O365_CLIENT_ID")
	}
	c.AuthorityHost = r.url("O365_AUTHORITY_HOST", true)
	c.GraphBaseURL = r.url("GRAPH_BASE_URL", true)
	c.PublicBaseURL = r.url("PUBLIC_BASE_URL", true)
	if c.PublicBaseURL == "" {
		if h := r.get("WEBSITE_HOSTNAME"); h != "" {
			c.PublicBaseURL = "https://" + h
		}
	}
}

// addresses parses a comma-separated list of email addresses into lower case.
func (r *reader) addresses(name string) []string {
	var out []string
	for _, a := range r.list(name) {
		p, err := mail.ParseAddress(a)
		if err != nil || p.Name != "" {
			r.problem(name, "%q is not a plain email address (write name@example.com)", a)
			continue
		}
		out = append(out, strings.ToLower(p.Address))
	}
	return out
}

func (r *reader) jira(c *Config) {
	c.JiraURL = r.url("ATLASSIAN_URL", true)
	c.JiraUser = r.get("ATLASSIAN_USER")
	c.JiraToken = r.get("ATLASSIAN_API_TOKEN")
	c.TicketType = r.get("JIRA_TICKET_TYPE")
	c.Labels = r.labels("JIRA_TICKET_LABELS")
	c.Categories = r.labels("JIRA_TICKET_LABEL_CATEGORIES")
	c.DefaultCategory = r.get("JIRA_TICKET_LABEL_DEFAULT_CATEGORY")
	if c.DefaultCategory != "" && !contains(c.Categories, c.DefaultCategory) {
		r.problem("JIRA_TICKET_LABEL_DEFAULT_CATEGORY", "%q is not one of JIRA_TICKET_LABEL_CATEGORIES (%s)", c.DefaultCategory, strings.Join(c.Categories, ", "))
	}
	c.Boards = r.boards()
	c.DefaultBoard = r.get("JIRA_DEFAULT_BOARD")
	switch {
	case c.DefaultBoard == "" && len(c.Boards) == 1:
		c.DefaultBoard = c.Boards[0].Key
	case c.DefaultBoard == "" && len(c.Boards) > 1:
		r.problem("JIRA_DEFAULT_BOARD", "is required when JIRA_BOARDS lists several boards: set it to one of %s", keys(c.Boards))
	case c.DefaultBoard != "":
		if _, ok := c.Board(c.DefaultBoard); !ok && len(c.Boards) > 0 {
			r.problem("JIRA_DEFAULT_BOARD", "%q is not a board key from JIRA_BOARDS (%s)", c.DefaultBoard, keys(c.Boards))
		}
	}
}

// Jira labels cannot contain spaces.
var labelRE = regexp.MustCompile(`^[^\s]{1,255}$`)

func (r *reader) labels(name string) []string {
	out := r.list(name)
	for _, l := range out {
		if !labelRE.MatchString(l) {
			r.problem(name, "%q is not a valid Jira label (no spaces, at most 255 characters)", l)
		}
	}
	return out
}

var (
	boardVarRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	boardKeyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
)

// boards reads JIRA_BOARDS in either form: "key=Board name" entries, or (the original
// service's form) names of variables that hold a board name, the key derived from the name.
func (r *reader) boards() []Board {
	var out []Board
	seen := map[string]bool{}
	for _, e := range r.list("JIRA_BOARDS") {
		b, ok := r.board(e)
		if !ok {
			continue
		}
		if seen[b.Key] {
			r.problem("JIRA_BOARDS", "board key %q appears twice", b.Key)
			continue
		}
		seen[b.Key] = true
		out = append(out, b)
	}
	return out
}

func (r *reader) board(entry string) (Board, bool) {
	if k, name, ok := strings.Cut(entry, "="); ok {
		k, name = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(name)
		if !boardKeyRE.MatchString(k) || name == "" {
			r.problem("JIRA_BOARDS", "entry %q must be key=Board name with a key of lower-case letters, digits, '-' or '_'", entry)
			return Board{}, false
		}
		return Board{Key: k, Name: name}, true
	}
	if !boardVarRE.MatchString(entry) {
		r.problem("JIRA_BOARDS", "entry %q is neither key=Board name nor the name of a variable holding a board name (like JIRA_SUPPORT_BOARD)", entry)
		return Board{}, false
	}
	name := strings.TrimSpace(r.getenv(entry))
	if name == "" {
		r.problem(entry, "is named in JIRA_BOARDS but empty: set it to the board's name in Jira")
		return Board{}, false
	}
	key := strings.TrimSuffix(strings.TrimPrefix(entry, "JIRA_"), "_BOARD")
	return Board{Key: strings.ToLower(key), Name: name}, true
}

func (r *reader) filters(c *Config) {
	for _, d := range r.list("EMAIL_WHITELISTED_DOMAINS") {
		d = strings.ToLower(strings.TrimPrefix(d, "@"))
		if strings.ContainsAny(d, " @/") || !strings.Contains(d, ".") {
			r.problem("EMAIL_WHITELISTED_DOMAINS", "%q is not a domain like example.com", d)
			continue
		}
		c.WhitelistedDomains = append(c.WhitelistedDomains, d)
	}
	c.Blacklist = r.addresses("EMAIL_BLACKLIST")
	c.TicketClientApp = r.url("TICKET_CLIENT_APP", false)
}

func (r *reader) runtime(c *Config) {
	c.Storage = r.storage()
	c.KeyVaultURL = r.url("KEY_VAULT_URL", true)
	c.APIKeys = r.list("API_KEYS")
	for _, k := range c.APIKeys {
		if len(k) < 16 {
			r.problem("API_KEYS", "every key must be at least 16 characters long (one is %d)", len(k))
		}
	}
	r.schedule(c, "SWEEP_SCHEDULE")
	r.schedule(c, "RENEW_SCHEDULE")
	if !c.SubscriptionsEnabled && strings.TrimSpace(r.getenv("SWEEP_SCHEDULE")) == "" {
		c.Schedules["SWEEP_SCHEDULE"] = sweepOnlySchedule // no notifications: mail arrives by sweep alone
	}
	c.ListenAddress = r.get("LISTEN_ADDRESS")
	c.HostPort = r.get("FUNCTIONS_CUSTOMHANDLER_PORT")
	if c.HostPort != "" {
		r.int("FUNCTIONS_CUSTOMHANDLER_PORT", 1, 65535)
	}
	c.Workers = r.int("WORKERS", 1, 64)
	c.LogLevel = r.level()
}

// sweepOnlySchedule is the sweep's default when subscriptions are off.
const sweepOnlySchedule = "0 * * * * *"

func (r *reader) level() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(r.get("LOG_LEVEL"))); err != nil {
		r.problem("LOG_LEVEL", "%q must be debug, info, warn or error", r.get("LOG_LEVEL"))
	}
	return l
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func keys(boards []Board) string {
	var k []string
	for _, b := range boards {
		k = append(k, b.Key)
	}
	return strings.Join(k, ", ")
}
