package jiraemu

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLexJQLStrings(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`"plain"`, "plain"},
		{`'single'`, "single"},
		{`"with \"quotes\" inside"`, `with "quotes" inside`},
		{`"back\\slash"`, `back\slash`},
		{`"tab\there"`, "tab\there"},
		{`"\u00e9t\u00e9"`, "été"},
		{`"it's"`, "it's"},
		{`'say "hi"'`, `say "hi"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			toks, err := lexJQL(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if toks[0].kind != tString || toks[0].text != tt.want {
				t.Errorf("token %+v, want string %q", toks[0], tt.want)
			}
		})
	}
	for _, bad := range []string{`"open`, `"bad \q escape"`, `"\u12"`} {
		if _, err := lexJQL(bad); err == nil {
			t.Errorf("%s lexed without error", bad)
		}
	}
}

func TestParseJQLStructure(t *testing.T) {
	// show renders the parsed tree so precedence is visible.
	var show func(x *expr) string
	show = func(x *expr) string {
		if x == nil {
			return "*"
		}
		switch x.op {
		case "and", "or":
			return "(" + show(x.kids[0]) + " " + x.op + " " + show(x.kids[1]) + ")"
		case "not":
			return "not " + show(x.kids[0])
		}
		var vals []string
		for _, v := range x.clause.values {
			vals = append(vals, v.text+v.fn)
		}
		if x.clause.empty {
			vals = []string{"EMPTY"}
		}
		return x.clause.field + " " + x.clause.op + " " + strings.Join(vals, ",")
	}
	tests := []struct{ in, want string }{
		{"project = SUP", "project = SUP"},
		{"a = 1", ""}, // unknown field: error
		{"labels = a OR labels = b AND project = SUP", "(labels = a or (labels = b and project = SUP))"},
		{"(labels = a OR labels = b) AND project = SUP", "((labels = a or labels = b) and project = SUP)"},
		{"labels in (a, 'b c') and not status = Done", "(labels in a,b c and not status = Done)"},
		{"assignee is EMPTY", "assignee is EMPTY"},
		{"reporter = currentUser()", "reporter = currentuser"},
		{"ORDER BY created DESC", "*"},
		{`summary ~ "x" order by updated asc, key desc`, "summary ~ x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := parseJQL(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("parsed %q without error", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := show(q.where); got != tt.want {
				t.Errorf("tree %q, want %q", got, tt.want)
			}
		})
	}
	q, _ := parseJQL(`summary ~ "x" order by updated asc, key desc`)
	if d := cmp.Diff([]orderBy{{field: "updated"}, {field: "key", desc: true}}, q.order, cmp.AllowUnexported(orderBy{})); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestSummaryContains(t *testing.T) {
	tests := []struct {
		text, query string
		want        bool
	}{
		{"Printer on fire", "printer", true},
		{"Printer on fire", "fire printer", true},
		{"Printer on fire", "print", false},
		{"Printer on fire", "print*", true},
		{"Printer on fire", `"on fire"`, true},
		{"Printer on fire", `"fire on"`, false},
		{"Printer on fire", "water", false},
		{`Odd " OR project = OPS summary`, `" OR project = OPS`, true},
		{"Re: invoice #42", "invoice 42", true},
	}
	for _, tt := range tests {
		if got := summaryContains(tt.text, tt.query); got != tt.want {
			t.Errorf("summaryContains(%q, %q) = %v, want %v", tt.text, tt.query, got, tt.want)
		}
	}
}

func TestJQLDates(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	e := New(Options{Now: func() time.Time { return now }})
	ctx := &evalCtx{e: e}
	is := &issue{created: time.Date(2026, 3, 9, 18, 30, 0, 0, time.UTC), updated: now}
	tests := []struct {
		jql  string
		want bool
	}{
		{"created >= -1d", true},
		{"created >= -12h", false},
		{"created < -12h", true},
		{`created >= "2026-03-09"`, true},
		{`created > "2026/03/09 18:30"`, false},
		{`created = "2026-03-09 18:30"`, true},
		{`updated >= "-1w 2d"`, true},
		{"updated < -5m", false},
	}
	for _, tt := range tests {
		t.Run(tt.jql, func(t *testing.T) {
			q, err := parseJQL(tt.jql)
			if err != nil {
				t.Fatal(err)
			}
			if err := ctx.check(q.where); err != nil {
				t.Fatal(err)
			}
			if got := ctx.match(q.where, is); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
	q, _ := parseJQL("created >= yesterday")
	if err := ctx.check(q.where); err == nil {
		t.Error("a date that is no date passed the check")
	}
	if _, err := parseJQL("labels > a"); err == nil {
		t.Error("> accepted on labels")
	}
}
