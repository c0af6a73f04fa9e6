package graphemu

import (
	"encoding/base64"
	"strings"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

// renderMIME writes a stored message as MIME (with eml.Write), for /$value of messages that
// did not arrive as raw MIME.
// https://learn.microsoft.com/en-us/graph/outlook-get-mime-message
func renderMIME(m *message) []byte {
	out := &eml.Message{
		MessageID: m.internetMessageID, InReplyTo: m.inReplyTo, References: m.references,
		Subject: m.subject, From: m.from, Sender: m.sender, ReplyTo: m.replyTo, To: m.to, Cc: m.cc,
		Date: m.sent, TextBody: m.textBody, HTMLBody: m.htmlBody, Importance: m.importance,
		MessageClass: m.messageClass, IsReadReceiptRequested: m.readReceipt,
		IsDeliveryReceiptRequested: m.deliveryReceipt,
	}
	if len(m.convIndex) > 0 {
		out.ThreadIndex = base64.StdEncoding.EncodeToString(m.convIndex)
	}
	for _, h := range m.headers {
		if strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			out.Headers = append(out.Headers, h)
		}
	}
	for _, a := range m.attachments {
		if a.kind == kindReference {
			continue
		}
		out.Attachments = append(out.Attachments, eml.Attachment{Name: a.name, ContentType: a.contentType,
			ContentID: a.contentID, Inline: a.inline, Data: a.data, Message: a.item})
	}
	raw, err := eml.Write(out)
	if err != nil {
		return nil
	}
	return raw
}

// itemMIME is the MIME of an attached mail: as it arrived, or rebuilt from its fields.
func itemMIME(a *attachment) []byte {
	if len(a.data) > 0 || a.item == nil {
		return a.data
	}
	raw, err := eml.Write(a.item)
	if err != nil {
		return nil
	}
	return raw
}
