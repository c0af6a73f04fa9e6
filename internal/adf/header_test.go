package adf

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPeopleLine(t *testing.T) {
	from := Text("From:", Strong())
	tests := []struct {
		name   string
		people []Person
		want   *Node
	}{
		{"jira account is a mention",
			[]Person{{AccountID: "5b10ac8d82e05b22cc7d4ef5", DisplayName: "Ann Lee", Email: "ann@example.com"}},
			Paragraph(from, Text(" "), Mention("5b10ac8d82e05b22cc7d4ef5", "Ann Lee"))},
		{"no account is a mailto link",
			[]Person{{DisplayName: "Bob  Smith", Email: "bob+it@example.com"}},
			Paragraph(from, Text(" "), Text("Bob Smith <bob+it@example.com>", Link("mailto:bob+it@example.com")))},
		{"name that is the address is not repeated",
			[]Person{{DisplayName: "Bob@Example.com", Email: "bob@example.com"}},
			Paragraph(from, Text(" "), Text("bob@example.com", Link("mailto:bob@example.com")))},
		{"several people, empty ones skipped",
			[]Person{{AccountID: "a1", DisplayName: "Ann"}, {}, {Email: "c@example.com"}, {DisplayName: "Dee"}},
			Paragraph(from, Text(" "), Mention("a1", "Ann"), Text(", "),
				Text("c@example.com", Link("mailto:c@example.com")), Text(", Dee"))},
		{"nobody", nil, Paragraph(from)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeopleLine("From", tt.people)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("PeopleLine (-want +got):\n%s", diff)
			}
			if err := Validate(NewDoc(got)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNoteAndWithHeader(t *testing.T) {
	body := FromText("Body text")
	doc := WithHeader(body,
		PeopleLine("From", []Person{{Email: "x@example.com"}}),
		Note("  The sender has no Jira account.\n"),
		Note(""))
	want := NewDoc(
		Paragraph(Text("From:", Strong()), Text(" "), Text("x@example.com", Link("mailto:x@example.com"))),
		Paragraph(Text("The sender has no Jira account.", Em())),
		Paragraph(),
		Paragraph(Text("Body text")))
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("WithHeader (-want +got):\n%s", diff)
	}
	if err := Validate(doc); err != nil {
		t.Error(err)
	}
	if len(body.Content) != 1 {
		t.Error("WithHeader modified the body")
	}
}
