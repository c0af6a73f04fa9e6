package relay

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"os"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

//go:embed relay.html
var defaultTemplate string

// DefaultTemplate is the relayed comment's mail when no template is configured.
var DefaultTemplate = template.Must(template.New("relay").Option("missingkey=error").Parse(defaultTemplate))

// TemplateData is what a relay template can use.
type TemplateData struct {
	Author  string        // the comment's author, as Jira displays the name
	Key     string        // issue key
	Summary string        // issue summary
	Link    string        // where the requester can follow the ticket; may be empty
	Comment template.HTML // the comment, mail-safe HTML
}

// LoadTemplate parses a custom template file (html/template, fields of TemplateData).
func LoadTemplate(path string) (*template.Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read relay template: %w", err)
	}
	t, err := template.New("relay").Option("missingkey=error").Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("parse relay template %s: %w", path, err)
	}
	if err := t.Execute(&bytes.Buffer{}, TemplateData{Author: "a", Key: "ABC-1", Comment: "<p>x</p>"}); err != nil {
		return nil, fmt.Errorf("relay template %s: %w", path, err)
	}
	return t, nil
}

// Mail is a relayed comment ready to send.
type Mail struct {
	Subject string
	HTML    string
	Headers []mail.Header
	Files   []File
}

// HeaderComment names the relayed comment on our mail, for support and tests.
const HeaderComment = "X-Mail2Jira-Comment"

// compose renders the comment into a mail: mail-safe HTML with Jira's images as inline
// attachments (the requester cannot sign in to Jira to see them), the template around it,
// and our headers so the copy in Sent Items is recognised as our own.
func (r *Relayer) compose(ctx context.Context, is Issue, c Comment, t Ticket) (Mail, error) {
	body, refs, err := adf.MailSafeHTML(c.HTML, adf.MailSafeOptions{SiteURL: r.o.SiteURL})
	if err != nil {
		return Mail{}, fmt.Errorf("make comment %s mail-safe: %w", c.ID, err)
	}
	files, err := r.images(ctx, refs)
	if err != nil {
		return Mail{}, err
	}
	data := TemplateData{Author: c.AuthorName, Key: is.Key, Summary: is.Summary, Comment: template.HTML(body)}
	if data.Author == "" {
		data.Author = "The support team"
	}
	if r.o.Link != nil {
		data.Link = r.o.Link(is.Key)
	}
	var b bytes.Buffer
	if err := r.o.Template.Execute(&b, data); err != nil {
		return Mail{}, fmt.Errorf("render relay template: %w", err)
	}
	summary := t.Summary
	if summary == "" {
		summary = is.Summary
	}
	return Mail{
		Subject: mail.ReplySubject(is.Key, summary),
		HTML:    b.String(),
		Headers: []mail.Header{
			{Name: mail.HeaderTicket, Value: is.Key},
			{Name: "X-Auto-Response-Suppress", Value: "All"},
			{Name: HeaderComment, Value: c.ID},
		},
		Files: files,
	}, nil
}

// images downloads the comment's Jira images, within the mail's size budget. An image
// that no longer exists or does not fit is left out (its alt text stays) rather than
// holding the comment back.
func (r *Relayer) images(ctx context.Context, refs []adf.ImageRef) ([]File, error) {
	var files []File
	left := r.o.MaxImageBytes
	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref.ContentID] || ref.AttachmentID == "" {
			continue
		}
		seen[ref.ContentID] = true
		img, err := r.o.Jira.Image(ctx, ref.AttachmentID, left)
		switch {
		case errors.Is(err, errs.ErrNotFound), errors.Is(err, errs.ErrTooLarge):
			r.o.Log.WarnContext(ctx, "comment image left out", "attachment", ref.AttachmentID, "err", err)
			continue
		case err != nil:
			return nil, fmt.Errorf("read image %s: %w", ref.AttachmentID, err)
		}
		left -= int64(len(img.Data))
		files = append(files, File{Name: ref.FileName, ContentType: img.ContentType, ContentID: ref.ContentID, Data: img.Data})
	}
	return files, nil
}
