package mail

import (
	"fmt"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
)

// Upload is one file to put on the issue.
type Upload struct {
	Attachment Attachment // the Graph attachment; zero with FullMail
	Filename   string
	Inline     bool // an inline image the body shows: subject to the repeated-logo check
	FullMail   bool // the whole message as .eml (the body was cut)
}

// AttachmentPlan says what happens to a mail's attachments.
type AttachmentPlan struct {
	Uploads []Upload
	Links   []*adf.Node // reference attachments, as link paragraphs
	Notes   []string    // visible notes: skipped files
}

// planAttachments decides per attachment: file attachments are uploaded, item
// attachments as .eml, reference attachments become links, oversized ones a note. Inline
// images are uploaded when the converted body shows them (shown lists their content ids);
// those only quoted history shows (stripped from a comment) came with an earlier mail and
// are left out. done names files an earlier attempt at the same mail uploaded already
// (passed only when recovering, since a later mail may well bring a new file of an old
// name).
func planAttachments(m *Message, shown []string, done []JiraAttachment, maxBytes int64) AttachmentPlan {
	var p AttachmentPlan
	body := strings.ToLower(m.Body.Content)
	for _, a := range m.Attachments {
		name := attachmentName(a)
		inBody := a.IsInline && a.ContentID != "" && strings.Contains(body, "cid:"+strings.ToLower(a.ContentID))
		shownNow := inBody && containsFold(shown, a.ContentID)
		switch {
		case a.Kind == ReferenceAttachment:
			p.Links = append(p.Links, referenceLink(a))
		case inBody && !shownNow:
			// an image of the quoted history
		case a.Size > maxBytes:
			p.Notes = append(p.Notes, fmt.Sprintf("Attachment %q (%s) was not uploaded: it is larger than %s.", name, size(a.Size), size(maxBytes)))
		case hasFile(done, name):
		default:
			p.Uploads = append(p.Uploads, Upload{Attachment: a, Filename: name, Inline: shownNow})
		}
	}
	return p
}

// shownImages lists the content ids of the cid: images the converted body shows; strip
// as for a comment.
func shownImages(b Body, strip bool) []string {
	if !strings.EqualFold(b.ContentType, "html") {
		return nil
	}
	ids, err := adf.ReferencedImages(b.Content, adf.Options{StripQuotes: strip, StripSignature: strip})
	if err != nil {
		return nil
	}
	return ids
}

// attachmentName is the file name an attachment gets in Jira.
func attachmentName(a Attachment) string {
	name := strings.TrimSpace(a.Name)
	if name == "" {
		name = "attachment"
	}
	if a.Kind == ItemAttachment && !strings.HasSuffix(strings.ToLower(name), ".eml") {
		name += ".eml"
	}
	return name
}

func referenceLink(a Attachment) *adf.Node {
	name := attachmentName(a)
	if a.SourceURL == "" {
		return adf.Paragraph(adf.Text("Linked file: " + name))
	}
	return adf.Paragraph(adf.Text("Linked file: "), adf.Text(name, adf.Link(a.SourceURL)))
}

func hasFile(existing []JiraAttachment, name string) bool {
	for _, e := range existing {
		if e.Filename == name {
			return true
		}
	}
	return false
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
