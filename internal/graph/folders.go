package graph

import (
	"context"
	"fmt"
	"strconv"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// refSelect is the small field set a folder walk reads per message.
var refSelect = []string{"id", "internetMessageId", "conversationId", "subject", "from", "receivedDateTime"}

// DefaultPageSize is the page size used when a caller passes 0.
const DefaultPageSize = 50

// MessageDelta returns one page of a folder's message delta. With r.Link empty it starts
// a round over the messages created at or after r.Since (all of them when zero);
// otherwise it follows r.Link, a nextLink or deltaLink from an earlier page. An expired
// link fails with an error wrapping ErrDeltaExpired.
// https://learn.microsoft.com/en-us/graph/api/message-delta
func (c *Client) MessageDelta(ctx context.Context, r ingest.DeltaRequest) (ingest.DeltaPage, error) {
	ctx = withMailbox(ctx, r.Mailbox)
	b := c.sdk.Users().ByUserId(r.Mailbox).MailFolders().ByMailFolderId(r.Folder).Messages().Delta()
	cfg := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: maxPageSize(r.PageSize)}
	op := "delta of " + r.Folder
	if r.Link != "" {
		if err := c.checkLink(r.Link); err != nil {
			return ingest.DeltaPage{}, fmt.Errorf("%s: %w", op, err)
		}
		b = b.WithUrl(r.Link)
	} else {
		created := "created"
		q := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{Select: refSelect, ChangeType: &created}
		if !r.Since.IsZero() {
			f := "receivedDateTime ge " + r.Since.UTC().Format(time.RFC3339)
			q.Filter = &f
		}
		cfg.QueryParameters = q
	}
	resp, err := b.GetAsDeltaGetResponse(ctx, cfg)
	if err != nil {
		return ingest.DeltaPage{}, mapErr(op, err)
	}
	p := page(resp.GetValue(), resp.GetOdataNextLink())
	p.DeltaLink = deref(resp.GetOdataDeltaLink())
	return p, nil
}

// MessagesSince lists a folder's messages received at or after since, oldest first, and
// returns the first page (as a DeltaPage without DeltaLink); follow NextLink with
// MessagesNext. It is the walk for `sweep --days N`, which must not touch the delta
// cursor.
// https://learn.microsoft.com/en-us/graph/api/user-list-messages
func (c *Client) MessagesSince(ctx context.Context, mailbox, folder string, since time.Time, pageSize int) (ingest.DeltaPage, error) {
	if pageSize <= 0 {
		pageSize = DefaultPageSize
	}
	top := int32(pageSize)
	f := "receivedDateTime ge " + since.UTC().Format(time.RFC3339)
	b := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId(folder).Messages()
	resp, err := b.Get(withMailbox(ctx, mailbox), &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{
			Select: refSelect, Filter: &f, Orderby: []string{"receivedDateTime asc"}, Top: &top,
		},
	})
	if err != nil {
		return ingest.DeltaPage{}, mapErr("list messages of "+folder, err)
	}
	return page(resp.GetValue(), resp.GetOdataNextLink()), nil
}

// MessagesNext follows a listing's NextLink.
func (c *Client) MessagesNext(ctx context.Context, mailbox, link string) (ingest.DeltaPage, error) {
	if err := c.checkLink(link); err != nil {
		return ingest.DeltaPage{}, fmt.Errorf("follow next link: %w", err)
	}
	b := c.sdk.Users().ByUserId(mailbox).Messages().WithUrl(link)
	resp, err := b.Get(withMailbox(ctx, mailbox), nil)
	if err != nil {
		return ingest.DeltaPage{}, mapErr("follow next link", err)
	}
	return page(resp.GetValue(), resp.GetOdataNextLink()), nil
}

// ReadInbox reads one message id of a mailbox's inbox. It fails with errs.ErrForbidden
// where an application access policy excludes the mailbox, which is what `check` is after.
// https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access
func (c *Client) ReadInbox(ctx context.Context, mailbox string) error {
	top := int32(1)
	_, err := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId("inbox").Messages().Get(withMailbox(ctx, mailbox),
		&users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{Select: []string{"id"}, Top: &top},
		})
	return mapErr("read inbox of "+mailbox, err)
}

// SendTest sends a short test mail from mailbox to address, for `check --send-test`. It
// carries the service's own header, so a configured mailbox receiving it never makes a
// ticket of it.
func (c *Client) SendTest(ctx context.Context, mailbox, address string) error {
	return c.SendMail(ctx, mailbox, NewMail{
		Subject: "mail2jira check: test mail from " + mailbox,
		HTML:    "<p>This is a test mail sent by <code>mail2jira check --send-test</code>. It needs no answer.</p>",
		To:      []mail.Address{{Address: address}},
		Headers: []mail.Header{{Name: mail.HeaderTicket, Value: "check"}, {Name: "X-Auto-Response-Suppress", Value: "All"}},
	})
}

// maxPageSize asks for pages of n messages (delta honours the preference, not $top).
// https://learn.microsoft.com/en-us/graph/api/message-delta#request-headers
func maxPageSize(n int) *abstractions.RequestHeaders {
	h := abstractions.NewRequestHeaders()
	if n <= 0 {
		n = DefaultPageSize
	}
	h.Add("Prefer", "odata.maxpagesize="+strconv.Itoa(n))
	return h
}

func page(ms []models.Messageable, next *string) ingest.DeltaPage {
	var p ingest.DeltaPage
	for _, m := range ms {
		_, removed := m.GetAdditionalData()["@removed"]
		p.Messages = append(p.Messages, ingest.DeltaMessage{
			ID:                deref(m.GetId()),
			InternetMessageID: deref(m.GetInternetMessageId()),
			ConversationID:    deref(m.GetConversationId()),
			Subject:           deref(m.GetSubject()),
			From:              address(m.GetFrom()).Address,
			Received:          timeOrZero(m.GetReceivedDateTime()),
			Removed:           removed,
		})
	}
	p.NextLink = deref(next)
	return p
}
