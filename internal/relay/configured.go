package relay

import (
	"fmt"
	"strings"

	"github.com/mail2jira/mail2jira/internal/config"
)

// Configured reports whether relaying Jira comments is set up, in words `check` can print.
// It never shows the secret.
func Configured(cfg *config.Config) (bool, string) {
	switch {
	case cfg == nil:
		return false, "no configuration"
	case !cfg.RelayEnabled:
		return false, "off (JIRA_RELAY_ENABLED=false): Jira comments are not mailed to requesters"
	case len(cfg.WebhookSecret) < 16:
		return false, "JIRA_WEBHOOK_SECRET is missing or shorter than 16 characters"
	case len(cfg.Labels) == 0:
		return false, "JIRA_TICKET_LABELS is empty, so no ticket counts as the service's"
	case len(cfg.Mailboxes) == 0:
		return false, "no MAILBOX to send from"
	}
	events := cfg.RelayEvents
	if len(events) == 0 {
		events = []string{EventCommentCreated}
	}
	return true, fmt.Sprintf("on: events %s on tickets labelled %s; webhook secret set",
		strings.Join(events, ","), strings.Join(cfg.Labels, ","))
}
