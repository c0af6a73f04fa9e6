package eml

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// summary is the part of a Message each fixture is about, written by hand so that the
// golden files cannot drift unnoticed.
type summary struct {
	Subject      string
	From         string
	MessageClass string
	IsMeeting    bool
	Importance   string
	InReplyTo    string
	Attachments  []string // name|content type|inline|cid, and ">subject" for an attached message
	Unique       string   // UniqueText, or the text of UniqueHTML when there is no text body
}

func summarize(m *Message) summary {
	s := summary{Subject: m.Subject, MessageClass: m.MessageClass, IsMeeting: m.IsMeeting,
		Importance: m.Importance, InReplyTo: m.InReplyTo, Unique: m.UniqueText}
	if m.From != nil {
		s.From = m.From.Name + " <" + m.From.Address + ">"
	}
	if m.TextBody == "" {
		s.Unique = htmlText(m.UniqueHTML)
	}
	for _, a := range m.Attachments {
		line := a.Name + "|" + a.ContentType
		if a.Inline {
			line += "|inline"
		}
		if a.ContentID != "" {
			line += "|cid:" + a.ContentID
		}
		if a.Message != nil {
			line += "|>" + a.Message.Subject
		}
		s.Attachments = append(s.Attachments, line)
	}
	return s
}

// htmlText is a crude tag stripper, enough to compare the words of a unique HTML body.
func htmlText(h string) string {
	var b strings.Builder
	in := false
	for _, r := range h {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestParseFixtures(t *testing.T) {
	tests := map[string]summary{
		"plain-text": {
			Subject: "Printer on floor 3 jams every morning", From: "Alice Martin <alice.martin@example.org>",
			MessageClass: ClassNote, Importance: "normal",
			Unique: "Hello,\n\nthe printer next to room 3.14 jams on the first job every morning.\nAfter clearing the tray it works until the next day.\n\nThanks,\nAlice\n",
		},
		"html-only": {
			Subject: "VPN error 809", From: "Keller, Bob <bob.keller@example.net>",
			MessageClass: ClassNote, Importance: "high",
			Unique: "p{margin:0} Hi team,The VPN portal shows error 809 since this morning. Steps: open the portal, sign in, wait. Windows 11Client 5.2 Regards,Bob",
		},
		"outlook-inline-image": {
			Subject: "Outlook crashes on shared calendar", From: "Carla Nguyen <carla.nguyen@example.com>",
			MessageClass: ClassNote, Importance: "normal",
			Attachments: []string{
				"image001.png|image/png|inline|cid:image001.png@01DB8C2A.5E1F3B40",
				"image002.png|image/png|inline|cid:image002.png@01DB8C2A.5E1F3B40",
				"image003.png|image/png|inline|cid:image003.png@01DB8C2A.5E1F3B40",
			},
			Unique: "Hello,\n\nOutlook crashes when I open the shared calendar, see the screenshot.\n\nBest regards\nCarla Nguyen\nFacilities | Example Corp\n",
		},
		"alternative": {
			Subject: "MFA reset please", From: "Dana Weiss <dana.weiss@example.org>",
			MessageClass: ClassNote, Importance: "normal",
			Unique: "Hi,\n\ncould you reset the MFA device for my account? I got a new phone.\n\n-- \nDana Weiss\n",
		},
		"windows-1252": {
			Subject: "Facture erronée – clôture", From: "François Lévesque <francois.levesque@example.fr>",
			MessageClass: ClassNote, Importance: "high",
			Unique: "Bonjour,\n\nla facture n° 2025-118 indique 1 250 € au lieu de 1 150 € – pouvez-vous vérifier ?\nC’est urgent pour la clôture.\n\nCordialement,\nFrançois Lévesque\n",
		},
		"iso-2022-jp": {
			Subject: "プロジェクターの不具合", From: "山田 太郎 <yamada@example.jp>",
			MessageClass: ClassNote, Importance: "normal",
			Unique: "サービスデスク御中\n\n会議室のプロジェクターが映りません。\nご確認をお願いします。\n\n山田\n",
		},
		"encoded-subject": {
			Subject:      "AW: [Finanzen] Überweisung fehlgeschlagen für Konto 4711 – bitte prüfen (Ticket 99)",
			From:         "Jürgen Müller <juergen.mueller@example.de>",
			MessageClass: ClassNote, Importance: "normal",
			Unique: "Die Überweisung ist wieder fehlgeschlagen.\n",
		},
		"attachments": {
			Subject: "Contract and change requests", From: "Erik Sand <erik.sand@example.org>",
			MessageClass: ClassNote, Importance: "normal",
			Attachments: []string{
				"Contract 2025-03.pdf|application/pdf",
				"Übersicht der Änderungsanträge für das Geschäftsjahr 2025 – endgültige Fassung.xlsx|application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			},
			Unique: "Please find the signed contract and the change requests attached.\n",
		},
		"forward-attached": {
			Subject: "FW: Invoice 8842 overdue", From: "Erik Sand <erik.sand@example.org>",
			MessageClass: ClassNote, Importance: "normal",
			Attachments: []string{"Invoice 8842 overdue|message/rfc822|>Invoice 8842 overdue"},
			Unique:      "Can someone check whether we paid this? Original attached.",
		},
		"outlook-reply": {
			Subject: "RE: [HD-42] Printer on floor 3 jams every morning", From: "Alice Martin <alice.martin@example.org>",
			MessageClass: ClassNote, Importance: "normal", InReplyTo: "<reply-hd42@servicedesk.example.com>",
			Unique: "Hi Service Desk,\n\nthe printer still jams, also this morning.\n\nAlice",
		},
		"gmail-reply": {
			Subject: "Re: [HD-43] Token not accepted", From: "Priya Raman <priya.raman@example.net>",
			MessageClass: ClassNote, Importance: "normal", InReplyTo: "<20250305102000.hd43@servicedesk.example.com>",
			Unique: "Thanks, the new token works.",
		},
		"exchange-oof": {
			Subject: "Automatic reply: [HD-44] Badge reader at gate B", From: "Carla Nguyen <carla.nguyen@example.com>",
			MessageClass: ClassOutOfOffice, Importance: "normal", InReplyTo: "<hd44-created@servicedesk.example.com>",
			Unique: "I am out of the office until 17 March with limited access to email.\nFor urgent matters please contact facilities@example.com.\n",
		},
		"auto-reply-headers": {
			Subject: "We received your message [#88213]", From: "Helpdesk Robot <noreply@vendor.example.net>",
			MessageClass: ClassNote, Importance: "normal",
			Unique: "Thank you for contacting us. Your reference is #88213.\nA support engineer will get back to you within two business days.\n",
		},
		"bounce": {
			Subject: "Undelivered Mail Returned to Sender", From: "Mail Delivery System <MAILER-DAEMON@mail.example.org>",
			MessageClass: ClassNDR, Importance: "normal",
			Attachments: []string{"ATT00001.txt|text/rfc822-headers"},
			Unique:      "This is the mail system at host mail.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<former.employee@example.org>: host mailstore.example.org said: 550 5.1.1\n    User unknown\n",
		},
		"read-receipt": {
			Subject: "Read: [HD-42] Printer on floor 3 jams every morning", From: "Alice Martin <alice.martin@example.org>",
			MessageClass: ClassReadReceipt, Importance: "normal",
			Unique: "Your message\n\n  To: Alice Martin\n  Subject: [HD-42] Printer on floor 3 jams every morning\n  Sent: Monday, March 3, 2025 10:02 AM\n\nwas read on Tuesday, March 4, 2025 9:30 AM.",
		},
		"meeting-request": {
			Subject: "Ticket review Q1", From: "Mark Olsen <mark.olsen@example.org>",
			MessageClass: ClassMeetingRequest, IsMeeting: true, Importance: "normal",
			Unique: "Quarterly review of open tickets.\n",
		},
		"recall": {
			Subject: "Recall: Ticket review Q1", From: "Mark Olsen <mark.olsen@example.org>",
			MessageClass: ClassRecall, Importance: "normal",
			Unique: "Mark Olsen would like to recall the message, \"Ticket review Q1\".\n",
		},
	}
	seen := map[string]bool{}
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			want, ok := tests[name]
			if !ok {
				t.Fatalf("fixture %s has no expectation in TestParseFixtures", name)
			}
			if diff := cmp.Diff(want, summarize(parseFile(t, path))); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for name := range tests {
		if !seen[name] {
			t.Errorf("expectation %s has no fixture testdata/%s.eml", name, name)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	m := parseFile(t, filepath.Join("testdata", "outlook-reply.eml"))
	want := []Header{
		{"From", "Alice Martin <alice.martin@example.org>"},
		{"To", "Service Desk <servicedesk@example.com>"},
		{"CC", `"Olsen, Mark" <mark.olsen@example.org>`},
		{"Subject", "RE: [HD-42] Printer on floor 3 jams every morning"},
		{"Thread-Topic", "[HD-42] Printer on floor 3 jams every morning"},
		{"Thread-Index", "AQHbjCpeHztA5h3CtUfKulbwN50vWLNhZ8Aw"},
		{"Date", "Tue, 4 Mar 2025 08:47:19 +0000"},
		{"Message-ID", "<DB9PR07MB1111F00D@DB9PR07MB1111.eurprd07.prod.outlook.example>"},
		{"References", "<20250303091240.4471@mail.example.org> <reply-hd42@servicedesk.example.com>"},
		{"In-Reply-To", "<reply-hd42@servicedesk.example.com>"},
		{"Accept-Language", "en-US"},
		{"Content-Language", "en-US"},
		{"X-MS-Has-Attach", ""},
		{"X-MS-TNEF-Correlator", ""},
		{"Content-Type", "multipart/alternative;\tboundary=\"_000_DB9PR07MB1111F00DDB9PR07MB1111eurp_\""},
		{"MIME-Version", "1.0"},
	}
	if diff := cmp.Diff(want, m.Headers); diff != "" {
		t.Errorf("Headers (-want +got):\n%s", diff)
	}
	if m.ThreadIndex != "AQHbjCpeHztA5h3CtUfKulbwN50vWLNhZ8Aw" || len(m.References) != 2 {
		t.Errorf("ThreadIndex %q References %q", m.ThreadIndex, m.References)
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		name, mail, wantErr string
	}{
		{"empty", "", "empty message"},
		{"blank", "\r\n\r\n", "empty message"},
		{"no header", "\r\njust a body\r\n", "no header fields"},
		{"not a header", "this is not mail\r\nat all\r\n", "is not a header field"},
		{"bad field name", "Sub ject: hi\r\n\r\nbody", "is not a header field"},
		{"multipart without boundary", "From: a@example.com\r\nContent-Type: multipart/mixed\r\n\r\nbody", "without a boundary"},
		{"boundary never used", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\nno parts here", "no part delimited"},
		{"sandbox class with a trailing period", "From: a@example.com\r\nX-Sandbox-Message-Class: IPM.Note.\r\n\r\nx", "is not a message class"},
		{"nested too deep", deepMultipart(maxDepth + 2), "nested more than"},
		{"attached too deep", deepAttached(maxDepth + 2), "deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.mail))
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("Parse error = %v, want errs.ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse error = %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func deepMultipart(n int) string {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\n")
	for i := 0; i < n; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) + "\r\n\r\n--b" + strings.Repeat("x", i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	return b.String()
}

func deepAttached(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString("From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n")
	}
	b.WriteString("From: a@example.com\r\n\r\ndeep\r\n")
	return b.String()
}

func TestParseLenient(t *testing.T) {
	tests := []struct {
		name  string
		mail  string
		check func(*testing.T, *Message)
	}{
		{"LF line endings and an mbox From line", "From alice@example.org Mon Mar  3 09:12:40 2025\nFrom: alice@example.org\nSubject: hi\n  there\n\nline one\nline two\n",
			func(t *testing.T, m *Message) {
				expect(t, "Subject", m.Subject, "hi  there")
				expect(t, "TextBody", m.TextBody, "line one\nline two\n")
			}},
		{"missing close delimiter", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\ncut off here",
			func(t *testing.T, m *Message) { expect(t, "TextBody", m.TextBody, "cut off here") }},
		{"part without headers", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nno headers, just text\r\n--zz--\r\n",
			func(t *testing.T, m *Message) { expect(t, "TextBody", m.TextBody, "no headers, just text") }},
		{"broken base64 decodes as far as it goes", "From: a@example.com\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8g!!d29y\r\nbGQ=garbage",
			func(t *testing.T, m *Message) { expect(t, "TextBody", m.TextBody, "hello world") }},
		{"unknown charset falls back", "From: a@example.com\r\nContent-Type: text/plain; charset=x-unheard-of\r\n\r\ncaf\xe9",
			func(t *testing.T, m *Message) { expect(t, "TextBody", m.TextBody, "café") }},
		{"raw 8-bit header", "From: =?utf-8?q?Ren=C3=A9?= <rene@example.com>\r\nSubject: Caf\xe9 cr\xe8me\r\n\r\nx",
			func(t *testing.T, m *Message) {
				expect(t, "Subject", m.Subject, "Café crème")
				expect(t, "From.Name", m.From.Name, "René")
			}},
		{"sloppy address list", "From: a@example.com\r\nTo: Doe, John <john.doe@example.com>, jane@example.com (Jane Roe), undisclosed-recipients:;\r\n\r\nx",
			func(t *testing.T, m *Message) {
				want := []Address{{"Doe, John", "john.doe@example.com"}, {"Jane Roe", "jane@example.com"}}
				if diff := cmp.Diff(want, m.To); diff != "" {
					t.Errorf("To (-want +got):\n%s", diff)
				}
			}},
		{"ids without brackets and a bad date", "From: a@example.com\r\nMessage-ID: abc@example.com\r\nReferences: x@example.com, y@example.com\r\nDate: yesterday\r\n\r\nx",
			func(t *testing.T, m *Message) {
				expect(t, "MessageID", m.MessageID, "<abc@example.com>")
				if diff := cmp.Diff([]string{"<x@example.com>", "<y@example.com>"}, m.References); diff != "" {
					t.Errorf("References (-want +got):\n%s", diff)
				}
				if !m.Date.IsZero() {
					t.Errorf("Date = %v, want zero", m.Date)
				}
			}},
		{"receipts requested", "From: a@example.com\r\nDisposition-Notification-To: a@example.com\r\nReturn-Receipt-To: a@example.com\r\n\r\nx",
			func(t *testing.T, m *Message) {
				if !m.IsReadReceiptRequested || !m.IsDeliveryReceiptRequested {
					t.Errorf("IsReadReceiptRequested %v IsDeliveryReceiptRequested %v", m.IsReadReceiptRequested, m.IsDeliveryReceiptRequested)
				}
			}},
		{"explicit Sender", "From: Boss <boss@example.com>\r\nSender: Assistant <assistant@example.com>\r\n\r\nx",
			func(t *testing.T, m *Message) { expect(t, "Sender", m.Sender.Address, "assistant@example.com") }},
		{"later text parts in mixed are attachments", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--zz\r\nContent-Type: image/gif\r\nContent-Disposition: inline\r\n\r\nGIF89a\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>second</p>\r\n--zz--\r\n",
			func(t *testing.T, m *Message) {
				expect(t, "TextBody", m.TextBody, "first")
				expect(t, "HTMLBody", m.HTMLBody, "")
				got := summarize(m).Attachments
				if diff := cmp.Diff([]string{"ATT00001.gif|image/gif|inline", "ATT00002.htm|text/html"}, got); diff != "" {
					t.Errorf("Attachments (-want +got):\n%s", diff)
				}
			}},
		{"related with start parameter", "From: a@example.com\r\nContent-Type: multipart/related; boundary=zz; start=\"<root@x>\"\r\n\r\n--zz\r\nContent-Type: image/png\r\nContent-ID: <img@x>\r\n\r\nPNG\r\n--zz\r\nContent-Type: text/html\r\nContent-ID: <root@x>\r\n\r\n<img src=\"cid:img@x\">\r\n--zz--\r\n",
			func(t *testing.T, m *Message) {
				expect(t, "HTMLBody", m.HTMLBody, "<img src=\"cid:img@x\">")
				if len(m.Attachments) != 1 || !m.Attachments[0].Inline || m.Attachments[0].ContentID != "img@x" {
					t.Errorf("Attachments = %+v, want one inline img@x", m.Attachments)
				}
			}},
		{"cid reference makes an attachment inline", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/html\r\n\r\n<img src=\"CID:Logo@X\">\r\n--zz\r\nContent-Type: image/png; name=logo.png\r\nContent-Disposition: attachment\r\nContent-ID: <logo@x>\r\n\r\nPNG\r\n--zz--\r\n",
			func(t *testing.T, m *Message) {
				if len(m.Attachments) != 1 || !m.Attachments[0].Inline {
					t.Errorf("Attachments = %+v, want logo.png inline", m.Attachments)
				}
			}},
		{"Apple Mail: HTML split around an attachment inside an alternative", "From: a@example.com\r\nContent-Type: multipart/alternative; boundary=aa\r\n\r\n--aa\r\nContent-Type: text/plain\r\n\r\nhello [doc.pdf] bye\r\n--aa\r\nContent-Type: multipart/mixed; boundary=mm\r\n\r\n--mm\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--mm\r\nContent-Type: application/pdf; name=doc.pdf\r\nContent-Disposition: inline; filename=doc.pdf\r\n\r\n%PDF\r\n--mm\r\nContent-Type: text/html\r\n\r\n<p>bye</p>\r\n--mm--\r\n--aa--\r\n",
			func(t *testing.T, m *Message) {
				expect(t, "TextBody", m.TextBody, "hello [doc.pdf] bye")
				expect(t, "HTMLBody", m.HTMLBody, "<p>hello</p>")
				if diff := cmp.Diff([]string{"doc.pdf|application/pdf|inline", "ATT00001.htm|text/html"}, summarize(m).Attachments); diff != "" {
					t.Errorf("Attachments (-want +got):\n%s", diff)
				}
			}},
		{"a bare calendar is the meeting, a named one a file", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nMETHOD:REQUEST\r\n--zz\r\nContent-Type: text/calendar; name=invite.ics\r\n\r\nMETHOD:REQUEST\r\n--zz--\r\n",
			func(t *testing.T, m *Message) {
				expect(t, "MessageClass", m.MessageClass, ClassMeetingRequest)
				if diff := cmp.Diff([]string{"invite.ics|text/calendar"}, summarize(m).Attachments); diff != "" {
					t.Errorf("Attachments (-want +got):\n%s", diff)
				}
			}},
		{"unreadable attached message stays a file", "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--zz\r\nContent-Type: message/rfc822\r\n\r\nnot a mail at all\r\n--zz--\r\n",
			func(t *testing.T, m *Message) {
				if len(m.Attachments) != 1 || m.Attachments[0].Message != nil || m.Attachments[0].Name != "ATT00001.eml" {
					t.Errorf("Attachments = %+v, want one unparsed ATT00001.eml", m.Attachments)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.mail))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tt.check(t, m)
		})
	}
}

func expect(t *testing.T, field, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func TestImportance(t *testing.T) {
	tests := []struct {
		header string
		want   string
	}{
		{"", "normal"},
		{"Importance: High", "high"},
		{"Importance: low", "low"},
		{"Importance: bogus\r\nX-Priority: 2", "high"},
		{"X-Priority: 1 (Highest)", "high"},
		{"X-Priority: 5 (Lowest)", "low"},
		{"X-Priority: 3 (Normal)\r\nPriority: urgent", "normal"},
		{"Priority: urgent", "high"},
		{"Priority: non-urgent", "low"},
		{"X-MSMail-Priority: High", "high"},
		{"Importance: normal\r\nX-Priority: 1", "normal"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			mail := "From: a@example.com\r\n"
			if tt.header != "" {
				mail += tt.header + "\r\n"
			}
			m, err := Parse(strings.NewReader(mail + "\r\nx"))
			if err != nil {
				t.Fatal(err)
			}
			expect(t, "Importance", m.Importance, tt.want)
		})
	}
}
