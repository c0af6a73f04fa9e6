package mail

import (
	"html/template"
	"strings"
)

// HeaderTicket is the header the service puts on every mail it sends; its value is the
// ticket key. Graph only lets custom headers starting with "x-" be set.
const HeaderTicket = "X-Mail2Jira-Ticket"

// DefaultMaxNewTicketsPerHour is the per-sender cap on new tickets when none is configured.
const DefaultMaxNewTicketsPerHour = 20

// DefaultMaxAttachmentBytes is the largest attachment uploaded when none is configured.
// Jira Cloud's own default limit is far higher; this keeps one mail's work within a
// function invocation.
const DefaultMaxAttachmentBytes = 50 << 20

// Route is where one mailbox's new tickets go: the board's project, the issue type and
// the default category.
type Route struct {
	ProjectKey string
	IssueType  string
	Category   string
}

// Config is what the domain needs from the service's settings.
type Config struct {
	Mailboxes            []string         // every configured mailbox address
	Routes               map[string]Route // by lower-case mailbox address
	Labels               []string         // JIRA_TICKET_LABELS
	Blacklist            []string         // EMAIL_BLACKLIST: exact addresses
	WhitelistDomains     []string         // EMAIL_WHITELISTED_DOMAINS: empty allows all
	MaxNewTicketsPerHour int              // per sender; DefaultMaxNewTicketsPerHour when zero, negative disables
	MaxAttachmentBytes   int64            // DefaultMaxAttachmentBytes when zero
	SiteURL              string           // Jira site, for issue links
	ClientAppURL         string           // TICKET_CLIENT_APP: links point here + key when set
	ReplyTemplate        *template.Template
	PriorityHigh         string // Jira priority name for importance high; "High" when empty
	PriorityLow          string // Jira priority name for importance low; "Low" when empty
}

// isMailbox reports whether addr is one of the configured mailboxes.
func (c *Config) isMailbox(addr string) bool {
	return containsFold(c.Mailboxes, addr)
}

// route returns the route of mailbox.
func (c *Config) route(mailbox string) (Route, bool) {
	r, ok := c.Routes[normAddr(mailbox)]
	return r, ok
}

// projects lists the routes' project keys: the keys of tickets the service made.
func (c *Config) projects() []string {
	var out []string
	for _, r := range c.Routes {
		if r.ProjectKey != "" && !containsFold(out, r.ProjectKey) {
			out = append(out, r.ProjectKey)
		}
	}
	return out
}

func (c *Config) maxPerHour() int {
	if c.MaxNewTicketsPerHour == 0 {
		return DefaultMaxNewTicketsPerHour
	}
	return c.MaxNewTicketsPerHour
}

func (c *Config) maxAttachment() int64 {
	if c.MaxAttachmentBytes <= 0 {
		return DefaultMaxAttachmentBytes
	}
	return c.MaxAttachmentBytes
}

// issueURL is the link a reply carries for key.
func (c *Config) issueURL(key string) string {
	if c.ClientAppURL != "" {
		return c.ClientAppURL + key
	}
	return strings.TrimRight(c.SiteURL, "/") + "/browse/" + key
}

func containsFold(list []string, s string) bool {
	s = strings.TrimSpace(s)
	for _, v := range list {
		if strings.EqualFold(strings.TrimSpace(v), s) {
			return true
		}
	}
	return false
}
