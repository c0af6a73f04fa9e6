package eml

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the parser's output")

// golden is the JSON form of a Message: every field, attachment bytes as size and digest.
type golden struct {
	MessageID                  string
	InReplyTo                  string
	References                 []string
	ThreadIndex                string
	ThreadTopic                string
	Subject                    string
	From                       *Address
	Sender                     *Address
	ReplyTo                    []Address
	To                         []Address
	Cc                         []Address
	Bcc                        []Address
	Date                       string
	Importance                 string
	ContentType                string
	MessageClass               string
	IsMeeting                  bool
	MeetingMessageType         string
	IsReadReceiptRequested     bool
	IsDeliveryReceiptRequested bool
	TextBody                   string
	HTMLBody                   string
	UniqueText                 string
	UniqueHTML                 string
	Attachments                []goldenAttachment
	Headers                    []Header
}

type goldenAttachment struct {
	Name        string
	ContentType string
	ContentID   string
	Inline      bool
	Size        int
	SHA256      string
	Message     *golden
}

func toGolden(m *Message) *golden {
	g := &golden{
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, References: m.References,
		ThreadIndex: m.ThreadIndex, ThreadTopic: m.ThreadTopic, Subject: m.Subject,
		From: m.From, Sender: m.Sender, ReplyTo: m.ReplyTo, To: m.To, Cc: m.Cc, Bcc: m.Bcc,
		Importance: m.Importance, ContentType: m.ContentType, MessageClass: m.MessageClass,
		IsMeeting: m.IsMeeting, MeetingMessageType: m.MeetingMessageType,
		IsReadReceiptRequested: m.IsReadReceiptRequested, IsDeliveryReceiptRequested: m.IsDeliveryReceiptRequested,
		TextBody: m.TextBody, HTMLBody: m.HTMLBody, UniqueText: m.UniqueText, UniqueHTML: m.UniqueHTML,
		Headers: m.Headers,
	}
	if !m.Date.IsZero() {
		g.Date = m.Date.Format(time.RFC3339)
	}
	for _, a := range m.Attachments {
		sum := sha256.Sum256(a.Data)
		ga := goldenAttachment{Name: a.Name, ContentType: a.ContentType, ContentID: a.ContentID,
			Inline: a.Inline, Size: len(a.Data), SHA256: hex.EncodeToString(sum[:8])}
		if a.Message != nil {
			ga.Message = toGolden(a.Message)
		}
		g.Attachments = append(g.Attachments, ga)
	}
	return g
}

func fixtures(tb testing.TB) []string {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(names) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	return names
}

func parseFile(tb testing.TB, path string) *Message {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := Parse(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("Parse(%s): %v", path, err)
	}
	return m
}

// TestGolden compares every field of every fixture with testdata/golden/<name>.json.
func TestGolden(t *testing.T) {
	for _, path := range fixtures(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".eml")
		t.Run(name, func(t *testing.T) {
			got := toGolden(parseFile(t, path))
			goldenPath := filepath.Join("testdata", "golden", name+".json")
			if *update {
				writeGolden(t, goldenPath, got)
			}
			raw, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			var want golden
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

func writeGolden(tb testing.TB, path string, g *golden) {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}
