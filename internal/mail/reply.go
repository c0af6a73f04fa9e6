package mail

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"os"
)

//go:embed reply.html
var defaultReply string

// DefaultReplyTemplate is the acknowledgement sent when no template file is configured.
var DefaultReplyTemplate = template.Must(template.New("reply").Parse(defaultReply))

// ReplyData is what a reply template can use.
type ReplyData struct {
	Key     string // issue key, e.g. SUP-12
	Summary string // issue summary
	Link    string // TICKET_CLIENT_APP + key when set, else the Jira issue
	Sender  string // the requester's display name, or address
	Mailbox string // the mailbox answering
}

// LoadReplyTemplate parses an HTML template file (html/template syntax, fields of
// ReplyData), for a setting that customises the acknowledgement.
func LoadReplyTemplate(path string) (*template.Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read reply template: %w", err)
	}
	t, err := template.New("reply").Option("missingkey=error").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("parse reply template %s: %w", path, err)
	}
	if _, err := render(t, ReplyData{Key: "ABC-1", Summary: "s", Link: "https://example.com/ABC-1"}); err != nil {
		return nil, fmt.Errorf("reply template %s: %w", path, err)
	}
	return t, nil
}

// BuildReply makes the reply-all that acknowledges a new ticket: the key in the subject so
// answers thread back, our header so the copy is recognised as our own, and
// X-Auto-Response-Suppress so other systems' auto-responders stay quiet.
func BuildReply(cfg *Config, m *Message, key, summary string) (Reply, error) {
	t := cfg.ReplyTemplate
	if t == nil {
		t = DefaultReplyTemplate
	}
	sender := m.From.Name
	if sender == "" {
		sender = m.SenderAddress()
	}
	html, err := render(t, ReplyData{Key: key, Summary: summary, Link: cfg.issueURL(key), Sender: sender, Mailbox: m.Mailbox})
	if err != nil {
		return Reply{}, err
	}
	return Reply{
		Subject: ReplySubject(key, m.Subject),
		HTML:    html,
		Headers: []Header{{Name: HeaderTicket, Value: key}, {Name: "X-Auto-Response-Suppress", Value: "All"}},
	}, nil
}

func render(t *template.Template, d ReplyData) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("render reply: %w", err)
	}
	return b.String(), nil
}
