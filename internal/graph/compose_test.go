package graph_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// TestReplyAllDraftThenSend is the processor's acknowledgement: a draft whose ids are
// known before it is sent, sent once, landing in Sent Items with our header.
func TestReplyAllDraftThenSend(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	orig := e.deliver(t, support, newMail("Printer broken"), graphemu.Delivery{})
	r := mail.Reply{
		Subject: "RE: Printer broken [SUP-7]",
		HTML:    "<p>Created SUP-7</p>",
		Headers: []mail.Header{{Name: "x-mail2jira", Value: "SUP-7"}, {Name: "X-Auto-Response-Suppress", Value: "All"}},
	}
	d, err := e.c.CreateReplyAll(ctx, support, orig.ImmutableID, r)
	if err != nil {
		t.Fatal(err)
	}
	if !d.IsDraft || d.ID == "" || d.InternetMessageID == "" || d.ConversationID != orig.ConversationID {
		t.Fatalf("draft = %+v (conversation %s)", d, orig.ConversationID)
	}
	again, err := e.c.Draft(ctx, support, d.ID)
	if err != nil || again != d {
		t.Fatalf("Draft before send = %+v, %v; want %+v", again, err, d)
	}
	if err := e.c.Send(ctx, support, d.ID); err != nil {
		t.Fatal(err)
	}
	sent, err := e.c.Draft(ctx, support, d.ID)
	if err != nil {
		t.Fatalf("the immutable id no longer resolves after send: %v", err)
	}
	want := d
	want.IsDraft = false
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("after send (-want +got)\n%s", diff)
	}
	copyInSent, err := e.c.Message(ctx, support, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := copyInSent.Header("x-mail2jira"); !ok || v != "SUP-7" {
		t.Errorf("sent copy lacks our header: %+v", copyInSent.Headers)
	}
	if copyInSent.Subject != r.Subject || copyInSent.UniqueBody.Content != r.HTML {
		t.Errorf("sent copy: subject %q unique body %q", copyInSent.Subject, copyInSent.UniqueBody.Content)
	}
	snaps, _ := e.Graph.Messages(support, "sentitems")
	if len(snaps) != 1 || snaps[0].ImmutableID != d.ID {
		t.Errorf("sent items = %+v", snaps)
	}
	for _, box := range []string{alice, carol} {
		inbox, _ := e.Graph.Messages(box, "inbox")
		if len(inbox) != 1 || inbox[0].InternetMessageID != d.InternetMessageID {
			t.Errorf("%s's inbox = %+v, want the reply", box, inbox)
		}
	}
	if err := e.c.Send(ctx, support, d.ID); err == nil {
		t.Error("sending a sent message again succeeded")
	}
}

// TestReplyAllWithInlineImages is the comment relay: HTML referring to inline images by
// cid, with our header.
func TestReplyAllWithInlineImages(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	orig := e.deliver(t, support, newMail("Screen flickers"), graphemu.Delivery{})
	files := []graph.File{
		{Name: "shot.png", ContentType: "image/png", ContentID: "<shot1@jira>", Inline: true, Data: []byte("PNGDATA")},
		{Name: "log.txt", ContentType: "text/plain", Data: []byte("log line")},
	}
	r := mail.Reply{HTML: `<p>Jira comment</p><img src="cid:shot1@jira">`, Headers: []mail.Header{{Name: "x-mail2jira-relay", Value: "10042"}}}
	d, err := e.c.CreateReplyAllWith(ctx, support, orig.ImmutableID, r, files)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.Send(ctx, support, d.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Message(ctx, support, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var atts []string
	for _, a := range got.Attachments {
		atts = append(atts, a.Name+" "+a.ContentType+" cid="+a.ContentID+" inline="+boolStr(a.IsInline))
	}
	want := []string{"shot.png image/png cid=shot1@jira inline=true", "log.txt text/plain cid= inline=false"}
	if diff := cmp.Diff(want, atts); diff != "" {
		t.Errorf("attachments (-want +got)\n%s", diff)
	}
	if v, _ := got.Header("x-mail2jira-relay"); v != "10042" {
		t.Errorf("relay header = %q", v)
	}
	r2, err := e.c.AttachmentContent(ctx, support, d.ID, got.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, r2); string(b) != "PNGDATA" {
		t.Errorf("inline image bytes = %q", b)
	}
}

// TestSendMail is the relay's new mail to a reporter who never wrote in.
func TestSendMail(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	ctx := ctxT(t)
	m := graph.NewMail{
		Subject:     "SUP-9: a comment",
		HTML:        `<p>Hello</p><img src="cid:logo">`,
		To:          toAlice(),
		Cc:          []mail.Address{{Address: carol}},
		Headers:     []mail.Header{{Name: "x-mail2jira", Value: "SUP-9"}},
		Attachments: []graph.File{{Name: "logo.png", ContentType: "image/png", ContentID: "logo", Inline: true, Data: []byte("PNG")}},
	}
	if err := e.c.SendMail(ctx, support, m); err != nil {
		t.Fatal(err)
	}
	sent, _ := e.Graph.Messages(support, "sentitems")
	inbox, _ := e.Graph.Messages(alice, "inbox")
	cc, _ := e.Graph.Messages(carol, "inbox")
	if len(sent) != 1 || len(inbox) != 1 || len(cc) != 1 {
		t.Fatalf("sent %d, alice %d, carol %d; want 1 each", len(sent), len(inbox), len(cc))
	}
	got, err := e.c.Message(ctx, alice, inbox[0].ImmutableID)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.Header("x-mail2jira"); v != "SUP-9" || got.Subject != m.Subject || len(got.Attachments) != 1 || got.Attachments[0].ContentID != "logo" {
		t.Errorf("delivered: subject %q headers %+v attachments %+v", got.Subject, got.Headers, got.Attachments)
	}
}

// TestComposeRefusals are refused before any request is sent.
func TestComposeRefusals(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	orig := e.deliver(t, support, newMail("refusals"), graphemu.Delivery{})
	huge := make([]byte, 4<<20)
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"header without x-", func() error {
			_, err := e.c.CreateReplyAll(ctxT(t), support, orig.ImmutableID, mail.Reply{HTML: "x", Headers: []mail.Header{{Name: "Auto-Submitted", Value: "no"}}})
			return err
		}, errs.ErrInvalid},
		{"no recipient", func() error {
			return e.c.SendMail(ctxT(t), support, graph.NewMail{Subject: "x", HTML: "x"})
		}, errs.ErrInvalid},
		{"attachments over the request limit", func() error {
			return e.c.SendMail(ctxT(t), support, graph.NewMail{To: toAlice(), Attachments: []graph.File{{Name: "big", Data: huge}}})
		}, errs.ErrTooLarge},
		{"reply to a message that does not exist", func() error {
			_, err := e.c.CreateReplyAll(ctxT(t), support, "AAMkNoSuchMessage", mail.Reply{HTML: "x"})
			return err
		}, errs.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	st := e.Graph.Stats()
	if n := st.Calls[graphemu.RouteSendMail]; n != 0 {
		t.Errorf("sendMail called %d times for refused input", n)
	}
	if n := st.Calls[graphemu.RouteCreateReplyAll]; n != 1 {
		t.Errorf("createReplyAll called %d times, want 1 (only the unknown message)", n)
	}
	drafts, _ := e.Graph.Messages(support, "drafts")
	if slices.ContainsFunc(drafts, func(s graphemu.Snapshot) bool { return s.Subject != "" }) {
		t.Errorf("refused input left drafts: %+v", drafts)
	}
}
