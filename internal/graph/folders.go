package graph

import (
	"context"
	"fmt"
	"strconv"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// MessageRef is what a folder walk needs to know about a message to enqueue it.
type MessageRef struct {
	ID                string // immutable id
	InternetMessageID string
	ConversationID    string
	Subject           string
	From              string // sender address as written
	Received          time.Time
	IsDraft           bool
}

// Page is one page of a delta round or a listing.
type Page struct {
	Messages []MessageRef
	// Removed are ids that left the folder (delta only: moved or deleted).
	Removed []string
	// NextLink, when set, fetches the next page of the same round.
	NextLink string
	// DeltaLink is set on a delta round's last page: keep it to ask for later changes.
	DeltaLink string
}

// Folder is a mail folder's identity and counts.
type Folder struct {
	ID          string
	DisplayName string
	Total       int
	Unread      int
}

// refSelect is the small field set a walk reads per message.
var refSelect = []string{"id", "internetMessageId", "conversationId", "subject", "from", "receivedDateTime", "isDraft"}

// DefaultPageSize is the page size used when a caller passes 0.
const DefaultPageSize = 50

// DeltaStart begins a delta round over a folder's messages received at or after since
// (the zero time means all of them) and returns its first page; follow NextLink with
// DeltaNext until a page carries DeltaLink.
// https://learn.microsoft.com/en-us/graph/api/message-delta
func (c *Client) DeltaStart(ctx context.Context, mailbox, folder string, since time.Time, pageSize int) (Page, error) {
	q := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{Select: refSelect}
	if !since.IsZero() {
		f := "receivedDateTime ge " + since.UTC().Format(time.RFC3339)
		q.Filter = &f
	}
	b := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId(folder).Messages().Delta()
	resp, err := b.GetAsDeltaGetResponse(withMailbox(ctx, mailbox), &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{
		Headers: maxPageSize(pageSize), QueryParameters: q,
	})
	if err != nil {
		return Page{}, mapErr("start delta of "+folder, err)
	}
	return deltaPage(resp), nil
}

// DeltaNext follows a NextLink or a DeltaLink. An expired link fails with an error
// wrapping ErrDeltaExpired: start again with DeltaStart and a time window.
func (c *Client) DeltaNext(ctx context.Context, mailbox, link string, pageSize int) (Page, error) {
	if err := c.checkLink(link); err != nil {
		return Page{}, fmt.Errorf("follow delta link: %w", err)
	}
	b := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId("inbox").Messages().Delta().WithUrl(link)
	resp, err := b.GetAsDeltaGetResponse(withMailbox(ctx, mailbox), &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{
		Headers: maxPageSize(pageSize),
	})
	if err != nil {
		return Page{}, mapErr("follow delta link", err)
	}
	return deltaPage(resp), nil
}

// MessagesSince lists a folder's messages received at or after since, oldest first, and
// returns the first page; follow NextLink with MessagesNext.
// https://learn.microsoft.com/en-us/graph/api/user-list-messages
func (c *Client) MessagesSince(ctx context.Context, mailbox, folder string, since time.Time, pageSize int) (Page, error) {
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
		return Page{}, mapErr("list messages of "+folder, err)
	}
	return listPage(resp), nil
}

// MessagesNext follows a listing's NextLink.
func (c *Client) MessagesNext(ctx context.Context, mailbox, link string) (Page, error) {
	if err := c.checkLink(link); err != nil {
		return Page{}, fmt.Errorf("follow next link: %w", err)
	}
	b := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId("inbox").Messages().WithUrl(link)
	resp, err := b.Get(withMailbox(ctx, mailbox), nil)
	if err != nil {
		return Page{}, mapErr("follow next link", err)
	}
	return listPage(resp), nil
}

// Inbox reads a mailbox's inbox folder; it fails with errs.ErrForbidden where an
// application access policy excludes the mailbox, which is what `check` looks for.
// https://learn.microsoft.com/en-us/graph/api/mailfolder-get
func (c *Client) Inbox(ctx context.Context, mailbox string) (Folder, error) {
	f, err := c.sdk.Users().ByUserId(mailbox).MailFolders().ByMailFolderId("inbox").Get(withMailbox(ctx, mailbox),
		&users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{
				Select: []string{"id", "displayName", "totalItemCount", "unreadItemCount"},
			},
		})
	if err != nil {
		return Folder{}, mapErr("read inbox", err)
	}
	out := Folder{ID: deref(f.GetId()), DisplayName: deref(f.GetDisplayName())}
	if n := f.GetTotalItemCount(); n != nil {
		out.Total = int(*n)
	}
	if n := f.GetUnreadItemCount(); n != nil {
		out.Unread = int(*n)
	}
	return out, nil
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

func deltaPage(resp users.ItemMailFoldersItemMessagesDeltaGetResponseable) Page {
	var p Page
	for _, m := range resp.GetValue() {
		if _, removed := m.GetAdditionalData()["@removed"]; removed {
			p.Removed = append(p.Removed, deref(m.GetId()))
			continue
		}
		p.Messages = append(p.Messages, ref(m))
	}
	p.NextLink = deref(resp.GetOdataNextLink())
	p.DeltaLink = deref(resp.GetOdataDeltaLink())
	return p
}

func listPage(resp models.MessageCollectionResponseable) Page {
	var p Page
	for _, m := range resp.GetValue() {
		p.Messages = append(p.Messages, ref(m))
	}
	p.NextLink = deref(resp.GetOdataNextLink())
	return p
}

func ref(m models.Messageable) MessageRef {
	return MessageRef{
		ID:                deref(m.GetId()),
		InternetMessageID: deref(m.GetInternetMessageId()),
		ConversationID:    deref(m.GetConversationId()),
		Subject:           deref(m.GetSubject()),
		From:              address(m.GetFrom()).Address,
		Received:          timeOrZero(m.GetReceivedDateTime()),
		IsDraft:           m.GetIsDraft() != nil && *m.GetIsDraft(),
	}
}
