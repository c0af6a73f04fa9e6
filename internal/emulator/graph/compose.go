package graphemu

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

// recipientInput is Graph's recipient as a client sends it.
type recipientInput struct {
	EmailAddress struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

// messageInput is the writable part of a message in request bodies.
// https://learn.microsoft.com/en-us/graph/api/resources/message#properties
type messageInput struct {
	Subject *string `json:"subject"`
	Body    *struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	ToRecipients           *[]recipientInput `json:"toRecipients"`
	CcRecipients           *[]recipientInput `json:"ccRecipients"`
	BccRecipients          *[]recipientInput `json:"bccRecipients"`
	ReplyTo                *[]recipientInput `json:"replyTo"`
	InternetMessageHeaders *[]eml.Header     `json:"internetMessageHeaders"`
	Importance             *string           `json:"importance"`
	IsRead                 *bool             `json:"isRead"`
	Attachments            []struct {
		ODataType    string `json:"@odata.type"`
		Name         string `json:"name"`
		ContentType  string `json:"contentType"`
		ContentBytes string `json:"contentBytes"`
		ContentID    string `json:"contentId"`
		IsInline     bool   `json:"isInline"`
	} `json:"attachments"`
}

// validate applies Graph's rule that custom headers must start with x-.
// https://learn.microsoft.com/en-us/graph/api/resources/internetmessageheader
func (in *messageInput) validate() error {
	if in.InternetMessageHeaders == nil {
		return nil
	}
	for _, h := range *in.InternetMessageHeaders {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			return fmt.Errorf("The internet message header name '%s' should start with 'x-' or 'X-'.", h.Name)
		}
	}
	return nil
}

// changesContent reports whether the input touches more than a received message allows.
func (in *messageInput) changesContent() bool {
	return in.Subject != nil || in.Body != nil || in.ToRecipients != nil || in.CcRecipients != nil ||
		in.BccRecipients != nil || in.InternetMessageHeaders != nil || len(in.Attachments) > 0
}

func addresses(rs *[]recipientInput) []eml.Address {
	var out []eml.Address
	for _, r := range *rs {
		out = append(out, eml.Address{Name: r.EmailAddress.Name, Address: r.EmailAddress.Address})
	}
	return out
}

// applyTo copies the given fields onto a stored message.
func (in *messageInput) applyTo(m *message) {
	if in.Subject != nil {
		m.subject = *in.Subject
	}
	if in.Body != nil {
		m.htmlBody, m.textBody = bodyParts(in.Body.ContentType, in.Body.Content)
		m.uniqueHTML, m.uniqueText = m.htmlBody, m.textBody
	}
	for _, p := range []struct {
		in  *[]recipientInput
		out *[]eml.Address
	}{{in.ToRecipients, &m.to}, {in.CcRecipients, &m.cc}, {in.BccRecipients, &m.bcc}, {in.ReplyTo, &m.replyTo}} {
		if p.in != nil {
			*p.out = addresses(p.in)
		}
	}
	if in.InternetMessageHeaders != nil {
		m.headers = append([]eml.Header{}, *in.InternetMessageHeaders...)
	}
	if in.Importance != nil {
		m.importance = strings.ToLower(*in.Importance)
	}
	if in.IsRead != nil {
		m.isRead = *in.IsRead
	}
	for _, a := range in.Attachments {
		data, _ := base64.StdEncoding.DecodeString(a.ContentBytes)
		m.attachments = append(m.attachments, &attachment{id: newID("AAMkAtt"), kind: kindFile, name: a.Name,
			contentType: firstNonEmpty(a.ContentType, "application/octet-stream"), contentID: a.ContentID,
			inline: a.IsInline, data: data, modified: m.modified})
	}
}

func bodyParts(contentType, content string) (htmlBody, textBody string) {
	if strings.EqualFold(contentType, "text") {
		return "", content
	}
	return content, htmlToText(content)
}

// replyInput is the body of reply, replyAll, createReply and createReplyAll.
// https://learn.microsoft.com/en-us/graph/api/message-createreplyall
type replyInput struct {
	Comment string        `json:"comment"`
	Message *messageInput `json:"message"`
}

func (e *Emulator) reply(c *call)          { e.replyAction(c, false, true) }
func (e *Emulator) replyAll(c *call)       { e.replyAction(c, true, true) }
func (e *Emulator) createReply(c *call)    { e.replyAction(c, false, false) }
func (e *Emulator) createReplyAll(c *call) { e.replyAction(c, true, false) }

// replyAction builds a reply draft; reply/replyAll send it at once and answer 202 with no
// body, createReply/createReplyAll answer 201 with the draft.
// https://learn.microsoft.com/en-us/graph/api/message-reply
// https://learn.microsoft.com/en-us/graph/api/message-replyall
// https://learn.microsoft.com/en-us/graph/api/message-createreply
func (e *Emulator) replyAction(c *call, all, sendNow bool) {
	var in replyInput
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		writeError(c.w, c.r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	if in.Message == nil {
		in.Message = &messageInput{}
	}
	if in.Comment != "" && in.Message.Body != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidRequest", "Specify either a comment or the body of the message parameter, not both.")
		return
	}
	if err := in.Message.validate(); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "InvalidInternetMessageHeader", err.Error())
		return
	}
	e.withMessage(c, func(mb *mailbox, orig *message) {
		draft := e.composeReply(mb, orig, all, in)
		if !sendNow {
			c.applyPrefs()
			writeJSON(c.w, http.StatusCreated, view{mb: mb, prefs: c.prefs}.message(draft))
			return
		}
		if !e.sendDraft(c, mb, draft, true) {
			return
		}
		c.w.WriteHeader(http.StatusAccepted)
	})
}

// composeReply stores a reply draft in Drafts, threaded under orig. Callers hold e.mu.
func (e *Emulator) composeReply(mb *mailbox, orig *message, all bool, in replyInput) *message {
	now := e.now()
	self := &eml.Address{Name: mb.name, Address: mb.address}
	d := &message{
		subject:           replySubject(orig.subject),
		from:              self,
		sender:            self,
		importance:        "normal",
		isDraft:           true,
		isRead:            true,
		inReplyTo:         orig.internetMessageID,
		references:        append(append([]string{}, orig.references...), orig.internetMessageID),
		convGUID:          orig.convGUID,
		convIndex:         childIndex(orig.convIndex, now),
		headers:           []eml.Header{},
		messageClass:      "IPM.Note",
		internetMessageID: "<" + strings.ReplaceAll(newGUID(), "-", "") + "@" + domainOf(mb.address) + ">",
	}
	d.to, d.cc = replyRecipients(mb.address, orig, all)
	newHTML := html.EscapeString(in.Comment)
	if in.Message.Body != nil {
		newHTML, _ = bodyParts(in.Message.Body.ContentType, in.Message.Body.Content)
		if newHTML == "" {
			newHTML = textToHTML(in.Message.Body.Content)
		}
	}
	in.Message.Body = nil
	in.Message.applyTo(d)
	d.uniqueHTML = newHTML
	d.htmlBody = newHTML + quoteOriginal(orig)
	d.textBody = htmlToText(d.htmlBody)
	d.uniqueText = htmlToText(newHTML)
	mb.insert(d, mb.folder("drafts"), now)
	e.notifyChange(mb, d, "created")
	return d
}

func replySubject(s string) string {
	if strings.HasPrefix(strings.ToUpper(s), "RE:") {
		return s
	}
	return "RE: " + s
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok {
		return d
	}
	return "emulator.invalid"
}

// replyRecipients: the sender (or Reply-To), plus for reply-all the other To and Cc
// recipients, never the mailbox itself.
func replyRecipients(self string, orig *message, all bool) (to, cc []eml.Address) {
	seen := map[string]bool{strings.ToLower(self): true}
	add := func(dst *[]eml.Address, as ...eml.Address) {
		for _, a := range as {
			k := strings.ToLower(a.Address)
			if k != "" && !seen[k] {
				seen[k] = true
				*dst = append(*dst, a)
			}
		}
	}
	switch {
	case len(orig.replyTo) > 0:
		add(&to, orig.replyTo...)
	case orig.from != nil && !strings.EqualFold(orig.from.Address, self):
		add(&to, *orig.from)
	default: // replying to our own sent mail goes to its recipients
		add(&to, orig.to...)
	}
	if all {
		add(&to, orig.to...)
		add(&cc, orig.cc...)
	}
	return to, cc
}

func quoteOriginal(orig *message) string {
	from := ""
	if orig.from != nil {
		from = html.EscapeString(orig.from.Name + " <" + orig.from.Address + ">")
	}
	body := orig.htmlBody
	if body == "" {
		body = textToHTML(orig.textBody)
	}
	return `<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg"><b>From:</b> ` + from +
		"<br><b>Sent:</b> " + orig.sent.Format(time.RFC1123) + "<br><b>Subject:</b> " + html.EscapeString(orig.subject) +
		"</div><div>" + body + "</div>"
}

// send sends a draft: it moves to Sent Items (its ordinary id changes) and reaches the
// recipients that are emulated mailboxes.
// https://learn.microsoft.com/en-us/graph/api/message-send
func (e *Emulator) send(c *call) {
	e.withMessage(c, func(mb *mailbox, m *message) {
		if !m.isDraft {
			writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidRequest", "Only a draft message can be sent.")
			return
		}
		if e.sendDraft(c, mb, m, true) {
			c.w.WriteHeader(http.StatusAccepted)
		}
	})
}

// sendDraft finalises and dispatches a draft; false when it answered an error. Callers hold e.mu.
func (e *Emulator) sendDraft(c *call, mb *mailbox, m *message, save bool) bool {
	if len(m.to)+len(m.cc)+len(m.bcc) == 0 {
		writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient is required to send a message.")
		return false
	}
	now := e.now()
	m.isDraft = false
	m.sent, m.received = now, now
	m.headers = outboundHeaders(m, m.headers)
	if save {
		if m.folderID == "" {
			mb.insert(m, mb.folder("sentitems"), now)
			e.notifyChange(mb, m, "created")
		} else {
			e.moveAndNotify(mb, m, mb.folder("sentitems"))
		}
	} else if m.folderID != "" {
		delete(mb.messages, m.immutableID)
		delete(mb.restIndex, m.restID)
	}
	e.deliverCopies(m)
	return true
}

// outboundHeaders puts the transport headers Exchange writes in front of the custom ones.
func outboundHeaders(m *message, custom []eml.Header) []eml.Header {
	join := func(as []eml.Address) string {
		var parts []string
		for _, a := range as {
			parts = append(parts, formatAddr(a))
		}
		return strings.Join(parts, ", ")
	}
	hs := []eml.Header{{Name: "From", Value: formatAddr(*m.from)}}
	if len(m.to) > 0 {
		hs = append(hs, eml.Header{Name: "To", Value: join(m.to)})
	}
	if len(m.cc) > 0 {
		hs = append(hs, eml.Header{Name: "CC", Value: join(m.cc)})
	}
	hs = append(hs,
		eml.Header{Name: "Subject", Value: m.subject},
		eml.Header{Name: "Thread-Topic", Value: strings.TrimPrefix(m.subject, "RE: ")},
		eml.Header{Name: "Thread-Index", Value: base64.StdEncoding.EncodeToString(m.convIndex)},
		eml.Header{Name: "Date", Value: m.sent.Format(time.RFC1123Z)},
		eml.Header{Name: "Message-ID", Value: m.internetMessageID})
	if m.inReplyTo != "" {
		hs = append(hs, eml.Header{Name: "In-Reply-To", Value: m.inReplyTo},
			eml.Header{Name: "References", Value: strings.Join(m.references, " ")})
	}
	hs = append(hs, eml.Header{Name: "Content-Type", Value: "text/html; charset=\"utf-8\""},
		eml.Header{Name: "MIME-Version", Value: "1.0"})
	for _, h := range custom {
		if strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			hs = append(hs, h)
		}
	}
	return hs
}

func formatAddr(a eml.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// deliverCopies puts a received copy in the inbox of each recipient that is an emulated
// mailbox. Callers hold e.mu.
func (e *Emulator) deliverCopies(sent *message) {
	seen := map[string]bool{}
	for _, a := range append(append(append([]eml.Address{}, sent.to...), sent.cc...), sent.bcc...) {
		k := strings.ToLower(a.Address)
		rcpt := e.findMailbox(k)
		if seen[k] || rcpt == nil {
			continue
		}
		seen[k] = true
		cp := *sent
		cp.bcc = nil
		cp.isRead = false
		cp.raw = nil
		cp.headers = append([]eml.Header{}, sent.headers...)
		cp.attachments = append([]*attachment{}, sent.attachments...)
		cp.references = append([]string{}, sent.references...)
		cp.convIndex = nil
		cp.received = e.now()
		rcpt.thread(&cp, base64.StdEncoding.EncodeToString(sent.convIndex), e.now())
		rcpt.insert(&cp, rcpt.folder("inbox"), e.now())
		e.notifyChange(rcpt, &cp, "created")
	}
}

// sendMailInput is the body of sendMail.
// https://learn.microsoft.com/en-us/graph/api/user-sendmail
type sendMailInput struct {
	Message         *messageInput `json:"message"`
	SaveToSentItems *bool         `json:"saveToSentItems"`
}

// sendMail sends a new message in one call and answers 202.
func (e *Emulator) sendMail(c *call) {
	var in sendMailInput
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil || in.Message == nil {
		writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidRequest", "The message parameter is required.")
		return
	}
	if err := in.Message.validate(); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "InvalidInternetMessageHeader", err.Error())
		return
	}
	e.withMailbox(c, func(mb *mailbox) {
		now := e.now()
		self := &eml.Address{Name: mb.name, Address: mb.address}
		m := &message{from: self, sender: self, importance: "normal", isRead: true, messageClass: "IPM.Note",
			internetMessageID: "<" + strings.ReplaceAll(newGUID(), "-", "") + "@" + domainOf(mb.address) + ">"}
		m.convGUID, m.convIndex = newConversation(now)
		in.Message.applyTo(m)
		m.uniqueHTML, m.uniqueText = m.htmlBody, m.textBody
		save := in.SaveToSentItems == nil || *in.SaveToSentItems
		if e.sendDraft(c, mb, m, save) {
			c.w.WriteHeader(http.StatusAccepted)
		}
	})
}
