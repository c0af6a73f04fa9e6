package graphemu

import (
	"fmt"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// AddMailbox creates a mailbox (with inbox, sentitems, drafts and deleteditems) and returns
// its user id. Adding an existing address returns the existing id.
func (e *Emulator) AddMailbox(address, displayName string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if mb := e.findMailbox(address); mb != nil {
		return mb.id
	}
	mb := newMailbox(strings.ToLower(address), displayName)
	e.mailboxes = append(e.mailboxes, mb)
	return mb.id
}

// findMailbox resolves a user id or address (case-insensitive). Callers hold e.mu.
func (e *Emulator) findMailbox(key string) *mailbox {
	for _, mb := range e.mailboxes {
		if strings.EqualFold(mb.address, key) || strings.EqualFold(mb.id, key) {
			return mb
		}
	}
	return nil
}

// Delivery says where and when a delivered message lands.
type Delivery struct {
	Folder     string    // well-known name or folder id; inbox when empty
	ReceivedAt time.Time // the emulator's clock when zero
	Raw        []byte    // the original MIME, served by /$value; generated when nil
	// References adds cloud-file links (Graph: referenceAttachment), which MIME cannot carry.
	References []string
}

// Delivered identifies a message the emulator stored.
type Delivered struct {
	Mailbox           string `json:"mailbox"`
	ID                string `json:"id"`          // ordinary id (changes when the message moves)
	ImmutableID       string `json:"immutableId"` // stable id
	InternetMessageID string `json:"internetMessageId"`
	ConversationID    string `json:"conversationId"`
	Folder            string `json:"folder"`
}

// Deliver stores a parsed mail in a mailbox, threads it, and notifies subscribers.
func (e *Emulator) Deliver(address string, in *eml.Message, d Delivery) (Delivered, error) {
	if in == nil {
		return Delivered{}, fmt.Errorf("deliver to %s: no message: %w", address, errs.ErrInvalid)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	mb := e.findMailbox(address)
	if mb == nil {
		return Delivered{}, fmt.Errorf("deliver to %s: mailbox: %w", address, errs.ErrNotFound)
	}
	name := firstNonEmpty(d.Folder, "inbox")
	f := mb.folder(name)
	if f == nil {
		return Delivered{}, fmt.Errorf("deliver to %s: folder %s: %w", address, name, errs.ErrNotFound)
	}
	now := e.now()
	m := messageFromEML(in)
	m.raw = d.Raw
	m.received = now
	if !d.ReceivedAt.IsZero() {
		m.received = d.ReceivedAt.UTC()
	}
	if m.sent.IsZero() {
		m.sent = m.received
	}
	for _, name := range d.References {
		m.attachments = append(m.attachments, &attachment{id: newID("AAMkAtt"), kind: kindReference, name: name, contentType: "application/octet-stream", modified: now})
	}
	mb.thread(m, in.ThreadIndex, now)
	mb.insert(m, f, now)
	e.notifyChange(mb, m, "created")
	return Delivered{Mailbox: mb.address, ID: m.restID, ImmutableID: m.immutableID, InternetMessageID: m.internetMessageID,
		ConversationID: conversationID(m.convGUID), Folder: f.wellKnown}, nil
}

// messageFromEML copies a parsed mail into the stored form, without ids or folder.
func messageFromEML(in *eml.Message) *message {
	m := &message{
		internetMessageID: in.MessageID,
		inReplyTo:         in.InReplyTo,
		references:        append([]string{}, in.References...),
		subject:           in.Subject,
		from:              in.From,
		sender:            firstAddr(in.Sender, in.From),
		to:                in.To,
		cc:                in.Cc,
		bcc:               in.Bcc,
		replyTo:           in.ReplyTo,
		textBody:          in.TextBody,
		htmlBody:          in.HTMLBody,
		uniqueText:        in.UniqueText,
		uniqueHTML:        in.UniqueHTML,
		importance:        firstNonEmpty(strings.ToLower(in.Importance), "normal"),
		headers:           append([]eml.Header{}, in.Headers...),
		messageClass:      firstNonEmpty(in.MessageClass, "IPM.Note"),
		isMeeting:         in.IsMeeting,
		meetingType:       in.MeetingMessageType,
		readReceipt:       in.IsReadReceiptRequested,
		deliveryReceipt:   in.IsDeliveryReceiptRequested,
		sent:              in.Date.UTC(),
	}
	if in.Date.IsZero() {
		m.sent = time.Time{}
	}
	if m.internetMessageID == "" {
		m.internetMessageID = "<" + newGUID() + "@emulator.invalid>"
	}
	for _, a := range in.Attachments {
		att := &attachment{id: newID("AAMkAtt"), kind: kindFile, name: a.Name, contentType: a.ContentType,
			contentID: a.ContentID, inline: a.Inline, data: a.Data, item: a.Message, modified: m.sent}
		if a.Message != nil {
			att.kind = kindItem
			att.name = firstNonEmpty(a.Name, a.Message.Subject)
		}
		m.attachments = append(m.attachments, att)
	}
	return m
}

func firstAddr(as ...*eml.Address) *eml.Address {
	for _, a := range as {
		if a != nil {
			return a
		}
	}
	return nil
}

// Snapshot is a read-only copy of a stored message's main fields, for tests.
type Snapshot struct {
	ID, ImmutableID   string
	Folder            string // well-known name
	InternetMessageID string
	ConversationID    string
	Subject           string
	From              string
	To, Cc, Bcc       []string
	TextBody          string
	HTMLBody          string
	UniqueBody        string
	Headers           []eml.Header
	IsDraft           bool
	ReceivedAt        time.Time
	Attachments       []string // names
}

// Messages lists a folder's messages (all folders when folder is empty), oldest first.
func (e *Emulator) Messages(address, folderName string) ([]Snapshot, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	mb := e.findMailbox(address)
	if mb == nil {
		return nil, fmt.Errorf("messages of %s: %w", address, errs.ErrNotFound)
	}
	var f *folder
	if folderName != "" {
		if f = mb.folder(folderName); f == nil {
			return nil, fmt.Errorf("messages of %s: folder %s: %w", address, folderName, errs.ErrNotFound)
		}
	}
	var out []Snapshot
	for _, m := range sortedMessages(mb, f) {
		out = append(out, snapshot(mb, m))
	}
	return out, nil
}

func snapshot(mb *mailbox, m *message) Snapshot {
	s := Snapshot{
		ID: m.restID, ImmutableID: m.immutableID, InternetMessageID: m.internetMessageID,
		ConversationID: conversationID(m.convGUID), Subject: m.subject, To: addrs(m.to), Cc: addrs(m.cc),
		Bcc: addrs(m.bcc), TextBody: m.textBody, HTMLBody: m.htmlBody, UniqueBody: firstNonEmpty(m.uniqueHTML, m.uniqueText),
		Headers: append([]eml.Header{}, m.headers...), IsDraft: m.isDraft, ReceivedAt: m.received,
	}
	if m.from != nil {
		s.From = m.from.Address
	}
	for _, f := range mb.folders {
		if f.id == m.folderID {
			s.Folder = f.wellKnown
		}
	}
	for _, a := range m.attachments {
		s.Attachments = append(s.Attachments, a.name)
	}
	return s
}

func addrs(as []eml.Address) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Address)
	}
	return out
}

// Move moves a message (by either id) to another folder, as Graph's move action does.
func (e *Emulator) Move(address, id, folderName string) (Delivered, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	mb := e.findMailbox(address)
	if mb == nil {
		return Delivered{}, fmt.Errorf("move in %s: %w", address, errs.ErrNotFound)
	}
	m, f := mb.lookup(id), mb.folder(folderName)
	if m == nil || f == nil {
		return Delivered{}, fmt.Errorf("move %s to %s: %w", id, folderName, errs.ErrNotFound)
	}
	e.moveAndNotify(mb, m, f)
	return Delivered{Mailbox: mb.address, ID: m.restID, ImmutableID: m.immutableID, InternetMessageID: m.internetMessageID,
		ConversationID: conversationID(m.convGUID), Folder: f.wellKnown}, nil
}

// moveAndNotify moves a message and tells subscribers of both folders. Callers hold e.mu.
func (e *Emulator) moveAndNotify(mb *mailbox, m *message, f *folder) {
	if m.folderID == f.id {
		return
	}
	from, oldID := m.folderID, m.restID
	mb.move(m, f, e.now())
	e.notifyIDs(mb, from, m.immutableID, oldID, m.changeKey, "deleted")
	e.notifyChange(mb, m, "created")
}
