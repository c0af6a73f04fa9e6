package mail

import (
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSummary(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name, subject, want string
	}{
		{"plain", "Printer broken", "Printer broken"},
		{"re", "RE: Printer broken", "Printer broken"},
		{"repeated any case", "Re: FW: fwd: re:Printer", "Printer"},
		{"german and nordic", "AW: WG: SV: Drucker", "Drucker"},
		{"french", "TR: Imprimante", "Imprimante"},
		{"counter", "RE[2]: Printer", "Printer"},
		{"full-width colon", "RE：Printer", "Printer"},
		{"tag kept", "[EXTERNAL] RE: Printer", "[EXTERNAL] RE: Printer"},
		{"prefix before tag", "RE: [EXTERNAL] Printer", "[EXTERNAL] Printer"},
		{"word starting like a prefix", "Return policy", "Return policy"},
		{"whitespace", "  RE:   Printer \t on\nfloor 3 ", "Printer on floor 3"},
		{"empty", "", NoSubject},
		{"only prefixes", "RE: FW: ", NoSubject},
		{"long", long, strings.Repeat("é", 254) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Summary(tt.subject)); diff != "" {
				t.Errorf("Summary(%q) (-want +got):\n%s", tt.subject, diff)
			}
		})
	}
}

func TestSummaryLimitCountsJavaChars(t *testing.T) {
	s := Summary(strings.Repeat("😀", 200)) // each emoji is two UTF-16 units
	if n := len(utf16.Encode([]rune(s))); n > MaxSummary {
		t.Errorf("summary has %d UTF-16 units, want at most %d", n, MaxSummary)
	}
	if !utf8.ValidString(s) || !strings.HasSuffix(s, "…") {
		t.Errorf("summary %q is not a clean cut", s)
	}
}

func TestSubjectKeys(t *testing.T) {
	tests := []struct {
		subject string
		want    []string
	}{
		{"RE: [SUP-12] Printer", []string{"SUP-12"}},
		{"sup-12 and OPS-3, again SUP-12", []string{"SUP-12", "OPS-3"}},
		{"ISO-8859-1 is not a ticket? it matches the shape", []string{"ISO-8859"}},
		{"no keys here", nil},
		{"SUP-0 is not a key", nil},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SubjectKeys(tt.subject)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplySubject(t *testing.T) {
	tests := []struct{ key, subject, want string }{
		{"SUP-1", "Printer broken", "RE: [SUP-1] Printer broken"},
		{"SUP-1", "FW: Printer broken", "RE: [SUP-1] Printer broken"},
		{"SUP-1", "", "RE: [SUP-1] " + NoSubject},
		{"SUP-1", "[SUP-1] Printer", "RE: [SUP-1] Printer"},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ReplySubject(tt.key, tt.subject)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestStripQuotedText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"outlook original message", "Thanks, works now.\r\n\r\n-----Original Message-----\r\nFrom: Support\r\nold text", "Thanks, works now."},
		{"outlook header block", "Done.\n\n________________________________\nFrom: Support <support@contoso.com>\nSent: Monday", "Done."},
		{"from line", "Done.\n\nFrom: Support <support@contoso.com>\nSent: Monday\nold", "Done."},
		{"gmail wrote", "Yes.\n\nOn Mon, 2 Mar 2026 at 10:00, Support <support@contoso.com> wrote:\n> old", "Yes."},
		{"german", "Ja.\n\nAm 02.03.2026 um 10:00 schrieb Support:\n> alt", "Ja."},
		{"quoted lines inline", "Answer one\n> question two\nAnswer two", "Answer one\nAnswer two"},
		{"signature", "See attached.\n-- \nAnn Lee\nFabrikam", "See attached."},
		{"mobile tagline", "OK\n\nSent from my iPhone", "OK"},
		{"nothing to strip", "Line one\nLine two", "Line one\nLine two"},
		{"from line at the end is text", "Please reply\nFrom: me", "Please reply\nFrom: me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, StripQuotedText(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
