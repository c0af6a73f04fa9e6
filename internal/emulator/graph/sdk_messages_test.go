package graphemu_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestSDKMessageFieldsPopulated reads one message with the service's explicit $select and
// checks every field the service relies on arrives in the SDK model (a misspelled JSON name
// would leave it nil).
func TestSDKMessageFieldsPopulated(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	in := newMail(aliceBox, supportBox, "fields")
	in.MessageClass = "IPM.Note.Rules.OofTemplate.Microsoft"
	in.Attachments = []eml.Attachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("abc")}}
	d, err := env.emu.Deliver(supportBox, in, graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	sel := []string{"id", "subject", "from", "sender", "toRecipients", "ccRecipients", "replyTo", "body", "uniqueBody",
		"internetMessageHeaders", "internetMessageId", "conversationId", "conversationIndex", "receivedDateTime",
		"sentDateTime", "hasAttachments", "importance", "parentFolderId", "isDraft", "bodyPreview"}
	m, err := env.client.Users().ByUserId(supportBox).Messages().ByMessageId(d.ImmutableID).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		Headers: immutable(),
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{
			Select: sel,
			Expand: []string{"attachments", "singleValueExtendedProperties($filter=id eq 'String 0x001A')"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var headerNames []string
	for _, h := range m.GetInternetMessageHeaders() {
		headerNames = append(headerNames, str(h.GetName())+"="+str(h.GetValue()))
	}
	got := map[string]string{
		"id":                str(m.GetId()),
		"subject":           str(m.GetSubject()),
		"from":              str(m.GetFrom().GetEmailAddress().GetAddress()),
		"sender":            str(m.GetSender().GetEmailAddress().GetAddress()),
		"to":                str(m.GetToRecipients()[0].GetEmailAddress().GetAddress()),
		"cc":                str(m.GetCcRecipients()[0].GetEmailAddress().GetName()),
		"replyTo":           str(m.GetReplyTo()[0].GetEmailAddress().GetAddress()),
		"body":              str(m.GetBody().GetContent()),
		"bodyType":          m.GetBody().GetContentType().String(),
		"uniqueBody":        str(m.GetUniqueBody().GetContent()),
		"headers":           strings.Join(headerNames, ";"),
		"internetMessageId": str(m.GetInternetMessageId()),
		"conversationId":    str(m.GetConversationId()),
		"received":          m.GetReceivedDateTime().UTC().Format(time.RFC3339),
		"sent":              m.GetSentDateTime().UTC().Format(time.RFC3339),
		"hasAttachments":    fmt.Sprint(*m.GetHasAttachments()),
		"importance":        m.GetImportance().String(),
		"isDraft":           fmt.Sprint(*m.GetIsDraft()),
		"bodyPreview":       str(m.GetBodyPreview()),
		"messageClass":      str(m.GetSingleValueExtendedProperties()[0].GetValue()),
		"attachment":        str(m.GetAttachments()[0].GetName()),
	}
	snap, _ := env.emu.Messages(supportBox, "inbox")
	want := map[string]string{
		"id": d.ImmutableID, "subject": "fields", "from": aliceBox, "sender": aliceBox, "to": supportBox, "cc": "Carol",
		"replyTo": aliceBox, "body": in.HTMLBody, "bodyType": "html", "uniqueBody": "<p>New text</p>",
		"headers": "Subject=fields;X-Custom=kept", "internetMessageId": in.MessageID, "conversationId": d.ConversationID,
		"received": snap[0].ReceivedAt.UTC().Format(time.RFC3339), "sent": "2026-11-02T08:00:00Z", "hasAttachments": "true",
		"importance": "high", "isDraft": "false", "bodyPreview": "New text > old text",
		"messageClass": "IPM.Note.Rules.OofTemplate.Microsoft", "attachment": "a.txt",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields through the SDK (-want +got)\n%s", diff)
	}
	if m.GetConversationIndex() == nil || m.GetParentFolderId() == nil {
		t.Error("conversationIndex or parentFolderId missing")
	}
	if fa, ok := m.GetAttachments()[0].(models.FileAttachmentable); !ok || string(fa.GetContentBytes()) != "abc" {
		t.Errorf("file attachment = %T", m.GetAttachments()[0])
	}
}

func TestSDKDefaultSelectOmitsUniqueBodyAndHeaders(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	d, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "defaults"), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := env.client.Users().ByUserId(supportBox).Messages().ByMessageId(d.ID).Get(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.GetUniqueBody() != nil || m.GetInternetMessageHeaders() != nil {
		t.Error("uniqueBody or internetMessageHeaders returned without $select")
	}
	if m.GetBody() == nil || m.GetSubject() == nil || str(m.GetId()) != d.ID {
		t.Error("default fields missing")
	}
}

func TestSDKPagingWithFilterAndOrder(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 23 {
		if _, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, fmt.Sprintf("p%02d", i)), graphemu.Delivery{ReceivedAt: start.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	filter := "receivedDateTime ge " + start.Add(3*time.Minute).Format(time.RFC3339)
	top := int32(6)
	folder := env.client.Users().ByUserId(supportBox).MailFolders().ByMailFolderId("inbox").Messages()
	resp, err := folder.Get(ctx, &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
		Headers: immutable(),
		QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{
			Select: []string{"id", "subject", "receivedDateTime"}, Filter: &filter, Orderby: []string{"receivedDateTime desc"}, Top: &top,
		},
	})
	var subjects []string
	pages := 0
	for err == nil {
		pages++
		for _, m := range resp.GetValue() {
			subjects = append(subjects, str(m.GetSubject()))
		}
		if resp.GetOdataNextLink() == nil {
			break
		}
		resp, err = folder.WithUrl(*resp.GetOdataNextLink()).Get(ctx, &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{Headers: immutable()})
	}
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 22; i >= 3; i-- {
		want = append(want, fmt.Sprintf("p%02d", i))
	}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("paged subjects (-want +got)\n%s", diff)
	}
	if pages != 4 {
		t.Errorf("pages = %d, want 4", pages)
	}
}

func TestSDKDeltaAndExpiry(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	for i := range 5 {
		if _, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, fmt.Sprintf("d%d", i)), graphemu.Delivery{}); err != nil {
			t.Fatal(err)
		}
	}
	delta := env.client.Users().ByUserId(supportBox).MailFolders().ByMailFolderId("inbox").Messages().Delta()
	top := int32(2)
	round := func(first bool, link string) ([]string, string) {
		t.Helper()
		var items []string
		cfg := &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: immutable()}
		if first {
			cfg.QueryParameters = &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetQueryParameters{Select: []string{"id", "subject"}, Top: &top}
		}
		b := delta
		if !first {
			b = delta.WithUrl(link)
		}
		for {
			resp, err := b.GetAsDeltaGetResponse(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range resp.GetValue() {
				if _, removed := m.GetAdditionalData()["@removed"]; removed {
					items = append(items, "removed "+str(m.GetId()))
				} else {
					items = append(items, str(m.GetSubject()))
				}
			}
			if next := resp.GetOdataNextLink(); next != nil {
				b, cfg = delta.WithUrl(*next), &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: immutable()}
				continue
			}
			sort.Strings(items)
			return items, str(resp.GetOdataDeltaLink())
		}
	}
	items, link := round(true, "")
	if diff := cmp.Diff([]string{"d0", "d1", "d2", "d3", "d4"}, items); diff != "" {
		t.Errorf("initial delta (-want +got)\n%s", diff)
	}
	newOne, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "later"), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.emu.Move(supportBox, newOne.ID, "deleteditems"); err != nil {
		t.Fatal(err)
	}
	if _, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "kept"), graphemu.Delivery{}); err != nil {
		t.Fatal(err)
	}
	items, link = round(false, link)
	if diff := cmp.Diff([]string{"kept", "removed " + newOne.ImmutableID}, items); diff != "" {
		t.Errorf("incremental delta (-want +got)\n%s", diff)
	}
	env.emu.ExpireDeltaLinks()
	_, err = delta.WithUrl(link).GetAsDeltaGetResponse(ctx, &users.ItemMailFoldersItemMessagesDeltaRequestBuilderGetRequestConfiguration{Headers: immutable()})
	if status, code, _ := odataErr(t, err); status != 410 || code != "syncStateNotFound" {
		t.Errorf("expired delta link: %d %s", status, code)
	}
}

func TestSDKImmutableIDs(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	d, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "ids"), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string, prefer bool) (string, error) {
		cfg := &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{Select: []string{"id"}}}
		if prefer {
			cfg.Headers = immutable()
		}
		m, err := env.client.Users().ByUserId(supportBox).Messages().ByMessageId(id).Get(ctx, cfg)
		if err != nil {
			return "", err
		}
		return str(m.GetId()), nil
	}
	if got, err := get(d.ID, true); err != nil || got != d.ImmutableID {
		t.Fatalf("immutable form = %q, %v", got, err)
	}
	moved, err := env.emu.Move(supportBox, d.ImmutableID, "deleteditems")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := get(d.ID, false); err == nil {
		t.Error("old ordinary id still resolves after the move")
	} else if status, code, _ := odataErr(t, err); status != 404 || code != "ErrorItemNotFound" {
		t.Errorf("old ordinary id: %d %s", status, code)
	}
	if got, err := get(d.ImmutableID, false); err != nil || got != moved.ID || got == d.ID {
		t.Errorf("ordinary id after move = %q (was %q), %v", got, d.ID, err)
	}
	if got, err := get(d.ImmutableID, true); err != nil || got != d.ImmutableID {
		t.Errorf("immutable id after move = %q, %v", got, err)
	}
}

func TestSDKAttachments(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	in := newMail(aliceBox, supportBox, "attachments")
	in.Attachments = []eml.Attachment{
		{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF")},
		{Name: "logo.png", ContentType: "image/png", ContentID: "logo1", Inline: true, Data: []byte("PNG")},
		{Name: "fwd", ContentType: "message/rfc822", Message: newMail("bob@x.test", aliceBox, "inner")},
	}
	d, err := env.emu.Deliver(supportBox, in, graphemu.Delivery{References: []string{"plan.docx"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := env.client.Users().ByUserId(supportBox).Messages().ByMessageId(d.ImmutableID).Attachments().Get(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ids := map[string]string{}
	for _, a := range resp.GetValue() {
		switch v := a.(type) {
		case models.FileAttachmentable:
			kinds = append(kinds, fmt.Sprintf("file %s %s inline=%v cid=%s bytes=%d", str(v.GetName()), str(v.GetContentType()), *v.GetIsInline(), str(v.GetContentId()), len(v.GetContentBytes())))
		case models.ItemAttachmentable:
			kinds = append(kinds, "item "+str(v.GetName()))
		case models.ReferenceAttachmentable:
			kinds = append(kinds, "reference "+str(v.GetName()))
		default:
			kinds = append(kinds, fmt.Sprintf("unknown %T", a))
		}
		ids[str(a.GetName())] = str(a.GetId())
	}
	want := []string{"file report.pdf application/pdf inline=false cid= bytes=4", "file logo.png image/png inline=true cid=logo1 bytes=3", "item fwd", "reference plan.docx"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("attachments (-want +got)\n%s", diff)
	}
	base := "users/" + supportBox + "/messages/" + d.ImmutableID + "/attachments/"
	if b, err := env.raw(ctx, base+ids["report.pdf"]+"/$value"); err != nil || string(b) != "%PDF" {
		t.Errorf("file $value = %q, %v", b, err)
	}
	if b, err := env.raw(ctx, base+ids["fwd"]+"/$value"); err != nil || !strings.Contains(string(b), "Subject: inner") {
		t.Errorf("item $value = %q, %v", b, err)
	}
	_, err = env.raw(ctx, base+ids["plan.docx"]+"/$value")
	if status, _, _ := odataErr(t, err); status != 405 {
		t.Errorf("reference $value status %d, want 405", status)
	}
}

func TestSDKCreateReplyAllAndSend(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	d, err := env.emu.Deliver(supportBox, newMail(aliceBox, supportBox, "Printer"), graphemu.Delivery{})
	if err != nil {
		t.Fatal(err)
	}
	msg := models.NewMessage()
	body := models.NewItemBody()
	html := models.HTML_BODYTYPE
	content := "<p>Created SUP-7</p>"
	body.SetContentType(&html)
	body.SetContent(&content)
	msg.SetBody(body)
	var hs []models.InternetMessageHeaderable
	for _, kv := range [][2]string{{"x-mail2jira", "SUP-7"}, {"X-Auto-Response-Suppress", "All"}} {
		h := models.NewInternetMessageHeader()
		h.SetName(&kv[0])
		h.SetValue(&kv[1])
		hs = append(hs, h)
	}
	msg.SetInternetMessageHeaders(hs)
	req := users.NewItemMessagesItemCreateReplyAllPostRequestBody()
	req.SetMessage(msg)
	messages := env.client.Users().ByUserId(supportBox).Messages()
	draft, err := messages.ByMessageId(d.ImmutableID).CreateReplyAll().Post(ctx, req, &users.ItemMessagesItemCreateReplyAllRequestBuilderPostRequestConfiguration{Headers: immutable()})
	if err != nil {
		t.Fatal(err)
	}
	if !*draft.GetIsDraft() || str(draft.GetConversationId()) != d.ConversationID || len(draft.GetCcRecipients()) != 1 || str(draft.GetSubject()) != "RE: Printer" {
		t.Errorf("draft: isDraft=%v conv=%s cc=%d subject=%s", *draft.GetIsDraft(), str(draft.GetConversationId()), len(draft.GetCcRecipients()), str(draft.GetSubject()))
	}
	if err := messages.ByMessageId(str(draft.GetId())).Send().Post(ctx, nil); err != nil {
		t.Fatal(err)
	}
	sent, err := messages.ByMessageId(str(draft.GetId())).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		Headers:         immutable(),
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{Select: []string{"isDraft", "internetMessageHeaders", "parentFolderId"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *sent.GetIsDraft() || !hasHeader(sent.GetInternetMessageHeaders(), "x-mail2jira", "SUP-7") {
		t.Errorf("sent copy: isDraft=%v headers=%d", *sent.GetIsDraft(), len(sent.GetInternetMessageHeaders()))
	}
	inbox, err := env.emu.Messages(aliceBox, "inbox")
	if err != nil || len(inbox) != 1 || inbox[0].ConversationID != d.ConversationID || inbox[0].UniqueBody != content {
		t.Fatalf("delivered reply = %+v, %v", inbox, err)
	}
	rb := users.NewItemMessagesItemReplyPostRequestBody()
	comment := "thanks"
	rb.SetComment(&comment)
	if err := messages.ByMessageId(d.ImmutableID).Reply().Post(ctx, rb, nil); err != nil {
		t.Fatal(err)
	}
	sm := users.NewItemSendMailPostRequestBody()
	out := models.NewMessage()
	subject := "fresh"
	out.SetSubject(&subject)
	rcpt := models.NewRecipient()
	addr := models.NewEmailAddress()
	a := aliceBox
	addr.SetAddress(&a)
	rcpt.SetEmailAddress(addr)
	out.SetToRecipients([]models.Recipientable{rcpt})
	sm.SetMessage(out)
	if err := env.client.Users().ByUserId(supportBox).SendMail().Post(ctx, sm, nil); err != nil {
		t.Fatal(err)
	}
	inbox, _ = env.emu.Messages(aliceBox, "inbox")
	var subjects []string
	for _, m := range inbox {
		subjects = append(subjects, m.Subject)
	}
	if diff := cmp.Diff([]string{"RE: Printer", "RE: Printer", "fresh"}, subjects); diff != "" {
		t.Errorf("alice's inbox (-want +got)\n%s", diff)
	}
}

func hasHeader(hs []models.InternetMessageHeaderable, name, value string) bool {
	for _, h := range hs {
		if strings.EqualFold(str(h.GetName()), name) && str(h.GetValue()) == value {
			return true
		}
	}
	return false
}

func TestSDKEventMessage(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{})
	in := newMail(aliceBox, supportBox, "Weekly sync")
	in.IsMeeting, in.MessageClass, in.MeetingMessageType = true, "IPM.Schedule.Meeting.Request", "meetingRequest"
	if _, err := env.emu.Deliver(supportBox, in, graphemu.Delivery{}); err != nil {
		t.Fatal(err)
	}
	resp, err := env.client.Users().ByUserId(supportBox).MailFolders().ByMailFolderId("inbox").Messages().Get(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, ok := resp.GetValue()[0].(models.EventMessageable)
	if !ok || ev.GetMeetingMessageType() == nil || ev.GetMeetingMessageType().String() != "meetingRequest" {
		t.Errorf("meeting came back as %T", resp.GetValue()[0])
	}
}

func TestSDKThrottlingAndAuth(t *testing.T) {
	env := newSDKEnv(t, graphemu.Options{Verify: func(bearer string) ([]string, error) {
		return []string{"Mail.ReadWrite"}, nil
	}})
	ctx := ctxT(t)
	folder := env.client.Users().ByUserId(supportBox).MailFolders().ByMailFolderId("inbox").Messages()
	env.emu.InjectFault(graphemu.RouteMessageList, graphemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1})
	if _, err := folder.Get(ctx, nil); err != nil {
		t.Fatalf("the SDK's retry handler should have honoured Retry-After and retried: %v", err)
	}
	st := env.emu.Stats()
	if st.Calls[graphemu.RouteMessageList] != 2 || st.Throttled != 1 {
		t.Errorf("calls %d, throttled %d; want 2 and 1", st.Calls[graphemu.RouteMessageList], st.Throttled)
	}
	env.emu.InjectFault(graphemu.RouteMessageList, graphemu.Fault{Status: 429, RetryAfter: time.Second})
	_, err := folder.Get(ctx, nil)
	status, code, hdrs := odataErr(t, err)
	if status != 429 || code != "TooManyRequests" || len(hdrs.Get("Retry-After")) == 0 || hdrs.Get("Retry-After")[0] != "1" {
		t.Errorf("persistent 429: %d %s %v", status, code, hdrs.Get("Retry-After"))
	}
	env.emu.ClearFaults()
	sm := users.NewItemSendMailPostRequestBody()
	sm.SetMessage(models.NewMessage())
	err = env.client.Users().ByUserId(supportBox).SendMail().Post(ctx, sm, nil)
	if status, code, _ := odataErr(t, err); status != 403 || code != "ErrorAccessDenied" {
		t.Errorf("sendMail without Mail.Send: %d %s", status, code)
	}
}
