package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Alice@Example.com", "alice@example.com", true},
		{"  bob@example.org ", "bob@example.org", true},
		{"Alice <alice@example.com>", "", false},
		{"alice@localhost", "", false},
		{"alice", "", false},
		{`"a b"@example.com`, "", false}, // quoted local parts are refused: no mail system we serve issues them
		{"a@b.example\r\nBcc: x@y.example", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v := &errs.Validation{}
			got := checkEmail(v, "reporter", tt.in, true)
			if ok := v.Err() == nil; ok != tt.ok {
				t.Fatalf("ok %v, want %v (%v)", ok, tt.ok, v.Err())
			}
			if tt.ok && got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{`C:\Users\al\report.pdf`, "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{"a\x00b\nc.txt", "abc.txt"},
		{"", "attachment"},
		{"/", "attachment"},
		{strings.Repeat("x", 300), strings.Repeat("x", 200) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := cleanFilename(tt.in); got != tt.want {
				t.Errorf("cleanFilename(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	got := labels([]string{"mail2jira", "Help Desk"}, "MAIL2JIRA", "m2j-0123")
	if d := cmp.Diff([]string{"mail2jira", "Help_Desk", "m2j-0123"}, got); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}
}

func TestValidateCreateDefaults(t *testing.T) {
	s := New(Options{Config: &config.Config{
		Boards: []config.Board{{Key: "support", Name: "Support"}}, DefaultBoard: "support",
		Categories: []string{"General", "billing"}, DefaultCategory: "General",
	}})
	got, err := s.validateCreate(createRequest{Title: " Printer\n  jams ", Body: "Paper.", Reporter: "A@Example.com", Category: "BILLING", Priority: "HIGH"})
	if err != nil {
		t.Fatal(err)
	}
	want := createRequest{Title: "Printer jams", Body: "Paper.", BodyFormat: "text", Reporter: "a@example.com", Board: "support", Category: "billing", Priority: "high"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("request (-want +got):\n%s", d)
	}
}

func TestPageTokenRoundTrip(t *testing.T) {
	s := New(Options{Config: &config.Config{}})
	tok := pageToken{Jira: "jira-next", Reported: 3}.encode()
	p, err := s.parseSearch(map[string][]string{"pageToken": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(pageToken{Jira: "jira-next", Reported: 3}, p.token); d != "" {
		t.Errorf("token (-want +got):\n%s", d)
	}
	if (pageToken{}).encode() != "" {
		t.Error("the last page must have no token")
	}
}
