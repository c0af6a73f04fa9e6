package eml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Parse reads one RFC 5322 message and returns the fields Graph would show for it once
// Exchange has delivered it. Malformed structure (no header fields, an unreadable header
// line, a multipart without boundary, absurd nesting) is an errs.ErrInvalid error; broken
// transfer encodings and unknown charsets are decoded as well as they can be, as mail
// readers do.
func Parse(r io.Reader) (*Message, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read mail: %w", err)
	}
	m, err := parseBytes(raw, 0, &counter{})
	if err != nil {
		return nil, fmt.Errorf("parse mail: %w", err)
	}
	return m, nil
}

// parseBytes parses a message at a nesting depth (attached messages parse recursively).
func parseBytes(raw []byte, depth int, c *counter) (*Message, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("messages attached more than %d deep (%w): %w", maxDepth, errLimit, errs.ErrInvalid)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, fmt.Errorf("empty message: %w", errs.ErrInvalid)
	}
	h, body, err := splitHeader(raw)
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("no header fields: %w", errs.ErrInvalid)
	}
	h = cleanHeaders(h)
	root, err := newPart(h, body, depth, c)
	if err != nil {
		return nil, err
	}
	m := envelope(h)
	m.ContentType = root.mediaType
	b := &builder{m: m, depth: depth, counter: c}
	if err := b.walk(root, false); err != nil {
		return nil, err
	}
	b.finish()
	if err := classify(m, h, root, b.report); err != nil {
		return nil, err
	}
	m.UniqueText = uniqueText(m.TextBody)
	m.UniqueHTML = uniqueHTML(m.HTMLBody)
	return m, nil
}

// envelope fills the header-derived fields.
func envelope(h headers) *Message {
	m := &Message{
		Headers:     append([]Header(nil), h...),
		MessageID:   firstID(h.get("Message-ID")),
		InReplyTo:   firstID(h.get("In-Reply-To")),
		References:  msgIDs(h.get("References")),
		ThreadIndex: h.get("Thread-Index"),
		ThreadTopic: decodeHeader(h.get("Thread-Topic")),
		Subject:     decodeHeader(h.get("Subject")),
		From:        firstAddress(h.get("From")),
		Sender:      firstAddress(h.get("Sender")),
		ReplyTo:     parseAddresses(h.get("Reply-To")),
		To:          parseAddresses(h.get("To")),
		Cc:          parseAddresses(h.get("Cc")),
		Bcc:         parseAddresses(h.get("Bcc")),
		Date:        parseDate(h.get("Date")),
		Importance:  importance(h),

		IsReadReceiptRequested:     strings.TrimSpace(h.get("Disposition-Notification-To")) != "",
		IsDeliveryReceiptRequested: strings.TrimSpace(h.get("Return-Receipt-To")) != "",
	}
	if m.Sender == nil && m.From != nil {
		s := *m.From
		m.Sender = &s
	}
	return m
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// importance maps the three headers mailers use, in the order Exchange prefers them.
func importance(h headers) string {
	if v := strings.ToLower(strings.TrimSpace(h.get("Importance"))); v != "" {
		switch v {
		case "high", "low", "normal":
			return v
		}
	}
	if v := strings.TrimSpace(h.get("X-Priority")); v != "" {
		switch v[0] {
		case '1', '2':
			return "high"
		case '4', '5':
			return "low"
		case '3':
			return "normal"
		}
	}
	switch strings.ToLower(strings.TrimSpace(h.get("Priority"))) {
	case "urgent":
		return "high"
	case "non-urgent":
		return "low"
	}
	switch strings.ToLower(strings.TrimSpace(h.get("X-MSMail-Priority"))) {
	case "high":
		return "high"
	case "low":
		return "low"
	}
	return "normal"
}

// builder walks the MIME tree, choosing the body parts the way Exchange does and listing
// the rest as attachments.
type builder struct {
	m       *Message
	depth   int
	counter *counter
	textSet bool
	htmlSet bool
	unnamed int
	report  reportParts
}

// reportParts are the machine-readable parts Exchange turns into properties, not attachments.
type reportParts struct {
	calendar       []byte // the first text/calendar part
	calendarMethod string // its method parameter, if any
	dsn            []byte // message/delivery-status
	mdn            []byte // message/disposition-notification
}

func (b *builder) walk(p *part, inAlternative bool) error {
	switch {
	case p.mediaType == "multipart/alternative":
		for _, ch := range p.children {
			if err := b.walk(ch, true); err != nil {
				return err
			}
		}
		return nil
	case p.mediaType == "multipart/related":
		return b.walkRelated(p, inAlternative)
	case strings.HasPrefix(p.mediaType, "multipart/"):
		// A mixed inside an alternative (Apple Mail's HTML with attachments in between)
		// still holds that alternative's body.
		for _, ch := range p.children {
			if err := b.walk(ch, inAlternative); err != nil {
				return err
			}
		}
		return nil
	}
	return b.leaf(p, inAlternative, false)
}

// walkRelated treats the root (the start parameter, else the first part) as the body and
// the other parts as resources it embeds (RFC 2387).
func (b *builder) walkRelated(p *part, inAlternative bool) error {
	root := 0
	if start := strings.Trim(p.params["start"], "<>"); start != "" {
		for i, ch := range p.children {
			if ch.contentID() == start {
				root = i
			}
		}
	}
	for i, ch := range p.children {
		var err error
		if i == root {
			err = b.walk(ch, inAlternative)
		} else {
			err = b.leaf(ch, false, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// leaf handles a non-multipart part.
func (b *builder) leaf(p *part, inAlternative, resource bool) error {
	attached := p.disposition == "attachment"
	switch p.mediaType {
	case "text/plain", "text/html":
		if !attached && !resource && p.filename() == "" && b.takeBody(p, inAlternative) {
			return nil
		}
	case "text/calendar":
		if b.report.calendar == nil {
			b.report.calendar = p.decoded()
			b.report.calendarMethod = p.params["method"]
		}
		if !attached && p.filename() == "" {
			return nil // the meeting itself, not a file (Graph: eventMessage)
		}
	case "message/delivery-status", "message/global-delivery-status":
		b.report.dsn = p.decoded()
		return nil
	case "message/disposition-notification", "message/global-disposition-notification":
		b.report.mdn = p.decoded()
		return nil
	}
	return b.attach(p, resource)
}

// takeBody sets the text or HTML body from p if that slot is free. Outside an alternative
// only the first text part is the body; later ones are attachments, as Outlook shows them.
func (b *builder) takeBody(p *part, inAlternative bool) bool {
	if !inAlternative && (b.textSet || b.htmlSet) {
		return false
	}
	if p.mediaType == "text/html" {
		if b.htmlSet {
			return false
		}
		b.m.HTMLBody, b.htmlSet = p.text(), true
		return true
	}
	if b.textSet {
		return false
	}
	b.m.TextBody, b.textSet = p.text(), true
	return true
}

// attach lists p as an attachment; message/rfc822 parts become item attachments.
func (b *builder) attach(p *part, resource bool) error {
	a := Attachment{
		Name:        p.filename(),
		ContentType: p.mediaType,
		ContentID:   p.contentID(),
		Inline:      p.disposition == "inline" || (resource && p.disposition == ""),
		Data:        p.decoded(),
	}
	if p.mediaType == "message/rfc822" || p.mediaType == "message/global" {
		inner, err := parseBytes(a.Data, b.depth+1, b.counter)
		switch {
		case err == nil:
			a.Message = inner
			if a.Name == "" {
				a.Name = inner.Subject
			}
		case errors.Is(err, errLimit):
			return err // a limit, not a malformed attachment
		}
	}
	if a.Name == "" {
		b.unnamed++
		a.Name = fmt.Sprintf("ATT%05d%s", b.unnamed, extensionFor(p.mediaType))
	}
	b.m.Attachments = append(b.m.Attachments, a)
	return nil
}

// finish marks attachments the HTML body refers to by cid: as inline.
func (b *builder) finish() {
	lower := strings.ToLower(b.m.HTMLBody)
	for i := range b.m.Attachments {
		a := &b.m.Attachments[i]
		if a.ContentID != "" && strings.Contains(lower, "cid:"+strings.ToLower(a.ContentID)) {
			a.Inline = true
		}
	}
}

// extensionFor names unnamed parts the way Outlook shows them (ATT00001.txt).
func extensionFor(mediaType string) string {
	switch mediaType {
	case "text/plain", "text/rfc822-headers":
		return ".txt"
	case "text/html":
		return ".htm"
	case "text/calendar":
		return ".ics"
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "message/rfc822", "message/global":
		return ".eml"
	}
	return ".bin"
}
