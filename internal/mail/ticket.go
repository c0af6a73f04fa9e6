package mail

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
)

// FullMailName is the file name of the whole mail attached when its body was cut.
const FullMailName = "original-mail.eml"

// MarkerLabel is the label that ties an issue to its thread, so that a worker taking over
// a dead worker's claim on the thread can find with JQL (labels = "m2j-...") the issue the
// dead one may have created. Labels are what JQL can search without an app (issue
// properties are not indexed unless an app declares them), and a label may not contain
// spaces, while a conversation id is a long base64 string: a hash of mailbox and
// conversation gives a short, label-safe, fixed-length token. 16 hex digits (64 bits) make
// a collision between two threads negligible, and a search hit is confirmed by the issue's
// origin anyway.
func MarkerLabel(mailbox, conversationID string) string {
	sum := sha256.Sum256([]byte(normAddr(mailbox) + "\x00" + conversationID))
	return "m2j-" + hex.EncodeToString(sum[:8])
}

// NewTicket is everything needed to open a ticket for a mail.
type NewTicket struct {
	Issue     NewIssue
	Plan      AttachmentPlan
	Watchers  []string // account ids
	Truncated bool     // the description was cut; Plan uploads the full mail
}

// BuildTicket builds the issue for a mail that starts a thread. canSetReporter says
// whether the service's Jira account has "Modify reporter" in the route's project.
func BuildTicket(cfg *Config, m *Message, route Route, p People, canSetReporter bool) NewTicket {
	plan := planAttachments(m, shownImages(m.Body, false), nil, cfg.maxAttachment())
	doc, cut := describe(m, p, plan, false, placeholders(m))
	if cut {
		plan.Uploads = append(plan.Uploads, Upload{Filename: FullMailName, FullMail: true})
	}
	in := NewIssue{
		ProjectKey:  route.ProjectKey,
		IssueType:   route.IssueType,
		Summary:     Summary(m.Subject),
		Description: doc,
		Priority:    priority(cfg, m.Importance),
		Labels:      ticketLabels(cfg, route, m),
		Origin:      m.Key(),
	}
	if u, ok := p[m.SenderAddress()]; ok && canSetReporter {
		in.Reporter = u.AccountID
	}
	return NewTicket{Issue: in, Plan: plan, Watchers: watchers(cfg, p, m, m.SenderAddress()), Truncated: cut}
}

// describe builds a description or comment: From:/Cc: lines, links and notes, then the
// body (the full body, or for a comment only the new text), cut at Jira's limit.
func describe(m *Message, p People, plan AttachmentPlan, onlyNew bool, images func(string) (adf.Image, bool)) (*adf.Doc, bool) {
	header := headerLines(p, m)
	header = append(header, plan.Links...)
	for _, n := range plan.Notes {
		header = append(header, adf.Note(n))
	}
	body := m.Body
	if onlyNew {
		body = commentBody(m)
	}
	doc := adf.WithHeader(bodyDoc(body, onlyNew, images), header...)
	if doc.Size() <= adf.MaxChars {
		return doc, false
	}
	return adf.TruncateWithNote(doc, adf.MaxChars, adf.TruncationNote(FullMailName))
}

// commentBody is the new text of a reply: uniqueBody, or the body when Graph gave none.
func commentBody(m *Message) Body {
	if strings.TrimSpace(m.UniqueBody.Content) != "" {
		return m.UniqueBody
	}
	return m.Body
}

// bodyDoc converts a body; strip drops quoted history and signatures.
func bodyDoc(b Body, strip bool, images func(string) (adf.Image, bool)) *adf.Doc {
	if strings.EqualFold(b.ContentType, "html") {
		doc, err := adf.FromHTML(b.Content, adf.Options{InlineImage: images, StripQuotes: strip, StripSignature: strip})
		if err == nil {
			return doc
		}
	}
	text := b.Content
	if strip {
		text = StripQuotedText(text)
	}
	return adf.FromText(text)
}

// placeholders shows inline images by name: the description is written before the issue
// exists, so its images cannot point at uploaded attachments yet.
func placeholders(m *Message) func(string) (adf.Image, bool) {
	return func(cid string) (adf.Image, bool) {
		for _, a := range m.Attachments {
			if strings.EqualFold(a.ContentID, cid) {
				return adf.Image{Name: attachmentName(a)}, true
			}
		}
		return adf.Image{Name: cid}, true
	}
}

func priority(cfg *Config, importance string) string {
	switch strings.ToLower(importance) {
	case "high":
		return cmp.Or(cfg.PriorityHigh, "High")
	case "low":
		return cmp.Or(cfg.PriorityLow, "Low")
	}
	return ""
}

// ticketLabels are the configured labels, the route's category and the marker label;
// Jira labels cannot hold spaces.
func ticketLabels(cfg *Config, route Route, m *Message) []string {
	var out []string
	for _, l := range append(append([]string{}, cfg.Labels...), route.Category, MarkerLabel(m.Mailbox, m.ConversationID)) {
		l = strings.Join(strings.Fields(l), "_")
		if l != "" && !containsFold(out, l) {
			out = append(out, l)
		}
	}
	return out
}
