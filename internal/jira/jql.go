package jira

import (
	"fmt"
	"strings"
	"unicode"
)

// Query builds JQL from clauses joined with AND. Every value is a quoted, escaped JQL string,
// so user input can never add operators, clauses or functions. The zero value is an empty
// query; methods given no values add no clause.
type Query struct {
	clauses []string
	order   string
}

// NewQuery returns an empty query to add clauses to.
func NewQuery() *Query { return &Query{} }

// OrderField is a field results can be sorted by.
type OrderField string

// Sortable fields.
const (
	OrderCreated OrderField = "created"
	OrderUpdated OrderField = "updated"
	OrderKey     OrderField = "key"
)

// Quote renders s as a JQL string literal: in double quotes, with the double quote, the
// backslash and control characters escaped (JQL takes \" \\ \n \r \t and \uXXXX).
// https://support.atlassian.com/jira-software-cloud/docs/use-advanced-search-with-jira-query-language-jql/
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// in adds "field = v" for one value or "field in (v1, v2)" for several.
func (q *Query) in(field string, values []string) *Query {
	var quoted []string
	for _, v := range values {
		quoted = append(quoted, Quote(v))
	}
	switch len(quoted) {
	case 0:
	case 1:
		q.clauses = append(q.clauses, field+" = "+quoted[0])
	default:
		q.clauses = append(q.clauses, field+" in ("+strings.Join(quoted, ", ")+")")
	}
	return q
}

// Key matches any of the issue keys.
func (q *Query) Key(keys ...string) *Query { return q.in("key", keys) }

// Labels matches issues carrying any of the labels; call it once per label that must all be
// present.
func (q *Query) Labels(labels ...string) *Query { return q.in("labels", labels) }

// Project matches issues in any of the projects (keys, ids or names).
func (q *Query) Project(projects ...string) *Query { return q.in("project", projects) }

// Filter matches issues a saved filter (a board's) selects; ids or names.
func (q *Query) Filter(filters ...string) *Query { return q.in("filter", filters) }

// Reporter matches issues reported by any of the accounts.
func (q *Query) Reporter(accountIDs ...string) *Query { return q.in("reporter", accountIDs) }

// Assignee matches issues assigned to any of the accounts.
func (q *Query) Assignee(accountIDs ...string) *Query { return q.in("assignee", accountIDs) }

// Status matches issues in any of the statuses (names).
func (q *Query) Status(statuses ...string) *Query { return q.in("status", statuses) }

// Watcher matches issues watched by any of the accounts.
func (q *Query) Watcher(accountIDs ...string) *Query { return q.in("watcher", accountIDs) }

// SummaryContains matches issues whose summary contains every word of text. The characters
// Jira's text search reserves (+ - & | ! ( ) { } [ ] ^ ~ * ? \ : " ') are treated as
// separators, so the input is words to look for, never search syntax. Text with no word in
// it adds no clause.
// https://support.atlassian.com/jira-software-cloud/docs/search-syntax-for-text-fields/
func (q *Query) SummaryContains(text string) *Query {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(textReserved, r)
	})
	if len(words) == 0 {
		return q
	}
	q.clauses = append(q.clauses, "summary ~ "+Quote(strings.Join(words, " ")))
	return q
}

// textReserved are the characters Jira's text search gives a meaning to.
const textReserved = `+-&|!(){}[]^~*?\:"'/`

// OrderBy sorts the results; desc puts the newest (or highest) first.
func (q *Query) OrderBy(f OrderField, desc bool) *Query {
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	switch f {
	case OrderCreated, OrderUpdated, OrderKey:
		q.order = " ORDER BY " + string(f) + " " + dir
	}
	return q
}

// String renders the query.
func (q *Query) String() string {
	return strings.TrimSpace(strings.Join(q.clauses, " AND ") + q.order)
}
