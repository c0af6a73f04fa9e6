package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// File is an attachment the service sends: an image the HTML shows by cid (Inline, with
// ContentID) or an ordinary file. Graph takes it inline in the request, so the whole
// request must stay under Graph's 4 MB limit for JSON bodies.
// https://learn.microsoft.com/en-us/graph/api/resources/fileattachment
type File struct {
	Name        string
	ContentType string
	ContentID   string // without angle brackets; referenced as cid:<ContentID>
	Inline      bool
	Data        []byte
}

// NewMail is a new message the service sends (not a reply).
type NewMail struct {
	Subject     string
	HTML        string
	To, Cc      []mail.Address
	Headers     []mail.Header // custom headers, each starting with "x-"
	Attachments []File
}

// maxInlineRequest is how many attachment bytes go into one JSON request; base64 grows
// them by a third and Graph refuses requests over 4 MB.
// https://learn.microsoft.com/en-us/graph/api/message-post-attachments
const maxInlineRequest = 3 << 20

var draftSelect = []string{"id", "internetMessageId", "conversationId", "isDraft"}

// CreateReplyAll makes a reply-all draft to messageID shaped by r and returns its ids;
// nothing is sent yet, so the caller can record the ids first.
// https://learn.microsoft.com/en-us/graph/api/message-createreplyall
func (c *Client) CreateReplyAll(ctx context.Context, mailbox, messageID string, r mail.Reply) (mail.Draft, error) {
	return c.CreateReplyAllWith(ctx, mailbox, messageID, r, nil)
}

// CreateReplyAllWith is CreateReplyAll with attachments (inline images of a relayed Jira
// comment). They travel in the createReplyAll request's message, which takes any
// writable message property, so the draft is complete in one call.
func (c *Client) CreateReplyAllWith(ctx context.Context, mailbox, messageID string, r mail.Reply, files []File) (mail.Draft, error) {
	if err := checkHeaders(r.Headers); err != nil {
		return mail.Draft{}, fmt.Errorf("create reply-all draft: %w", err)
	}
	msg, err := outgoing(r.Subject, r.HTML, r.Headers, files)
	if err != nil {
		return mail.Draft{}, fmt.Errorf("create reply-all draft: %w", err)
	}
	body := users.NewItemMessagesItemCreateReplyAllPostRequestBody()
	body.SetMessage(msg)
	ctx = withMailbox(ctx, mailbox)
	d, err := c.sdk.Users().ByUserId(mailbox).Messages().ByMessageId(messageID).CreateReplyAll().Post(ctx, body, nil)
	if err != nil {
		return mail.Draft{}, mapErr("create reply-all draft", err)
	}
	return draft(d), nil
}

// Draft reads a draft's ids and state; IsDraft turns false once it was sent.
func (c *Client) Draft(ctx context.Context, mailbox, id string) (mail.Draft, error) {
	ctx = withMailbox(ctx, mailbox)
	m, err := c.sdk.Users().ByUserId(mailbox).Messages().ByMessageId(id).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{Select: draftSelect},
	})
	if err != nil {
		return mail.Draft{}, mapErr("get draft", err)
	}
	return draft(m), nil
}

// Send sends a draft. It is not retried on 503 or 504 (see RetryOptions): a caller
// unsure whether it went out reads the draft's IsDraft first.
// https://learn.microsoft.com/en-us/graph/api/message-send
func (c *Client) Send(ctx context.Context, mailbox, draftID string) error {
	ctx = withMailbox(ctx, mailbox)
	err := c.sdk.Users().ByUserId(mailbox).Messages().ByMessageId(draftID).Send().Post(ctx, nil)
	return mapErr("send draft", err)
}

// SendMail sends a new message from mailbox and keeps a copy in Sent Items. Graph
// answers 202 with no ids, so a caller that must recognise the copy later marks it with
// one of its x- headers.
// https://learn.microsoft.com/en-us/graph/api/user-sendmail
func (c *Client) SendMail(ctx context.Context, mailbox string, m NewMail) error {
	if len(m.To) == 0 {
		return fmt.Errorf("send mail: %w: no recipient", errs.ErrInvalid)
	}
	if err := checkHeaders(m.Headers); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	msg, err := outgoing(m.Subject, m.HTML, m.Headers, m.Attachments)
	if err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	msg.SetToRecipients(recipients(m.To))
	if len(m.Cc) > 0 {
		msg.SetCcRecipients(recipients(m.Cc))
	}
	body := users.NewItemSendMailPostRequestBody()
	body.SetMessage(msg)
	save := true
	body.SetSaveToSentItems(&save)
	ctx = withMailbox(ctx, mailbox)
	return mapErr("send mail", c.sdk.Users().ByUserId(mailbox).SendMail().Post(ctx, body, nil))
}

// checkHeaders applies Graph's rule that custom headers start with x-, before a call.
// https://learn.microsoft.com/en-us/graph/api/resources/internetmessageheader
func checkHeaders(hs []mail.Header) error {
	v := &errs.Validation{}
	for _, h := range hs {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			v.Add("headers", "custom header %q must start with x-", h.Name)
		}
	}
	return v.Err()
}

// outgoing builds the writable part of a message: subject (when set), HTML body,
// headers and attachments.
func outgoing(subject, html string, hs []mail.Header, files []File) (*models.Message, error) {
	msg := models.NewMessage()
	if subject != "" {
		msg.SetSubject(&subject)
	}
	if html != "" {
		b := models.NewItemBody()
		ct := models.HTML_BODYTYPE
		b.SetContentType(&ct)
		b.SetContent(&html)
		msg.SetBody(b)
	}
	if len(hs) > 0 {
		var out []models.InternetMessageHeaderable
		for _, h := range hs {
			mh := models.NewInternetMessageHeader()
			mh.SetName(&h.Name)
			mh.SetValue(&h.Value)
			out = append(out, mh)
		}
		msg.SetInternetMessageHeaders(out)
	}
	atts, err := attachments(files)
	if err != nil {
		return nil, err
	}
	if len(atts) > 0 {
		msg.SetAttachments(atts)
	}
	return msg, nil
}

func attachments(files []File) ([]models.Attachmentable, error) {
	var out []models.Attachmentable
	total := 0
	for _, f := range files {
		total += len(f.Data)
		if total > maxInlineRequest {
			return nil, fmt.Errorf("%w: attachments exceed %d bytes in one request", errs.ErrTooLarge, maxInlineRequest)
		}
		a := models.NewFileAttachment()
		name, ctype := f.Name, f.ContentType
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		a.SetName(&name)
		a.SetContentType(&ctype)
		a.SetContentBytes(f.Data)
		inline := f.Inline
		a.SetIsInline(&inline)
		if f.ContentID != "" {
			cid := strings.Trim(f.ContentID, "<>")
			a.SetContentId(&cid)
		}
		out = append(out, a)
	}
	return out, nil
}

func recipients(as []mail.Address) []models.Recipientable {
	var out []models.Recipientable
	for _, a := range as {
		r := models.NewRecipient()
		e := models.NewEmailAddress()
		addr, name := a.Address, a.Name
		e.SetAddress(&addr)
		if name != "" {
			e.SetName(&name)
		}
		r.SetEmailAddress(e)
		out = append(out, r)
	}
	return out
}

func draft(m models.Messageable) mail.Draft {
	return mail.Draft{
		ID:                deref(m.GetId()),
		InternetMessageID: deref(m.GetInternetMessageId()),
		ConversationID:    deref(m.GetConversationId()),
		IsDraft:           m.GetIsDraft() != nil && *m.GetIsDraft(),
	}
}
