package relay

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestVerify(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	body := []byte(`{"webhookEvent":"comment_created","comment":{"body":"Grüße ✓"}}`)
	good := Sign(secret, body)
	tests := []struct {
		name, secret, header string
		want                 error
	}{
		{"valid", secret, good, nil},
		{"valid, upper-case algorithm", secret, "SHA256=" + strings.TrimPrefix(good, "sha256="), nil},
		{"missing", secret, "", errs.ErrUnauthorized},
		{"no algorithm", secret, strings.TrimPrefix(good, "sha256="), errs.ErrUnauthorized},
		{"sha1", secret, "sha1=" + strings.TrimPrefix(good, "sha256="), errs.ErrUnauthorized},
		{"not hex", secret, "sha256=xyz", errs.ErrUnauthorized},
		{"truncated", secret, good[:len(good)-2], errs.ErrUnauthorized},
		{"other secret", "another-secret-0123", good, errs.ErrUnauthorized},
		{"no secret configured", "", good, errs.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, body, tt.header)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(good, "sha256=")) {
				t.Error("the error shows the expected signature")
			}
		})
	}
}

func TestParseDelivery(t *testing.T) {
	h := http.Header{}
	h.Set(IdentifierHeader, "abc")
	tests := []struct {
		name, body string
		want       Delivery
		wantErr    error
	}{
		{"comment", `{"webhookEvent":"comment_created","comment":{"id":"10042","body":"wiki *text*"},"issue":{"key":"SUP-7"}}`,
			Delivery{Event: "comment_created", IssueKey: "SUP-7", CommentID: "10042", Identifier: "abc"}, nil},
		{"event without a comment", `{"webhookEvent":"jira:issue_updated","issue":{"key":"SUP-7"}}`,
			Delivery{Event: "jira:issue_updated", IssueKey: "SUP-7", Identifier: "abc"}, nil},
		{"no event", `{"comment":{"id":"1"}}`, Delivery{}, errs.ErrInvalid},
		{"not JSON", `webhookEvent=comment_created`, Delivery{}, errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDelivery([]byte(tt.body), h)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("delivery (-want +got):\n%s", d)
			}
		})
	}
}

func TestConfigured(t *testing.T) {
	ok := config.Config{RelayEnabled: true, WebhookSecret: "0123456789abcdef", Labels: []string{"mail2jira"}, Mailboxes: []string{"support@contoso.example"}}
	tests := []struct {
		name   string
		mod    func(*config.Config)
		want   bool
		detail string
	}{
		{"configured", func(*config.Config) {}, true, "on: events comment_created on tickets labelled mail2jira; webhook secret set"},
		{"off", func(c *config.Config) { c.RelayEnabled = false }, false, "JIRA_RELAY_ENABLED=false"},
		{"short secret", func(c *config.Config) { c.WebhookSecret = "zq9x-7" }, false, "JIRA_WEBHOOK_SECRET"},
		{"no labels", func(c *config.Config) { c.Labels = nil }, false, "JIRA_TICKET_LABELS"},
		{"no mailbox", func(c *config.Config) { c.Mailboxes = nil }, false, "MAILBOX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mod(&c)
			got, detail := Configured(&c)
			if got != tt.want || !strings.Contains(detail, tt.detail) {
				t.Errorf("Configured = %v, %q; want %v and %q", got, detail, tt.want, tt.detail)
			}
			if strings.Contains(detail, c.WebhookSecret) && c.WebhookSecret != "" {
				t.Error("the detail shows the secret")
			}
		})
	}
}
