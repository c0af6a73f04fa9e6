package graph_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// TestMessageAllFields checks every field the processor reads arrives in mail.Message.
func TestMessageAllFields(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	in := newMail("fields")
	in.Bcc = []eml.Address{{Name: "Hidden", Address: "hidden@fabrikam.test"}}
	in.MessageClass = "IPM.Note.Rules.OofTemplate.Microsoft"
	in.Attachments = []eml.Attachment{
		{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7")},
		{Name: "logo.png", ContentType: "image/png", ContentID: "logo1", Inline: true, Data: []byte("PNG")},
		{Name: "fwd", ContentType: "message/rfc822", Message: newMail("inner")},
	}
	d := e.deliver(t, support, in, graphemu.Delivery{References: []string{"plan.docx"}})
	got, err := e.c.Message(ctxT(t), support, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	snap, _ := e.Graph.Messages(support, "inbox")
	want := &mail.Message{
		ID:                d.ImmutableID,
		InternetMessageID: in.MessageID,
		ConversationID:    d.ConversationID,
		Subject:           "fields",
		From:              mail.Address{Name: "Alice", Address: alice},
		Sender:            mail.Address{Name: "Alice", Address: alice},
		To:                []mail.Address{{Name: "Support", Address: support}},
		Cc:                []mail.Address{{Name: "Carol", Address: carol}},
		Bcc:               []mail.Address{{Name: "Hidden", Address: "hidden@fabrikam.test"}},
		ReplyTo:           []mail.Address{{Address: alice}},
		Received:          snap[0].ReceivedAt.UTC().Truncate(time.Second),
		Body:              mail.Body{ContentType: "html", Content: in.HTMLBody},
		UniqueBody:        mail.Body{ContentType: "html", Content: in.UniqueHTML},
		Importance:        "high",
		Headers:           []mail.Header{{Name: "Subject", Value: "fields"}, {Name: "X-Custom", Value: "kept"}},
		MessageClass:      "IPM.Note.Rules.OofTemplate.Microsoft",
		Mailbox:           support,
		Attachments: []mail.Attachment{
			{Kind: mail.FileAttachment, Name: "report.pdf", ContentType: "application/pdf"},
			{Kind: mail.FileAttachment, Name: "logo.png", ContentType: "image/png", ContentID: "logo1", IsInline: true},
			{Kind: mail.ItemAttachment, Name: "fwd", ContentType: "message/rfc822"},
			{Kind: mail.ReferenceAttachment, Name: "plan.docx"},
		},
	}
	got.Received = got.Received.Truncate(time.Second)
	opts := cmpopts.IgnoreFields(mail.Attachment{}, "ID", "Size", "ContentType")
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("message (-want +got)\n%s", diff)
	}
	for _, a := range got.Attachments {
		if a.ID == "" || (a.Kind == mail.FileAttachment && a.Size <= 0) {
			t.Errorf("attachment %q: id %q size %d", a.Name, a.ID, a.Size)
		}
	}
}

// TestMessageCorpus delivers every .eml of the emulator's corpus and checks what the
// classifier relies on survives the trip: class, meeting flag, headers, attachments.
func TestMessageCorpus(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	files, err := filepath.Glob(filepath.Join("..", "emulator", "eml", "testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := eml.Parse(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			d := e.deliver(t, support, parsed, graphemu.Delivery{Raw: raw})
			got, err := e.c.Message(ctxT(t), support, d.ImmutableID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(summaryOfEML(parsed), summaryOf(got)); diff != "" {
				t.Errorf("message (-want +got)\n%s", diff)
			}
			r, err := e.c.MessageMIME(ctxT(t), support, d.ImmutableID)
			if err != nil {
				t.Fatal(err)
			}
			mime := readAll(t, r)
			if !bytes.Equal(mime, raw) {
				t.Errorf("MIME differs from the delivered mail: %d bytes, want %d", len(mime), len(raw))
			}
		})
	}
}

type summary struct {
	Subject, InternetMessageID, From, MessageClass, Importance string
	IsEvent                                                    bool
	Headers                                                    int
	Attachments                                                []string
}

func summaryOfEML(m *eml.Message) summary {
	s := summary{Subject: m.Subject, InternetMessageID: m.MessageID, MessageClass: m.MessageClass,
		Importance: m.Importance, IsEvent: m.IsMeeting, Headers: len(m.Headers)}
	if m.From != nil {
		s.From = m.From.Address
	}
	if s.Importance == "" {
		s.Importance = "normal"
	}
	for _, a := range m.Attachments {
		kind := "file"
		if a.Message != nil {
			kind = "item"
		}
		s.Attachments = append(s.Attachments, kind+" "+a.Name+" inline="+boolStr(a.Inline)+" cid="+a.ContentID)
	}
	return s
}

func summaryOf(m *mail.Message) summary {
	s := summary{Subject: m.Subject, InternetMessageID: m.InternetMessageID, From: m.From.Address,
		MessageClass: m.MessageClass, Importance: m.Importance, IsEvent: m.IsEventMessage, Headers: len(m.Headers)}
	for _, a := range m.Attachments {
		s.Attachments = append(s.Attachments, string(a.Kind)+" "+a.Name+" inline="+boolStr(a.IsInline)+" cid="+a.ContentID)
	}
	return s
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func readAll(t *testing.T, r io.ReadCloser) []byte {
	t.Helper()
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAttachmentContent streams each kind of attachment through /$value.
func TestAttachmentContent(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, streamed not buffered in JSON
	in := newMail("attachments")
	in.Attachments = []eml.Attachment{
		{Name: "big.bin", ContentType: "application/octet-stream", Data: big},
		{Name: "logo.png", ContentType: "image/png", ContentID: "logo1", Inline: true, Data: []byte("PNG")},
		{Name: "fwd", ContentType: "message/rfc822", Message: newMail("inner")},
	}
	d := e.deliver(t, support, in, graphemu.Delivery{References: []string{"plan.docx"}})
	m, err := e.c.Message(ctxT(t), support, d.ImmutableID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, a := range m.Attachments {
		ids[a.Name] = a.ID
	}
	tests := []struct {
		name    string
		check   func([]byte) bool
		wantErr error
	}{
		{"big.bin", func(b []byte) bool { return bytes.Equal(b, big) }, nil},
		{"logo.png", func(b []byte) bool { return string(b) == "PNG" }, nil},
		{"fwd", func(b []byte) bool { return strings.Contains(string(b), "Subject: inner") }, nil},
		{"plan.docx", nil, errs.ErrInvalid}, // a reference attachment has no bytes (405)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := e.c.AttachmentContent(ctxT(t), support, d.ImmutableID, ids[tt.name])
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AttachmentContent = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if b := readAll(t, r); !tt.check(b) {
				t.Errorf("content of %s: %d bytes, unexpected", tt.name, len(b))
			}
		})
	}
	if _, err := e.c.AttachmentContent(ctxT(t), support, d.ImmutableID, "AAMkAttNoSuchOne"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown attachment = %v, want ErrNotFound", err)
	}
	if n := e.c.Limiter().InFlight(support); n != 0 {
		t.Errorf("%d requests still hold a slot after their bodies were closed", n)
	}
}

// TestImmutableIDSurvivesMove reads a message by the id it had before a move.
func TestImmutableIDSurvivesMove(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	d := e.deliver(t, support, newMail("moving"), graphemu.Delivery{})
	before, err := e.c.Message(ctxT(t), support, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := e.Graph.Move(support, d.ID, "deleteditems")
	if err != nil {
		t.Fatal(err)
	}
	if moved.ID == d.ID {
		t.Fatal("the emulator kept the ordinary id across the move")
	}
	after, err := e.c.Message(ctxT(t), support, before.ID)
	if err != nil {
		t.Fatalf("read by immutable id after move: %v", err)
	}
	if after.ID != d.ImmutableID || after.InternetMessageID != before.InternetMessageID {
		t.Errorf("after move: id %q (want %q)", after.ID, d.ImmutableID)
	}
	if _, err := e.c.Message(ctxT(t), support, d.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("old ordinary id = %v, want ErrNotFound", err)
	}
}

// TestEveryRequestPrefersImmutableIDs looks at the wire below the SDK's middleware.
func TestEveryRequestPrefersImmutableIDs(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	rec := &recorder{}
	o := e.Options()
	o.Transport = rec.transport()
	c := e.Client(t, o)
	ctx := ctxT(t)
	d := e.deliver(t, support, newMail("prefer"), graphemu.Delivery{})
	if _, err := c.Message(ctx, support, d.ID); err != nil {
		t.Fatal(err)
	}
	r, err := c.MessageMIME(ctx, support, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, r)
	if _, err := c.MessageDelta(ctx, ingest.DeltaRequest{Mailbox: support, Folder: "inbox", PageSize: 5}); err != nil {
		t.Fatal(err)
	}
	draft, err := c.CreateReplyAll(ctx, support, d.ID, mail.Reply{HTML: "<p>ok</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Send(ctx, support, draft.ID); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) < 5 {
		t.Fatalf("saw %d requests", len(reqs))
	}
	for _, r := range reqs {
		if !strings.Contains(strings.Join(r.Header.Values("Prefer"), ","), `IdType="ImmutableId"`) {
			t.Errorf("%s %s without the immutable id preference: %v", r.Method, r.URL.Path, r.Header.Values("Prefer"))
		}
		if r.Header.Get("Authorization") == "" {
			t.Errorf("%s %s without a token", r.Method, r.URL.Path)
		}
		if r.Method == "POST" && r.ContentLength > 0 && r.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s %s body not gzipped (the SDK's default, which the emulator accepts)", r.Method, r.URL.Path)
		}
	}
}
