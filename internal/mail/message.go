package mail

import (
	"net/mail"
	"strings"
	"time"
)

// Message is one mail as found in a configured mailbox: what the Graph adapter fetches
// (with immutable ids, uniqueBody, internetMessageHeaders and the message class) converted
// into the fields the domain needs.
type Message struct {
	ID                string       `json:"id"`                // Graph immutable id of this copy
	InternetMessageID string       `json:"internetMessageId"` // RFC 5322 Message-ID, with angle brackets
	ConversationID    string       `json:"conversationId"`
	Subject           string       `json:"subject"`
	From              Address      `json:"from"`
	Sender            Address      `json:"sender"` // differs from From for send-on-behalf and lists
	To                []Address    `json:"toRecipients"`
	Cc                []Address    `json:"ccRecipients"`
	Bcc               []Address    `json:"bccRecipients"`
	ReplyTo           []Address    `json:"replyTo"`
	Received          time.Time    `json:"receivedDateTime"`
	Body              Body         `json:"body"`
	UniqueBody        Body         `json:"uniqueBody"`
	Importance        string       `json:"importance"` // "low", "normal" or "high"
	Headers           []Header     `json:"internetMessageHeaders"`
	MessageClass      string       `json:"messageClass"`   // Exchange's PR_MESSAGE_CLASS, extended property String 0x001A
	IsEventMessage    bool         `json:"isEventMessage"` // Graph returned an eventMessage (meeting request, cancellation, response)
	IsDraft           bool         `json:"isDraft"`
	Attachments       []Attachment `json:"attachments"`
	Mailbox           string       `json:"mailbox"` // configured mailbox this copy was found in
	Folder            string       `json:"folder"`  // "inbox", "sentitems", ...
}

// Address is a mailbox address with its display name.
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Body is a message body as Graph returns it.
type Body struct {
	ContentType string `json:"contentType"` // "html" or "text"
	Content     string `json:"content"`
}

// Header is one internet message header.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// AttachmentKind says what a Graph attachment is.
type AttachmentKind string

// Attachment kinds, after Graph's fileAttachment, itemAttachment and referenceAttachment.
const (
	FileAttachment      AttachmentKind = "file"
	ItemAttachment      AttachmentKind = "item"      // an attached mail, event or contact
	ReferenceAttachment AttachmentKind = "reference" // a link to a file in OneDrive or SharePoint
)

// Attachment is an attachment's metadata; its content is streamed on demand.
type Attachment struct {
	ID          string         `json:"id"`
	Kind        AttachmentKind `json:"kind"`
	Name        string         `json:"name"`
	Size        int64          `json:"size"`
	ContentType string         `json:"contentType"`
	ContentID   string         `json:"contentId"`
	IsInline    bool           `json:"isInline"`
	SourceURL   string         `json:"sourceUrl"` // reference attachments: where the file lives, when known
}

// Key is the message's identity across mailboxes: its internetMessageId, or its Graph id
// when it has none.
func (m *Message) Key() string {
	if m.InternetMessageID != "" {
		return m.InternetMessageID
	}
	return m.ID
}

// Header returns the first value of the named header (case-insensitive) and whether it was
// present.
func (m *Message) Header(name string) (string, bool) {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return strings.TrimSpace(h.Value), true
		}
	}
	return "", false
}

// SenderAddress is the lower-case address the mail is from (From, else Sender).
func (m *Message) SenderAddress() string {
	if a := normAddr(m.From.Address); a != "" {
		return a
	}
	return normAddr(m.Sender.Address)
}

// References lists the message ids named by In-Reply-To and References, nearest first.
func (m *Message) References() []string {
	var ids []string
	seen := map[string]bool{}
	add := func(v string) {
		for _, id := range msgIDs(v) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if v, ok := m.Header("In-Reply-To"); ok {
		add(v)
	}
	if v, ok := m.Header("References"); ok {
		refs := msgIDs(v)
		for i := len(refs) - 1; i >= 0; i-- { // References is oldest first
			add(refs[i])
		}
	}
	return ids
}

// msgIDs extracts the <...> message ids from a header value.
func msgIDs(v string) []string {
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			return ids
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return ids
		}
		if id := v[i : i+j+1]; len(id) > 2 {
			ids = append(ids, id)
		}
		v = v[i+j+1:]
	}
}

// normAddr lower-cases and trims an address, and drops a display name if one slipped in.
func normAddr(a string) string {
	a = strings.TrimSpace(a)
	if strings.ContainsAny(a, "<") {
		if p, err := mail.ParseAddress(a); err == nil {
			a = p.Address
		}
	}
	return strings.ToLower(a)
}

// addrs returns the normalised addresses of list.
func addrs(list []Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		if n := normAddr(a.Address); n != "" {
			out = append(out, n)
		}
	}
	return out
}
