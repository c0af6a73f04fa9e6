package relay

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// IdentifierHeader names a delivery; Jira keeps it across retries.
const IdentifierHeader = "X-Atlassian-Webhook-Identifier"

// Delivery is what the relay needs of one webhook call. The comment's body in the payload
// is not used: Jira sends ADF or wiki text depending on the webhook, so the comment is
// read through the API, rendered.
type Delivery struct {
	Event      string // webhookEvent, e.g. comment_created
	IssueKey   string
	CommentID  string
	Identifier string // X-Atlassian-Webhook-Identifier, for logs
}

// Key identifies the relay of one comment for one event: what Jira's retries, a second
// webhook and Pending have in common.
func (d Delivery) Key() string { return d.Event + ":" + d.CommentID }

type payload struct {
	WebhookEvent string `json:"webhookEvent"`
	Comment      *struct {
		ID string `json:"id"`
	} `json:"comment"`
	Issue *struct {
		Key string `json:"key"`
	} `json:"issue"`
}

// ParseDelivery reads a verified webhook body. Events without a comment or issue are
// returned with empty ids; the relay skips them.
func ParseDelivery(body []byte, h http.Header) (Delivery, error) {
	var p payload
	if err := json.Unmarshal(body, &p); err != nil {
		return Delivery{}, fmt.Errorf("webhook body is not JSON: %v: %w", err, errs.ErrInvalid)
	}
	if p.WebhookEvent == "" {
		return Delivery{}, errs.WithPublic(fmt.Errorf("webhook body has no webhookEvent: %w", errs.ErrInvalid), "the body is not a Jira webhook event")
	}
	d := Delivery{Event: p.WebhookEvent, Identifier: h.Get(IdentifierHeader)}
	if p.Comment != nil {
		d.CommentID = p.Comment.ID
	}
	if p.Issue != nil {
		d.IssueKey = p.Issue.Key
	}
	return d, nil
}
