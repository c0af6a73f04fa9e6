package eml

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Write serialises m as a MIME message: its headers, a multipart/alternative text and HTML
// body, inline images in multipart/related, and attachments (message/rfc822 for item
// attachments) in multipart/mixed. Parse(Write(m)) gives back m's fields; the structure is
// rebuilt rather than kept, so ContentType and Headers may differ (headers m.Headers holds
// beyond the ones Write generates are carried over in order).
func Write(m *Message) ([]byte, error) {
	if m == nil {
		return nil, fmt.Errorf("write mail: no message: %w", errs.ErrInvalid)
	}
	w := &writer{seed: m.MessageID + "\x00" + m.Subject}
	hs, err := w.envelope(m)
	if err != nil {
		return nil, fmt.Errorf("write mail: %w", err)
	}
	root, err := w.body(m)
	if err != nil {
		return nil, fmt.Errorf("write mail: %w", err)
	}
	hs = append(hs, Header{"MIME-Version", "1.0"})
	var buf bytes.Buffer
	root.write(&buf, hs)
	return buf.Bytes(), nil
}

// generated are the headers Write derives from fields; copies in m.Headers are not repeated.
var generated = map[string]bool{
	"from": true, "sender": true, "reply-to": true, "to": true, "cc": true, "bcc": true,
	"subject": true, "date": true, "message-id": true, "in-reply-to": true, "references": true,
	"thread-topic": true, "thread-index": true, "importance": true, "x-priority": true,
	"priority": true, "x-msmail-priority": true, "disposition-notification-to": true,
	"return-receipt-to": true, "mime-version": true, "content-type": true,
	"content-transfer-encoding": true, "content-disposition": true, "content-id": true,
	strings.ToLower(SandboxClassHeader): true,
}

type writer struct {
	seed  string
	parts int // numbers boundaries
}

// envelope builds the message headers from m's fields, then the carried-over ones.
func (w *writer) envelope(m *Message) ([]Header, error) {
	var hs []Header
	add := func(name, value string) {
		if value != "" {
			hs = append(hs, Header{name, value})
		}
	}
	add("From", formatAddresses(addrList(m.From)))
	if m.Sender != nil && (m.From == nil || !strings.EqualFold(m.Sender.Address, m.From.Address) || m.Sender.Name != m.From.Name) {
		add("Sender", formatAddresses(addrList(m.Sender)))
	}
	add("Reply-To", formatAddresses(m.ReplyTo))
	add("To", formatAddresses(m.To))
	add("Cc", formatAddresses(m.Cc))
	add("Bcc", formatAddresses(m.Bcc))
	add("Subject", encodeText(m.Subject))
	if !m.Date.IsZero() {
		add("Date", m.Date.Format(time.RFC1123Z))
	}
	add("Message-ID", m.MessageID)
	add("In-Reply-To", m.InReplyTo)
	add("References", strings.Join(m.References, " "))
	add("Thread-Topic", encodeText(m.ThreadTopic))
	add("Thread-Index", m.ThreadIndex)
	if m.Importance == "high" || m.Importance == "low" {
		add("Importance", m.Importance)
	}
	if m.IsReadReceiptRequested && m.From != nil {
		add("Disposition-Notification-To", formatAddresses(addrList(m.From)))
	}
	if m.IsDeliveryReceiptRequested && m.From != nil {
		add("Return-Receipt-To", formatAddresses(addrList(m.From)))
	}
	if m.MessageClass != "" && m.MessageClass != ClassNote {
		add(SandboxClassHeader, m.MessageClass)
	}
	for _, h := range m.Headers {
		if generated[strings.ToLower(h.Name)] {
			continue
		}
		if !validFieldName([]byte(h.Name)) || strings.ContainsAny(h.Value, "\r\n") {
			return nil, fmt.Errorf("header %q cannot be written: %w", truncate(h.Name, 40), errs.ErrInvalid)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

func addrList(a *Address) []Address {
	if a == nil {
		return nil
	}
	return []Address{*a}
}

// formatAddresses writes an address list, names encoded as RFC 2047 words when needed.
func formatAddresses(list []Address) string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if a.Address == "" {
			continue
		}
		out = append(out, (&mail.Address{Name: a.Name, Address: a.Address}).String())
	}
	return strings.Join(out, ", ")
}

// encodeText encodes an unstructured header value when it is not plain ASCII, or when it
// would otherwise read as encoded-words.
func encodeText(s string) string {
	if isASCII([]byte(s)) && !strings.Contains(s, "=?") && !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// outPart is one MIME part to write.
type outPart struct {
	header   []Header
	body     []byte
	children []*outPart
	boundary string
}

// body builds the MIME tree for m's bodies and attachments.
func (w *writer) body(m *Message) (*outPart, error) {
	root := w.alternative(m.TextBody, m.HTMLBody)
	var inline, attached []Attachment
	for _, a := range m.Attachments {
		if a.Inline && m.HTMLBody != "" {
			inline = append(inline, a)
		} else {
			attached = append(attached, a)
		}
	}
	if len(inline) > 0 {
		children := []*outPart{root}
		for _, a := range inline {
			p, err := w.attachment(a)
			if err != nil {
				return nil, err
			}
			children = append(children, p)
		}
		root = w.multipart("multipart/related", children)
	}
	if len(attached) > 0 {
		children := []*outPart{root}
		for _, a := range attached {
			p, err := w.attachment(a)
			if err != nil {
				return nil, err
			}
			children = append(children, p)
		}
		root = w.multipart("multipart/mixed", children)
	}
	return root, nil
}

// alternative is text and HTML as multipart/alternative, or the one that exists.
func (w *writer) alternative(text, html string) *outPart {
	switch {
	case text != "" && html != "":
		return w.multipart("multipart/alternative", []*outPart{textPart("text/plain", text), textPart("text/html", html)})
	case html != "":
		return textPart("text/html", html)
	default:
		return textPart("text/plain", text)
	}
}

func textPart(mediaType, s string) *outPart {
	var b bytes.Buffer
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	_ = qp.Close()
	return &outPart{
		header: []Header{
			{"Content-Type", mediaType + `; charset="utf-8"`},
			{"Content-Transfer-Encoding", "quoted-printable"},
		},
		body: b.Bytes(),
	}
}

// attachment writes a file as base64, and an item attachment as the raw mail it holds.
func (w *writer) attachment(a Attachment) (*outPart, error) {
	ct := a.ContentType
	if _, _, err := mime.ParseMediaType(ct); err != nil || !strings.Contains(ct, "/") {
		ct = "application/octet-stream"
	}
	disposition := "attachment"
	if a.Inline {
		disposition = "inline"
	}
	p := &outPart{header: []Header{
		{"Content-Type", formatParams(ct, "name", a.Name)},
		{"Content-Disposition", formatParams(disposition, "filename", a.Name)},
	}}
	if a.ContentID != "" {
		p.header = append(p.header, Header{"Content-ID", "<" + a.ContentID + ">"})
	}
	if ct == "message/rfc822" {
		data := a.Data
		if len(data) == 0 && a.Message != nil {
			inner, err := Write(a.Message)
			if err != nil {
				return nil, fmt.Errorf("attachment %q: %w", a.Name, err)
			}
			data = inner
		}
		// RFC 2046 §5.2.1: message/rfc822 is never base64 or quoted-printable.
		cte := "7bit"
		if !isASCII(data) {
			cte = "8bit"
		}
		p.header = append(p.header, Header{"Content-Transfer-Encoding", cte})
		p.body = data
		return p, nil
	}
	p.header = append(p.header, Header{"Content-Transfer-Encoding", "base64"})
	p.body = base64Lines(a.Data)
	return p, nil
}

// formatParams writes value with one parameter, RFC 2231-encoded when not ASCII.
func formatParams(value, key, param string) string {
	if param == "" {
		return value
	}
	if s := mime.FormatMediaType(value, map[string]string{key: param}); s != "" {
		return strings.Replace(s, "; ", ";\r\n\t", 1)
	}
	return value
}

// base64Lines encodes b in 76-character lines (RFC 2045 §6.8).
func base64Lines(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	var out bytes.Buffer
	for len(enc) > 76 {
		out.WriteString(enc[:76])
		out.WriteString("\r\n")
		enc = enc[76:]
	}
	out.WriteString(enc)
	return out.Bytes()
}

// multipart makes a multipart with a boundary that none of its children's bytes contain.
func (w *writer) multipart(mediaType string, children []*outPart) *outPart {
	w.parts++
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", w.seed, w.parts)))
	boundary := fmt.Sprintf("_%03d_%s_", w.parts, hex.EncodeToString(sum[:10]))
	for n := 0; containsBoundary(children, boundary); n++ {
		boundary = fmt.Sprintf("_%03d_%s_%d_", w.parts, hex.EncodeToString(sum[:10]), n)
	}
	return &outPart{
		header:   []Header{{"Content-Type", mediaType + ";\r\n\tboundary=\"" + boundary + "\""}},
		children: children,
		boundary: boundary,
	}
}

func containsBoundary(parts []*outPart, boundary string) bool {
	for _, p := range parts {
		if bytes.Contains(p.body, []byte(boundary)) || containsBoundary(p.children, boundary) {
			return true
		}
	}
	return false
}

// write emits the part with extra headers (the message envelope) before its own.
func (p *outPart) write(buf *bytes.Buffer, extra []Header) {
	for _, h := range append(extra, p.header...) {
		buf.WriteString(h.Name)
		buf.WriteString(": ")
		buf.WriteString(fold(len(h.Name)+2, h.Value))
		buf.WriteString("\r\n")
	}
	buf.WriteString("\r\n")
	if p.boundary == "" {
		buf.Write(p.body)
		return
	}
	for _, ch := range p.children {
		buf.WriteString("--" + p.boundary + "\r\n")
		ch.write(buf, nil)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--" + p.boundary + "--\r\n")
}

// fold breaks a long header value at spaces so lines stay near 78 characters (RFC 5322
// §2.2.3); values that already contain folds are left alone.
func fold(used int, v string) string {
	if strings.Contains(v, "\r\n") || used+len(v) <= 78 {
		return v
	}
	var b strings.Builder
	line := used
	for i, word := range strings.Split(v, " ") {
		if i > 0 {
			if line+1+len(word) > 78 && line > 1 {
				b.WriteString("\r\n")
				line = 0
			}
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}
