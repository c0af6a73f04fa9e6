package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestObject(t *testing.T) {
	tests := []struct {
		name string
		src  string
		head string
		want []Entry
	}{
		{
			name: "hcl with comments, nested values and interpolations",
			src: `locals {
  # host.json's settings, a comment with a quote
  m = {
    A = var.a # trailing comment
    "B" = "x{y}"
    C   = "ClientId=${foo.bar};Authorization=AAD"
    D   = merge({ x = 1 }, {
      y = "}"
    })
    E = "${var.a == "}" ? "q" : "r"}"
    /* block { comment */
    F = ""
  }
  other = { G = 1 }
}`,
			head: `m\s*=\s*\{`,
			want: []Entry{
				{Key: "A", Value: "var.a"},
				{Key: "B", Value: `"x{y}"`},
				{Key: "C", Value: `"ClientId=${foo.bar};Authorization=AAD"`},
				{Key: "D", Value: "merge({ x = 1 }, {\n      y = \"}\"\n    })"},
				{Key: "E", Value: `"${var.a == "}" ? "q" : "r"}"`},
				{Key: "F", Value: `""`},
			},
		},
		{
			name: "bicep with single quotes and escapes",
			src: `var settings = {
  // azd's comment
  MAILBOX: mailbox
  WHY: 'host.json\'s {queue} settings'
  URL: 'https://${app.outputs.host}/api'
}
var other = {}`,
			head: `^var\s+settings\s*=\s*\{`,
			want: []Entry{
				{Key: "MAILBOX", Value: "mailbox"},
				{Key: "WHY", Value: `'host.json\'s {queue} settings'`},
				{Key: "URL", Value: `'https://${app.outputs.host}/api'`},
			},
		},
		{
			name: "one-line object with commas",
			src:  `x = { A = 1, B = "2" }`,
			head: `x\s*=\s*\{`,
			want: []Entry{{Key: "A", Value: "1"}, {Key: "B", Value: `"2"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Object(tt.src, tt.head)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Object (-want +got):\n%s", diff)
			}
		})
	}
}

func TestObjectErrors(t *testing.T) {
	tests := []struct {
		name, src, head string
	}{
		{"not found", `y = {}`, `x\s*=\s*\{`},
		{"unbalanced", `x = { A = 1`, `x\s*=\s*\{`},
		{"unterminated string", `x = { A = "1 }`, `x\s*=\s*\{`},
		{"not an entry", "x = {\n  just words\n}", `x\s*=\s*\{`},
		{"head not at a brace", `x = { A = 1 }`, `x\s*=`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Object(tt.src, tt.head); err == nil {
				t.Errorf("Object = %v, want an error", got)
			}
		})
	}
}

func TestVariables(t *testing.T) {
	src := `variable "a" {
  description = "A: with { braces }"
  type        = string
  default     = "x"

  validation {
    condition     = length(var.a) > 0
    error_message = "must not be empty."
  }
}

variable "b" {
  type = number
}
`
	got, err := Variables(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Variable{
		"a": {Name: "a", Description: true, Validation: true, Default: `"x"`, HasDefault: true},
		"b": {Name: "b"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Variables (-want +got):\n%s", diff)
	}
}

func TestParams(t *testing.T) {
	src := `@description('A.')
@minLength(2)
param a string

param b int = 1
@allowed(['x'])
param c string = 'x'
`
	want := map[string]Param{
		"a": {Name: "a", Description: true},
		"b": {Name: "b", Default: "1", HasDefault: true},
		"c": {Name: "c", Default: "'x'", HasDefault: true},
	}
	if diff := cmp.Diff(want, Params(src)); diff != "" {
		t.Errorf("Params (-want +got):\n%s", diff)
	}
}

func TestCamel(t *testing.T) {
	for in, want := range map[string]string{
		"MAILBOX":                            "mailbox",
		"MAILBOX_ROUTES":                     "mailboxRoutes",
		"O365_TENANT_ID":                     "o365TenantId",
		"JIRA_TICKET_LABEL_DEFAULT_CATEGORY": "jiraTicketLabelDefaultCategory",
	} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
}
