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
	Name        string   // filename (RFC 2231 and encoded-words decoded); the subject for a message/rfc822 part; ATT00001.ext when unnamed
	ContentType string   // media type without parameters, e.g. "application/pdf"
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
	Sender       *Address // the Sender header, or From when there is none (Graph always reports a sender)
	ReplyTo      []Address
	To, Cc, Bcc  []Address
	Date         time.Time // zero when the mail has no parseable Date header
	Headers      []Header
	TextBody     string // UTF-8, from text/plain, line breaks as "\n"
	HTMLBody     string // UTF-8, from text/html, line breaks as "\n"
	UniqueText   string // the new text without quoted history (Graph's uniqueBody)
	UniqueHTML   string // the new HTML without quoted history
	Importance   string // "low", "normal" or "high" (Importance, X-Priority, Priority headers)
	ContentType  string // the top-level media type, e.g. "multipart/report"
	MessageClass string // Exchange message class, e.g. "IPM.Note", "IPM.Note.Rules.OofTemplate.Microsoft"
	IsMeeting    bool   // a meeting request or response (Graph: eventMessage)
	Attachments  []Attachment

	// MeetingMessageType is Graph's eventMessage.meetingMessageType ("meetingRequest",
	// "meetingCancelled", "meetingAccepted", "meetingTenativelyAccepted" (sic), "meetingDeclined")
	// when IsMeeting, else empty.
	MeetingMessageType string
	// IsReadReceiptRequested reports a Disposition-Notification-To header (Graph: isReadReceiptRequested).
	IsReadReceiptRequested bool
	// IsDeliveryReceiptRequested reports a Return-Receipt-To header (Graph: isDeliveryReceiptRequested).
	IsDeliveryReceiptRequested bool
}
