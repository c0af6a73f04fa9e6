package graphemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

// Well-known folder names the emulator creates in every mailbox.
// https://learn.microsoft.com/en-us/graph/api/resources/mailfolder (well-known folder names)
var wellKnownFolders = []struct{ name, display string }{
	{"inbox", "Inbox"},
	{"sentitems", "Sent Items"},
	{"drafts", "Drafts"},
	{"deleteditems", "Deleted Items"},
}

// mailbox is one emulated user with its folders and messages.
type mailbox struct {
	id, address, name string
	folders           []*folder
	messages          map[string]*message // by immutable id
	restIndex         map[string]string   // ordinary (REST) id -> immutable id
	seq               int64               // change counter for delta
	tombstones        []tombstone
}

// folder is a mail folder; ids never change.
type folder struct {
	id, wellKnown, displayName string
}

// tombstone remembers that a message left a folder, for delta's @removed entries.
type tombstone struct {
	folderID, immutableID, restID string
	seq                           int64
}

// message is the emulator's stored form of a Graph message.
type message struct {
	immutableID, restID, folderID string
	seq                           int64 // last change
	enteredSeq                    int64 // when it entered its current folder
	changeKey                     string
	created, modified             time.Time
	received, sent                time.Time
	internetMessageID             string
	inReplyTo                     string
	references                    []string
	convGUID                      [16]byte
	convIndex                     []byte
	subject                       string
	from, sender                  *eml.Address
	to, cc, bcc, replyTo          []eml.Address
	textBody, htmlBody            string
	uniqueText, uniqueHTML        string
	importance                    string
	isRead, isDraft               bool
	headers                       []eml.Header
	messageClass                  string
	isMeeting                     bool
	meetingType                   string
	readReceipt, deliveryReceipt  bool
	attachments                   []*attachment
	raw                           []byte
}

// attachment kinds as Graph names them in @odata.type.
const (
	kindFile      = "fileAttachment"
	kindItem      = "itemAttachment"
	kindReference = "referenceAttachment"
)

// attachment is one attachment of a message.
type attachment struct {
	id, kind, name, contentType, contentID string
	inline                                 bool
	data                                   []byte
	item                                   *eml.Message
	modified                               time.Time
}

func newMailbox(address, name string) *mailbox {
	mb := &mailbox{
		id:        newGUID(),
		address:   address,
		name:      name,
		messages:  map[string]*message{},
		restIndex: map[string]string{},
	}
	for _, wk := range wellKnownFolders {
		mb.folders = append(mb.folders, &folder{id: newID("AAMkF"), wellKnown: wk.name, displayName: wk.display})
	}
	return mb
}

// folder resolves a well-known name (case-insensitive) or a folder id.
func (mb *mailbox) folder(key string) *folder {
	for _, f := range mb.folders {
		if strings.EqualFold(f.wellKnown, key) || f.id == key {
			return f
		}
	}
	return nil
}

// lookup finds a message by immutable or ordinary id. Graph accepts both forms in requests.
// https://learn.microsoft.com/en-us/graph/outlook-immutable-id
func (mb *mailbox) lookup(id string) *message {
	if m, ok := mb.messages[id]; ok {
		return m
	}
	if imm, ok := mb.restIndex[id]; ok {
		return mb.messages[imm]
	}
	return nil
}

// byInternetID finds the newest message carrying the given Message-ID.
func (mb *mailbox) byInternetID(mid string) *message {
	var found *message
	for _, m := range mb.messages {
		if strings.EqualFold(m.internetMessageID, mid) && (found == nil || m.created.After(found.created)) {
			found = m
		}
	}
	return found
}

// touch records a change so delta and etags see it.
func (mb *mailbox) touch(m *message, now time.Time) {
	mb.seq++
	m.seq = mb.seq
	m.modified = now
	m.changeKey = newID("CQAAABYAAA")
}

// insert stores a new message in a folder with fresh ids.
func (mb *mailbox) insert(m *message, f *folder, now time.Time) {
	m.immutableID = newID("AAkALg")
	m.restID = newID("AAMkAG")
	m.folderID = f.id
	m.created = now
	mb.messages[m.immutableID] = m
	mb.restIndex[m.restID] = m.immutableID
	mb.touch(m, now)
	m.enteredSeq = m.seq
}

// move puts a message in another folder. Its ordinary id changes, its immutable id does not.
// https://learn.microsoft.com/en-us/graph/outlook-immutable-id
func (mb *mailbox) move(m *message, to *folder, now time.Time) {
	if m.folderID == to.id {
		return
	}
	mb.seq++
	mb.tombstones = append(mb.tombstones, tombstone{folderID: m.folderID, immutableID: m.immutableID, restID: m.restID, seq: mb.seq})
	delete(mb.restIndex, m.restID)
	m.restID = newID("AAMkAG")
	mb.restIndex[m.restID] = m.immutableID
	m.folderID = to.id
	mb.touch(m, now)
	m.enteredSeq = m.seq
}

// thread assigns the conversation the way Outlook groups mail: the Thread-Index header first
// (its GUID names the conversation), then In-Reply-To/References naming a message in this
// mailbox, else a new conversation.
// https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/pidtagconversationindex-canonical-property
func (mb *mailbox) thread(m *message, threadIndex string, now time.Time) {
	if idx, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(threadIndex), "")); err == nil && len(idx) >= 22 {
		copy(m.convGUID[:], idx[6:22])
		m.convIndex = idx
		return
	}
	parents := append([]string{m.inReplyTo}, reversed(m.references)...)
	for _, mid := range parents {
		if mid == "" {
			continue
		}
		if p := mb.byInternetID(mid); p != nil {
			m.convGUID = p.convGUID
			m.convIndex = childIndex(p.convIndex, now)
			return
		}
	}
	m.convGUID, m.convIndex = newConversation(now)
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// newConversation makes a 22-byte conversation index: a reserved byte, five bytes of
// FILETIME, and the conversation GUID.
func newConversation(now time.Time) ([16]byte, []byte) {
	var g [16]byte
	_, _ = rand.Read(g[:])
	idx := make([]byte, 22)
	var ft [8]byte
	binary.BigEndian.PutUint64(ft[:], fileTime(now))
	idx[0] = 0x01
	copy(idx[1:6], ft[:5])
	copy(idx[6:], g[:])
	return g, idx
}

// childIndex appends the five-byte child block a reply adds to its parent's index.
func childIndex(parent []byte, now time.Time) []byte {
	if len(parent) < 22 {
		_, idx := newConversation(now)
		return idx
	}
	var ft [8]byte
	binary.BigEndian.PutUint64(ft[:], fileTime(now))
	out := append([]byte{}, parent...)
	return append(out, ft[3:8]...)
}

func fileTime(t time.Time) uint64 {
	const epochDiff = 116444736000000000 // 100ns intervals between 1601 and 1970
	return uint64(t.UnixNano()/100) + epochDiff
}

// conversationID renders the conversation GUID as a Graph-looking opaque id; the same
// conversation gets the same id in every mailbox.
func conversationID(g [16]byte) string {
	return "AAQkA" + base64.RawURLEncoding.EncodeToString(g[:])
}

// newID returns an opaque Graph-looking id with the given prefix.
func newID(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// newGUID returns a random version-4 GUID in its usual text form.
func newGUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}
