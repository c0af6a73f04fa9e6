package eml

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// roundTrip ignores what Write rebuilds by design: the MIME structure (ContentType) and the
// header list, which gains generated fields.
var roundTrip = cmp.Options{
	cmpopts.IgnoreFields(Message{}, "Headers", "ContentType"),
	cmpopts.EquateEmpty(),
}

func TestWriteRoundTripsFixtures(t *testing.T) {
	for _, path := range fixtures(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".eml"), func(t *testing.T) {
			want := parseFile(t, path)
			raw, err := Write(want)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			got, err := Parse(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("Parse(Write(m)): %v\n%s", err, raw)
			}
			if diff := cmp.Diff(want, got, roundTrip); diff != "" {
				t.Errorf("Parse(Write(m)) mismatch (-want +got):\n%s", diff)
			}
			for _, h := range want.Headers {
				if !generated[strings.ToLower(h.Name)] && !containsHeader(got.Headers, h) {
					t.Errorf("header %s: %q was not carried over", h.Name, h.Value)
				}
			}
		})
	}
}

func containsHeader(hs []Header, h Header) bool {
	for _, g := range hs {
		if strings.EqualFold(g.Name, h.Name) && g.Value == h.Value {
			return true
		}
	}
	return false
}

// TestWriteGraphMessage writes a message the way the Graph emulator builds one from a
// sendMail or createReply: no raw MIME, an item attachment given only as a Message.
func TestWriteGraphMessage(t *testing.T) {
	inner := &Message{
		MessageID: "<orig@example.org>", Subject: "Original question",
		From: &Address{"Ann Lee", "ann@example.org"}, To: []Address{{"", "desk@example.com"}},
		Date: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), TextBody: "Is the portal down?\n",
	}
	m := &Message{
		MessageID:   "<AAMk-sent-1@emulator.example>",
		InReplyTo:   "<orig@example.org>",
		References:  []string{"<orig@example.org>"},
		Subject:     "RE: [HD-7] Über das Portal – Antwort",
		From:        &Address{"Service Desk", "desk@example.com"},
		To:          []Address{{"Ann Lee", "ann@example.org"}, {"Łukasz Zieliński", "lukasz@example.org"}},
		Cc:          []Address{{"Doe, John", "john@example.org"}},
		Bcc:         []Address{{"", "audit@example.com"}},
		ReplyTo:     []Address{{"", "desk@example.com"}},
		Date:        time.Date(2025, 3, 2, 9, 30, 0, 0, time.FixedZone("", 3600)),
		Importance:  "high",
		HTMLBody:    "<p>Ticket <b>HD-7</b> created.</p><img src=\"cid:logo@desk\">\n<p>" + strings.Repeat("long line ", 40) + "</p>\n",
		TextBody:    "Ticket HD-7 created.\n",
		ThreadTopic: "[HD-7] Über das Portal",
		Headers: []Header{
			{"X-Mail2Jira-Ticket", "HD-7"},
			{"X-Auto-Response-Suppress", "All"},
			{"Subject", "ignored: generated from the field"},
		},
		IsReadReceiptRequested: true,
		Attachments: []Attachment{
			{Name: "logo.png", ContentType: "image/png", ContentID: "logo@desk", Inline: true, Data: []byte("\x89PNG\r\n\x1a\nfake")},
			{Name: "Bericht für März.pdf", ContentType: "application/pdf", Data: bytes.Repeat([]byte("%PDF-1.4 \x00\xff"), 50)},
			{Name: "Original question", ContentType: "message/rfc822", Message: inner},
		},
	}
	raw, err := Write(m)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line longer than RFC 5322 allows: %d characters", len(line))
		}
	}
	got, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse(Write(m)): %v\n%s", err, raw)
	}
	want := *m
	want.Sender = m.From
	want.MessageClass = ClassNote
	want.UniqueText, want.UniqueHTML = m.TextBody, m.HTMLBody
	wantInner := *inner
	wantInner.Sender, wantInner.Importance, wantInner.MessageClass = inner.From, "normal", ClassNote
	wantInner.UniqueText = inner.TextBody
	want.Attachments = append([]Attachment(nil), m.Attachments...)
	want.Attachments[2].Message = &wantInner
	want.Attachments[2].Data = got.Attachments[2].Data // Write produced these bytes; Parse must read them back as the same mail
	if diff := cmp.Diff(&want, got, roundTrip); diff != "" {
		t.Errorf("Parse(Write(m)) mismatch (-want +got):\n%s", diff)
	}
	for _, h := range []Header{{"X-Mail2Jira-Ticket", "HD-7"}, {"X-Auto-Response-Suppress", "All"}} {
		if !containsHeader(got.Headers, h) {
			t.Errorf("header %v missing from %v", h, got.Headers)
		}
	}
	if got.ContentType != "multipart/mixed" {
		t.Errorf("ContentType = %q, want multipart/mixed", got.ContentType)
	}
}

func TestWriteMinimal(t *testing.T) {
	raw, err := Write(&Message{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("Parse(Write(empty)): %v\n%s", err, raw)
	}
	if m.TextBody != "" || m.From != nil || len(m.Attachments) != 0 || m.MessageClass != ClassNote {
		t.Errorf("Parse(Write(empty)) = %+v", m)
	}
}

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		m    *Message
	}{
		{"nil", nil},
		{"header injection", &Message{Headers: []Header{{"X-Note", "a\r\nBcc: victim@example.com"}}}},
		{"bad header name", &Message{Headers: []Header{{"X Note", "a"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Write(tt.m); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Write error = %v, want errs.ErrInvalid", err)
			}
		})
	}
}

func TestWriteBoundaryAvoidsContent(t *testing.T) {
	attached := func(data string) *Message {
		return &Message{TextBody: "a", HTMLBody: "<p>a</p>", Attachments: []Attachment{
			{Name: "x.eml", ContentType: "message/rfc822", Data: []byte("From: a@example.com\r\n\r\n" + data + "\r\n")},
		}}
	}
	first, err := Write(attached("harmless"))
	if err != nil {
		t.Fatal(err)
	}
	// An attached mail that happens to contain the boundary Write would pick must not break it.
	_, params := parseMediaType(headerOf(t, first, "Content-Type"))
	collision := "--" + params["boundary"] + "--"
	raw, err := Write(attached(collision))
	if err != nil {
		t.Fatal(err)
	}
	_, params2 := parseMediaType(headerOf(t, raw, "Content-Type"))
	if params2["boundary"] == params["boundary"] {
		t.Fatalf("boundary %q reused although the content contains it", params["boundary"])
	}
	got, err := Parse(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got.TextBody != "a" || len(got.Attachments) != 1 || got.Attachments[0].Message == nil ||
		got.Attachments[0].Message.TextBody != collision+"\n" {
		t.Errorf("Parse(Write(m)) = text %q, attachments %+v", got.TextBody, got.Attachments)
	}
}

func headerOf(tb testing.TB, raw []byte, name string) string {
	tb.Helper()
	h, _, err := splitHeader(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return cleanHeaders(h).get(name)
}
