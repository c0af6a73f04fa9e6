package graphemu

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

// renderMIME writes a stored message as RFC 5322 MIME, for /$value of messages that did not
// arrive as raw MIME.
// https://learn.microsoft.com/en-us/graph/outlook-get-mime-message
func renderMIME(m *message) []byte {
	var buf bytes.Buffer
	hdr := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&buf, "%s: %s\r\n", k, v)
		}
	}
	if m.from != nil {
		hdr("From", mimeAddr(*m.from))
	}
	hdr("To", mimeAddrs(m.to))
	hdr("Cc", mimeAddrs(m.cc))
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.subject))
	if !m.sent.IsZero() {
		hdr("Date", m.sent.Format(time.RFC1123Z))
	}
	hdr("Message-ID", m.internetMessageID)
	hdr("In-Reply-To", m.inReplyTo)
	hdr("References", strings.Join(m.references, " "))
	if len(m.convIndex) > 0 {
		hdr("Thread-Index", base64.StdEncoding.EncodeToString(m.convIndex))
	}
	for _, h := range m.headers {
		if strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			hdr(h.Name, h.Value)
		}
	}
	hdr("MIME-Version", "1.0")
	mw := multipart.NewWriter(&buf)
	hdr("Content-Type", `multipart/mixed; boundary="`+mw.Boundary()+`"`)
	buf.WriteString("\r\n")
	ctype, content := "text/plain; charset=utf-8", m.textBody
	if m.htmlBody != "" {
		ctype, content = "text/html; charset=utf-8", m.htmlBody
	}
	if pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {ctype}, "Content-Transfer-Encoding": {"quoted-printable"}}); err == nil {
		qw := quotedprintable.NewWriter(pw)
		_, _ = qw.Write([]byte(content))
		_ = qw.Close()
	}
	for _, a := range m.attachments {
		writeAttachmentPart(mw, a)
	}
	_ = mw.Close()
	return buf.Bytes()
}

func writeAttachmentPart(mw *multipart.Writer, a *attachment) {
	if a.kind == kindReference {
		return
	}
	h := textproto.MIMEHeader{}
	disp := "attachment"
	if a.inline {
		disp = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": a.name}))
	if a.contentID != "" {
		h.Set("Content-ID", "<"+a.contentID+">")
	}
	data := a.data
	if a.kind == kindItem {
		h.Set("Content-Type", "message/rfc822")
		if len(data) == 0 && a.item != nil {
			data = renderMIME(messageFromEML(a.item))
		}
		if pw, err := mw.CreatePart(h); err == nil {
			_, _ = pw.Write(data)
		}
		return
	}
	h.Set("Content-Type", firstNonEmpty(a.contentType, "application/octet-stream"))
	h.Set("Content-Transfer-Encoding", "base64")
	pw, err := mw.CreatePart(h)
	if err != nil {
		return
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		_, _ = pw.Write([]byte(enc[:76] + "\r\n"))
		enc = enc[76:]
	}
	_, _ = pw.Write([]byte(enc + "\r\n"))
}

func mimeAddr(a eml.Address) string {
	if a.Name == "" {
		return "<" + a.Address + ">"
	}
	return mime.QEncoding.Encode("utf-8", a.Name) + " <" + a.Address + ">"
}

func mimeAddrs(as []eml.Address) string {
	var parts []string
	for _, a := range as {
		parts = append(parts, mimeAddr(a))
	}
	return strings.Join(parts, ", ")
}
