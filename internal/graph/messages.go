package graph

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mail2jira/mail2jira/internal/mail"
)

// messageSelect is every message field the processor uses. $select replaces Graph's
// default set, and uniqueBody and internetMessageHeaders come back only when named.
// https://learn.microsoft.com/en-us/graph/api/message-get#optional-query-parameters
var messageSelect = []string{"id", "internetMessageId", "conversationId", "subject", "from", "sender",
	"toRecipients", "ccRecipients", "bccRecipients", "replyTo", "receivedDateTime", "body", "uniqueBody",
	"importance", "internetMessageHeaders", "isDraft", "hasAttachments"}

// messageClassProp is Exchange's PR_MESSAGE_CLASS as a Graph extended property; Graph
// echoes its id normalised as "String 0x1a".
// https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get
const messageClassProp = "String 0x001A"

// messageExpand brings the message class and the attachments' metadata, without their
// base64 content (streamed on demand through /$value instead).
// https://learn.microsoft.com/en-us/graph/api/message-list-attachments
var messageExpand = []string{
	"attachments($select=id,name,contentType,size,isInline,microsoft.graph.fileAttachment/contentId)",
	"singleValueExtendedProperties($filter=id eq '" + messageClassProp + "')",
}

// Message fetches a message by id (immutable or not) with everything the processor needs:
// headers, uniqueBody, message class and attachment metadata.
func (c *Client) Message(ctx context.Context, mailbox, id string) (*mail.Message, error) {
	ctx = withMailbox(ctx, mailbox)
	m, err := c.sdk.Users().ByUserId(mailbox).Messages().ByMessageId(id).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{Select: messageSelect, Expand: messageExpand},
	})
	if err != nil {
		return nil, mapErr("get message", err)
	}
	out := convertMessage(m)
	out.Mailbox = mailbox
	return out, nil
}

// AttachmentContent streams an attachment's raw bytes; for an item attachment that is the
// attached item's MIME. The caller closes the reader; until then the request holds one
// of the mailbox's concurrency slots.
// https://learn.microsoft.com/en-us/graph/api/attachment-get#example-6-get-the-raw-contents-of-a-file-attachment-on-a-message
func (c *Client) AttachmentContent(ctx context.Context, mailbox, messageID, attachmentID string) (io.ReadCloser, error) {
	return c.stream(ctx, mailbox, "get attachment content", "users", mailbox, "messages", messageID, "attachments", attachmentID, "$value")
}

// MessageMIME streams the whole message as MIME, for the .eml copy.
// https://learn.microsoft.com/en-us/graph/outlook-get-mime-message
func (c *Client) MessageMIME(ctx context.Context, mailbox, id string) (io.ReadCloser, error) {
	return c.stream(ctx, mailbox, "get message MIME", "users", mailbox, "messages", id, "$value")
}

// stream sends a GET the generated builders do not offer as a stream, through the same
// authentication and middleware, and hands back the body unread.
func (c *Client) stream(ctx context.Context, mailbox, op string, segs ...string) (io.ReadCloser, error) {
	ctx = withMailbox(ctx, mailbox)
	u := c.urlFor(segs...)
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.GET
	ri.SetUri(*u)
	native, err := c.adapter.ConvertToNativeRequest(ctx, ri)
	if err != nil {
		return nil, mapErr(op, err)
	}
	req := native.(*http.Request)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, failureFromResponse(resp, body).err(op)
	}
	return resp.Body, nil
}

// urlFor joins path segments, escaping each, under the base URL.
func (c *Client) urlFor(segs ...string) *url.URL {
	u := *c.base
	var raw strings.Builder
	raw.WriteString(strings.TrimRight(c.base.EscapedPath(), "/"))
	for _, s := range segs {
		raw.WriteString("/")
		if s == "$value" {
			raw.WriteString(s)
			continue
		}
		raw.WriteString(url.PathEscape(s))
	}
	p, _ := url.PathUnescape(raw.String())
	u.Path, u.RawPath = p, raw.String()
	return &u
}

// convertMessage maps the SDK model onto the domain's message.
func convertMessage(m models.Messageable) *mail.Message {
	out := &mail.Message{
		ID:                deref(m.GetId()),
		InternetMessageID: deref(m.GetInternetMessageId()),
		ConversationID:    deref(m.GetConversationId()),
		Subject:           deref(m.GetSubject()),
		From:              address(m.GetFrom()),
		Sender:            address(m.GetSender()),
		To:                addresses(m.GetToRecipients()),
		Cc:                addresses(m.GetCcRecipients()),
		Bcc:               addresses(m.GetBccRecipients()),
		ReplyTo:           addresses(m.GetReplyTo()),
		Body:              body(m.GetBody()),
		UniqueBody:        body(m.GetUniqueBody()),
		Importance:        "normal",
		IsDraft:           m.GetIsDraft() != nil && *m.GetIsDraft(),
	}
	if t := m.GetReceivedDateTime(); t != nil {
		out.Received = t.UTC()
	}
	if imp := m.GetImportance(); imp != nil {
		out.Importance = imp.String()
	}
	for _, h := range m.GetInternetMessageHeaders() {
		out.Headers = append(out.Headers, mail.Header{Name: deref(h.GetName()), Value: deref(h.GetValue())})
	}
	for _, p := range m.GetSingleValueExtendedProperties() {
		if isMessageClass(deref(p.GetId())) {
			out.MessageClass = deref(p.GetValue())
		}
	}
	if _, ok := m.(models.EventMessageable); ok {
		out.IsEventMessage = true
	}
	for _, a := range m.GetAttachments() {
		out.Attachments = append(out.Attachments, convertAttachment(a))
	}
	return out
}

// isMessageClass matches the property id however Graph spelled it back.
func isMessageClass(id string) bool {
	f := strings.Fields(strings.ToLower(id))
	return len(f) == 2 && f[0] == "string" && (f[1] == "0x1a" || f[1] == "0x001a")
}

func convertAttachment(a models.Attachmentable) mail.Attachment {
	out := mail.Attachment{
		ID:          deref(a.GetId()),
		Name:        deref(a.GetName()),
		ContentType: deref(a.GetContentType()),
		IsInline:    a.GetIsInline() != nil && *a.GetIsInline(),
	}
	if s := a.GetSize(); s != nil {
		out.Size = int64(*s)
	}
	switch v := a.(type) {
	case models.FileAttachmentable:
		out.Kind = mail.FileAttachment
		out.ContentID = strings.Trim(deref(v.GetContentId()), "<>")
	case models.ItemAttachmentable:
		out.Kind = mail.ItemAttachment
	case models.ReferenceAttachmentable:
		out.Kind = mail.ReferenceAttachment
		// v1.0 has no sourceUrl on referenceAttachment; beta's is read when present.
		if s, ok := v.GetAdditionalData()["sourceUrl"].(*string); ok {
			out.SourceURL = deref(s)
		}
	default:
		out.Kind = mail.FileAttachment
	}
	return out
}

func address(r models.Recipientable) mail.Address {
	if r == nil || r.GetEmailAddress() == nil {
		return mail.Address{}
	}
	return mail.Address{Name: deref(r.GetEmailAddress().GetName()), Address: deref(r.GetEmailAddress().GetAddress())}
}

func addresses(rs []models.Recipientable) []mail.Address {
	var out []mail.Address
	for _, r := range rs {
		if a := address(r); a.Address != "" || a.Name != "" {
			out = append(out, a)
		}
	}
	return out
}

func body(b models.ItemBodyable) mail.Body {
	if b == nil {
		return mail.Body{}
	}
	out := mail.Body{Content: deref(b.GetContent()), ContentType: "text"}
	if ct := b.GetContentType(); ct != nil {
		out.ContentType = ct.String()
	}
	return out
}

// timeOrZero returns *t in UTC, or the zero time.
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
