package graphemu

import (
	"encoding/base64"
	"html"
	"regexp"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

// view holds what a request asked for, to render messages accordingly.
type view struct {
	mb    *mailbox
	q     query
	prefs prefs
}

// graphTime formats a DateTimeOffset; unset ones are null, as Graph sends them (an empty
// string would not parse in the SDK).
func graphTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func (v view) id(m *message) string {
	if v.prefs.immutable {
		return m.immutableID
	}
	return m.restID
}

func recipient(a *eml.Address) map[string]any {
	if a == nil {
		return nil
	}
	return map[string]any{"emailAddress": map[string]any{"name": a.Name, "address": a.Address}}
}

func recipients(as []eml.Address) []any {
	out := []any{}
	for i := range as {
		out = append(out, recipient(&as[i]))
	}
	return out
}

// body renders an itemBody, converting between HTML and text as Prefer asks.
// https://learn.microsoft.com/en-us/graph/api/resources/itembody
func (v view) body(htmlBody, textBody string) map[string]any {
	switch {
	case v.prefs.bodyType == "text":
		if textBody == "" {
			textBody = htmlToText(htmlBody)
		}
		return map[string]any{"contentType": "text", "content": textBody}
	case htmlBody != "":
		return map[string]any{"contentType": "html", "content": htmlBody}
	case v.prefs.bodyType == "html":
		return map[string]any{"contentType": "html", "content": textToHTML(textBody)}
	default:
		return map[string]any{"contentType": "text", "content": textBody}
	}
}

var (
	tagRe   = regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>|<[^>]+>`)
	spaceRe = regexp.MustCompile(`[ \t\r\n]+`)
)

func htmlToText(s string) string {
	s = regexp.MustCompile(`(?i)<br\s*/?>|</p>|</div>`).ReplaceAllString(s, "\n")
	return strings.TrimSpace(html.UnescapeString(tagRe.ReplaceAllString(s, "")))
}

func textToHTML(s string) string {
	return "<html><body><div>" + strings.ReplaceAll(html.EscapeString(s), "\n", "<br>") + "</div></body></html>"
}

func preview(m *message) string {
	t := m.textBody
	if t == "" {
		t = htmlToText(m.htmlBody)
	}
	t = strings.TrimSpace(spaceRe.ReplaceAllString(t, " "))
	if r := []rune(t); len(r) > 255 {
		t = string(r[:255])
	}
	return t
}

// message renders one message as Graph's JSON (a message or an eventMessage).
// https://learn.microsoft.com/en-us/graph/api/resources/message
// https://learn.microsoft.com/en-us/graph/api/resources/eventmessage
func (v view) message(m *message) map[string]any {
	all := map[string]func() any{
		"bccRecipients":              func() any { return recipients(m.bcc) },
		"body":                       func() any { return v.body(m.htmlBody, m.textBody) },
		"bodyPreview":                func() any { return preview(m) },
		"categories":                 func() any { return []any{} },
		"ccRecipients":               func() any { return recipients(m.cc) },
		"changeKey":                  func() any { return m.changeKey },
		"conversationId":             func() any { return conversationID(m.convGUID) },
		"conversationIndex":          func() any { return base64.StdEncoding.EncodeToString(m.convIndex) },
		"createdDateTime":            func() any { return graphTime(m.created) },
		"flag":                       func() any { return map[string]any{"flagStatus": "notFlagged"} },
		"from":                       func() any { return recipient(m.from) },
		"hasAttachments":             func() any { return hasNonInline(m) },
		"id":                         func() any { return v.id(m) },
		"importance":                 func() any { return m.importance },
		"inferenceClassification":    func() any { return "focused" },
		"internetMessageHeaders":     func() any { return headers(m.headers) },
		"internetMessageId":          func() any { return m.internetMessageID },
		"isDeliveryReceiptRequested": func() any { return m.deliveryReceipt },
		"isDraft":                    func() any { return m.isDraft },
		"isRead":                     func() any { return m.isRead },
		"isReadReceiptRequested":     func() any { return m.readReceipt },
		"lastModifiedDateTime":       func() any { return graphTime(m.modified) },
		"parentFolderId":             func() any { return m.folderID },
		"receivedDateTime":           func() any { return graphTime(m.received) },
		"replyTo":                    func() any { return recipients(m.replyTo) },
		"sender":                     func() any { return recipient(m.sender) },
		"sentDateTime":               func() any { return graphTime(m.sent) },
		"subject":                    func() any { return m.subject },
		"toRecipients":               func() any { return recipients(m.to) },
		"uniqueBody": func() any {
			return v.body(firstNonEmpty(m.uniqueHTML, m.htmlBody), firstNonEmpty(m.uniqueText, m.textBody))
		},
		"webLink": func() any {
			return "https://outlook.office365.com/owa/?ItemID=" + m.restID + "&exvsurl=1&viewmodel=ReadMessageItem"
		},
	}
	out := map[string]any{"@odata.etag": `W/"` + m.changeKey + `"`, "id": v.id(m)}
	for _, p := range messageProps {
		if v.q.sel != nil && !v.q.sel[p] || v.q.sel == nil && hasFold(notByDefault, p) {
			continue
		}
		out[p] = all[p]()
	}
	if m.isMeeting {
		out["@odata.type"] = "#microsoft.graph.eventMessage"
		out["meetingMessageType"] = firstNonEmpty(m.meetingType, "meetingRequest")
	}
	if v.q.attachments {
		atts := []any{}
		for _, a := range m.attachments {
			atts = append(atts, v.attachment(a))
		}
		out["attachments"] = atts
	}
	if v.q.extProps != nil {
		out["singleValueExtendedProperties"] = extProps(m, v.q.extProps)
	}
	return out
}

// extProps returns the requested extended properties the message has; Graph omits the
// ones not set. Only PidTagMessageClass (String 0x1a) is stored.
// https://learn.microsoft.com/en-us/graph/api/resources/singlevaluelegacyextendedproperty
// https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/pidtagmessageclass-canonical-property
func extProps(m *message, ids []string) []any {
	out := []any{}
	for _, id := range ids {
		if id == "String 0x1a" {
			cls := m.messageClass
			if cls == "" {
				cls = "IPM.Note"
			}
			out = append(out, map[string]any{"id": id, "value": cls})
		}
	}
	return out
}

func headers(hs []eml.Header) []any {
	out := []any{}
	for _, h := range hs {
		out = append(out, map[string]any{"name": h.Name, "value": h.Value})
	}
	return out
}

func hasNonInline(m *message) bool {
	for _, a := range m.attachments {
		if !a.inline {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// attachment renders one attachment, honouring a $select on attachments.
// https://learn.microsoft.com/en-us/graph/api/resources/fileattachment
// https://learn.microsoft.com/en-us/graph/api/resources/itemattachment
// https://learn.microsoft.com/en-us/graph/api/resources/referenceattachment
func (v view) attachment(a *attachment) map[string]any {
	all := map[string]any{
		"id":                   a.id,
		"name":                 a.name,
		"contentType":          a.contentType,
		"size":                 len(a.data) + 200, // Graph's size also counts the attachment's own properties
		"isInline":             a.inline,
		"lastModifiedDateTime": graphTime(a.modified),
	}
	out := map[string]any{"@odata.type": "#microsoft.graph." + a.kind}
	switch a.kind {
	case kindFile:
		out["@odata.mediaContentType"] = a.contentType
		all["contentId"] = nullable(a.contentID)
		all["contentLocation"] = nil
		all["contentBytes"] = base64.StdEncoding.EncodeToString(a.data)
	case kindItem:
		if v.q.itemExpand && a.item != nil {
			out["item"] = v.itemMessage(a.item)
		}
	case kindReference:
		all["size"] = 0
	}
	for k, val := range all {
		if v.q.attSelect == nil || v.q.attSelect[k] || k == "id" {
			out[k] = val
		}
	}
	return out
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// itemMessage renders an attached mail as the message inside an itemAttachment.
func (v view) itemMessage(in *eml.Message) map[string]any {
	m := messageFromEML(in)
	m.restID = "" // attached items have no id of their own
	iv := view{prefs: v.prefs, q: query{sel: map[string]bool{"subject": true, "body": true, "from": true, "toRecipients": true, "ccRecipients": true, "sentDateTime": true, "internetMessageId": true, "hasAttachments": true}}}
	out := iv.message(m)
	delete(out, "id")
	delete(out, "@odata.etag")
	out["@odata.type"] = "#microsoft.graph.message"
	return out
}
