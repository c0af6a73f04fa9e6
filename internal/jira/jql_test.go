package jira

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "mail", `"mail"`},
		{"empty", "", `""`},
		{"double quote", `a"b`, `"a\"b"`},
		{"single quote", `it's`, `"it's"`},
		{"backslash", `C:\temp`, `"C:\\temp"`},
		{"backslash before quote", `\"`, `"\\\""`},
		{"newline and tab", "a\nb\tc\r", `"a\nb\tc\r"`},
		{"other control", "a\x00b\x1bc", `"a\u0000b\u001bc"`},
		{"line separator", "a\u2028b", `"a\u2028b"`},
		{"unicode kept", "Größe ✓", `"Größe ✓"`},
		{"OR 1=1", `x" OR 1=1 OR "y`, `"x\" OR 1=1 OR \"y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Quote(tt.in)); diff != "" {
				t.Errorf("Quote(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestQueryString(t *testing.T) {
	tests := []struct {
		name string
		q    *Query
		want string
	}{
		{"empty", &Query{}, ""},
		{"no values add no clause", (&Query{}).Labels().Status(), ""},
		{"one value", (&Query{}).Labels("mail"), `labels = "mail"`},
		{"several values", (&Query{}).Project("SUP", "OPS"), `project in ("SUP", "OPS")`},
		{"every clause", (&Query{}).Labels("m2j").Key("SUP-1").Filter("10000").Reporter("a").Assignee("b").
			Status("To Do").Watcher("c").SummaryContains("printer fire").OrderBy(OrderUpdated, true),
			`labels = "m2j" AND key = "SUP-1" AND filter = "10000" AND reporter = "a" AND assignee = "b" AND status = "To Do" AND watcher = "c" AND summary ~ "printer fire" ORDER BY updated DESC`},
		{"order alone", (&Query{}).OrderBy(OrderCreated, false), `ORDER BY created ASC`},
		{"unknown order field ignored", (&Query{}).Labels("x").OrderBy(OrderField("summary; DROP"), true), `labels = "x"`},
		{"injection in a label", (&Query{}).Labels(`x" OR labels is not EMPTY OR labels = "y`),
			`labels = "x\" OR labels is not EMPTY OR labels = \"y"`},
		{"newline in a status", (&Query{}).Status("Done\nOR project = SUP"), `status = "Done\nOR project = SUP"`},
		{"summary: search syntax becomes spaces", (&Query{}).SummaryContains(`"exact" +must -not a||b (c) title:x te?t wild* \"`),
			`summary ~ "exact must not a b c title x te t wild"`},
		{"summary: nothing left", (&Query{}).Labels("x").SummaryContains(` "*" \ `), `labels = "x"`},
		{"summary: newline injection", (&Query{}).SummaryContains("printer\" OR 1=1\nORDER BY key"),
			`summary ~ "printer OR 1=1 ORDER BY key"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.q.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
