// Package eml parses raw RFC 5322 mail (.eml) into the fields Microsoft Graph exposes on a
// message, for the Graph emulator's deliver endpoint. It knows nothing of HTTP or mailboxes.
package eml

import "time"

// Address is a display name and an email address.
type Address struct {
	Name    string
	Address string
}

// Header is one header as it appears in the mail (value unfolded, not decoded), the way
// Graph's internetMessageHeaders lists them.
type Header struct {
	Name  string
	Value string
}

// Attachment is one MIME part that Graph would list under attachments.
type Attachment struct {
	Name        string
	ContentType string
	ContentID   string   // without angle brackets; set for cid: referenced parts
	Inline      bool     // Content-Disposition inline or referenced by cid: from the HTML body
	Data        []byte   // decoded content (for message/rfc822 parts, the raw attached mail)
	Message     *Message // set when the part is message/rfc822 (Graph: itemAttachment)
}

// Message is a parsed mail with every field the Graph emulator needs.
type Message struct {
	MessageID    string // Message-ID with angle brackets, as Graph's internetMessageId
	InReplyTo    string // with angle brackets
	References   []string
	ThreadIndex  string // Thread-Index header (Outlook), base64 as sent
	ThreadTopic  string
	Subject      string // decoded from encoded-words into UTF-8
	From         *Address
	Sender       *Address
	ReplyTo      []Address
	To, Cc, Bcc  []Address
	Date         time.Time
	Headers      []Header
	TextBody     string // UTF-8, from text/plain
	HTMLBody     string // UTF-8, from text/html
	UniqueText   string // the new text without quoted history (Graph's uniqueBody)
	UniqueHTML   string // the new HTML without quoted history
	Importance   string // "low", "normal" or "high" (Importance, X-Priority, Priority headers)
	ContentType  string // the top-level media type, e.g. "multipart/report"
	MessageClass string // Exchange message class, e.g. "IPM.Note", "IPM.Note.Rules.OofTemplate.Microsoft"
	IsMeeting    bool   // a meeting request or response (Graph: eventMessage)
	Attachments  []Attachment
}
