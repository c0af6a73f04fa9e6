package jiraemu

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The JQL subset follows the Jira Cloud JQL reference pages:
// https://support.atlassian.com/jira-service-management-cloud/docs/use-advanced-search-with-jira-query-language-jql/
// https://support.atlassian.com/jira-software-cloud/docs/jql-fields/
// https://support.atlassian.com/jira-software-cloud/docs/jql-operators/
// https://support.atlassian.com/jira-software-cloud/docs/jql-keywords/
// Quoting and escapes follow "Restricted words and characters" on the first page.

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tString
	tOp
	tLParen
	tRParen
	tComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// jqlError is a query the way Jira rejects it: 400 with the message in errorMessages.
type jqlError struct{ msg string }

func (e *jqlError) Error() string { return e.msg }

func jqlErrf(format string, a ...any) error { return &jqlError{fmt.Sprintf(format, a...)} }

// reserved characters end an unquoted word; they must be quoted to be used as text.
const reservedChars = "=!<>~(),\"'"

func lexJQL(s string) ([]token, error) {
	var toks []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			toks = append(toks, token{tLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tComma, ",", i})
			i++
		case c == '"' || c == '\'':
			str, next, err := lexString(rs, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tString, str, i})
			i = next
		case strings.ContainsRune("=!<>~", c):
			op := string(c)
			if i+1 < len(rs) && rs[i+1] == '=' || (c == '!' && i+1 < len(rs) && rs[i+1] == '~') {
				op += string(rs[i+1])
			}
			if op == "!" {
				return nil, jqlErrf("Error in the JQL Query: The character '!' is a reserved JQL character. You must enclose it in a string or use the escape '\\u0021' instead. (line 1, character %d)", i+1)
			}
			toks = append(toks, token{tOp, op, i})
			i += len([]rune(op))
		default:
			start := i
			for i < len(rs) && !unicode.IsSpace(rs[i]) && !strings.ContainsRune(reservedChars, rs[i]) {
				i++
			}
			toks = append(toks, token{tWord, string(rs[start:i]), start})
		}
	}
	return append(toks, token{tEOF, "", len(rs)}), nil
}

// lexString reads a quoted string starting at rs[i] and returns its unescaped value.
func lexString(rs []rune, i int) (string, int, error) {
	quote := rs[i]
	var b strings.Builder
	for j := i + 1; j < len(rs); j++ {
		c := rs[j]
		if c == quote {
			return b.String(), j + 1, nil
		}
		if c != '\\' {
			b.WriteRune(c)
			continue
		}
		j++
		if j >= len(rs) {
			break
		}
		switch rs[j] {
		case '"', '\'', '\\', ' ':
			b.WriteRune(rs[j])
		case 'n':
			b.WriteRune('\n')
		case 't':
			b.WriteRune('\t')
		case 'r':
			b.WriteRune('\r')
		case 'u':
			if j+4 >= len(rs) {
				return "", 0, jqlErrf("Error in the JQL Query: Illegal Unicode escape (line 1, character %d)", j)
			}
			var r rune
			if _, err := fmt.Sscanf(string(rs[j+1:j+5]), "%04x", &r); err != nil {
				return "", 0, jqlErrf("Error in the JQL Query: Illegal Unicode escape (line 1, character %d)", j)
			}
			b.WriteRune(r)
			j += 4
		default:
			return "", 0, jqlErrf("Error in the JQL Query: The escape sequence '\\%c' in the query is not valid. (line 1, character %d)", rs[j], j)
		}
	}
	return "", 0, jqlErrf("Error in the JQL Query: The quoted string has not been completed. (line 1, character %d)", i+1)
}

// --- AST ---

type jqlValue struct {
	text   string
	fn     string // function name, e.g. currentUser
	quoted bool
}

type clause struct {
	field  string // lower-cased canonical name
	op     string // =, !=, ~, !~, in, not in, is, is not
	values []jqlValue
	empty  bool // IS EMPTY / = EMPTY
}

type expr struct {
	op     string // and, or, not, clause
	kids   []*expr
	clause *clause
}

type orderBy struct {
	field string
	desc  bool
}

type query struct {
	where *expr // nil matches everything
	order []orderBy
}

var jqlFields = map[string]string{
	"key": "key", "issuekey": "key", "id": "key", "labels": "labels", "label": "labels",
	"project": "project", "filter": "filter", "savedfilter": "filter", "searchrequest": "filter", "request": "filter",
	"reporter": "reporter", "assignee": "assignee", "creator": "creator", "status": "status",
	"watcher": "watcher", "summary": "summary", "issuetype": "issuetype", "type": "issuetype",
	"priority": "priority", "created": "created", "createddate": "created", "updated": "updated", "updateddate": "updated",
}

var fieldOps = map[string][]string{
	"key":       {"=", "!=", "in", "not in"},
	"labels":    {"=", "!=", "in", "not in", "is", "is not"},
	"project":   {"=", "!=", "in", "not in"},
	"filter":    {"=", "!=", "in", "not in"},
	"reporter":  {"=", "!=", "in", "not in", "is", "is not"},
	"assignee":  {"=", "!=", "in", "not in", "is", "is not"},
	"creator":   {"=", "!=", "in", "not in"},
	"status":    {"=", "!=", "in", "not in"},
	"watcher":   {"=", "!=", "in", "not in"},
	"summary":   {"~", "!~", "is", "is not"},
	"issuetype": {"=", "!=", "in", "not in"},
	"priority":  {"=", "!=", "in", "not in"},
	"created":   {"=", "!=", ">", ">=", "<", "<="},
	"updated":   {"=", "!=", ">", ">=", "<", "<="},
}

var reservedWords = map[string]bool{"and": true, "or": true, "not": true, "in": true, "is": true, "empty": true, "null": true, "order": true, "by": true}

type jqlParser struct {
	toks []token
	i    int
}

func parseJQL(s string) (*query, error) {
	toks, err := lexJQL(s)
	if err != nil {
		return nil, err
	}
	p := &jqlParser{toks: toks}
	q := &query{}
	if !p.isWord("order") && p.peek().kind != tEOF {
		if q.where, err = p.or(); err != nil {
			return nil, err
		}
	}
	if p.isWord("order") {
		if q.order, err = p.orderBy(); err != nil {
			return nil, err
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, jqlErrf("Error in the JQL Query: Expecting either 'OR' or 'AND' but got '%s'. (line 1, character %d)", t.text, t.pos+1)
	}
	return q, nil
}

func (p *jqlParser) peek() token { return p.toks[p.i] }
func (p *jqlParser) next() token { t := p.toks[p.i]; p.i++; return t }
func (p *jqlParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tWord && strings.EqualFold(t.text, w)
}

func (p *jqlParser) or() (*expr, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") || (p.peek().kind == tWord && p.peek().text == "||") {
		p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = &expr{op: "or", kids: []*expr{left, right}}
	}
	return left, nil
}

func (p *jqlParser) and() (*expr, error) {
	left, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") || (p.peek().kind == tWord && p.peek().text == "&&") {
		p.next()
		right, err := p.not()
		if err != nil {
			return nil, err
		}
		left = &expr{op: "and", kids: []*expr{left, right}}
	}
	return left, nil
}

func (p *jqlParser) not() (*expr, error) {
	if p.isWord("not") {
		p.next()
		e, err := p.not()
		if err != nil {
			return nil, err
		}
		return &expr{op: "not", kids: []*expr{e}}, nil
	}
	if p.peek().kind == tLParen {
		p.next()
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.next(); t.kind != tRParen {
			return nil, jqlErrf("Error in the JQL Query: Expecting ')' but got '%s'. (line 1, character %d)", t.text, t.pos+1)
		}
		return e, nil
	}
	c, err := p.clause()
	if err != nil {
		return nil, err
	}
	return &expr{op: "clause", clause: c}, nil
}

func (p *jqlParser) clause() (*clause, error) {
	t := p.next()
	if t.kind != tWord && t.kind != tString {
		return nil, jqlErrf("Error in the JQL Query: Expecting a field name but got '%s'. (line 1, character %d)", t.text, t.pos+1)
	}
	field, err := resolveField(t)
	if err != nil {
		return nil, err
	}
	op, err := p.operator()
	if err != nil {
		return nil, err
	}
	if !contains(fieldOps[field], op) {
		return nil, jqlErrf("The operator '%s' is not supported by the '%s' field.", strings.ToUpper(op), t.text)
	}
	c := &clause{field: field, op: op}
	switch {
	case op == "is" || op == "is not":
		if !p.isWord("empty") && !p.isWord("null") {
			return nil, jqlErrf("Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after '%s'. (line 1, character %d)", strings.ToUpper(op), p.peek().pos+1)
		}
		p.next()
		c.empty = true
	case op == "in" || op == "not in":
		c.values, err = p.list()
	default:
		var v jqlValue
		v, err = p.value()
		c.values = []jqlValue{v}
	}
	return c, err
}

// resolveField maps a field token to its canonical name; issue.property[...] and custom
// fields that no app indexes are rejected as unknown, the way Jira rejects them:
// https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/
func resolveField(t token) (string, error) {
	if f, ok := jqlFields[strings.ToLower(t.text)]; ok {
		return f, nil
	}
	if t.kind == tWord && reservedWords[strings.ToLower(t.text)] {
		return "", jqlErrf("Error in the JQL Query: '%s' is a reserved JQL word. You must surround it in quotation marks to use it in a query. (line 1, character %d)", t.text, t.pos+1)
	}
	return "", jqlErrf("Field '%s' does not exist or you do not have permission to view it.", t.text)
}

func (p *jqlParser) operator() (string, error) {
	t := p.next()
	if t.kind == tOp {
		switch t.text {
		case "=", "!=", "~", "!~", ">", ">=", "<", "<=":
			return t.text, nil
		}
	}
	if t.kind == tWord {
		switch strings.ToLower(t.text) {
		case "in":
			return "in", nil
		case "not":
			if p.isWord("in") {
				p.next()
				return "not in", nil
			}
		case "is":
			if p.isWord("not") {
				p.next()
				return "is not", nil
			}
			return "is", nil
		}
	}
	return "", jqlErrf("Error in the JQL Query: Expecting operator but got '%s'. (line 1, character %d)", t.text, t.pos+1)
}

func (p *jqlParser) list() ([]jqlValue, error) {
	if t := p.next(); t.kind != tLParen {
		return nil, jqlErrf("Error in the JQL Query: Expecting '(' but got '%s'. (line 1, character %d)", t.text, t.pos+1)
	}
	var vals []jqlValue
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t := p.next()
		if t.kind == tRParen {
			return vals, nil
		}
		if t.kind != tComma {
			return nil, jqlErrf("Error in the JQL Query: Expecting ')' or ',' but got '%s'. (line 1, character %d)", t.text, t.pos+1)
		}
	}
}

func (p *jqlParser) value() (jqlValue, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return jqlValue{text: t.text, quoted: true}, nil
	case tWord:
		low := strings.ToLower(t.text)
		if low == "empty" || low == "null" {
			return jqlValue{fn: "empty"}, nil
		}
		if reservedWords[low] {
			return jqlValue{}, jqlErrf("Error in the JQL Query: '%s' is a reserved JQL word. You must surround it in quotation marks to use it in a query. (line 1, character %d)", t.text, t.pos+1)
		}
		if p.peek().kind == tLParen {
			p.next()
			if c := p.next(); c.kind != tRParen {
				return jqlValue{}, jqlErrf("Error in the JQL Query: Expecting ')' but got '%s'. (line 1, character %d)", c.text, c.pos+1)
			}
			return jqlValue{fn: low}, nil
		}
		return jqlValue{text: t.text}, nil
	}
	return jqlValue{}, jqlErrf("Error in the JQL Query: Expecting either a value, list or function but got '%s'. (line 1, character %d)", t.text, t.pos+1)
}

func (p *jqlParser) orderBy() ([]orderBy, error) {
	p.next()
	if !p.isWord("by") {
		return nil, jqlErrf("Error in the JQL Query: Expecting 'BY' after 'ORDER'. (line 1, character %d)", p.peek().pos+1)
	}
	p.next()
	var out []orderBy
	for {
		t := p.next()
		name := strings.ToLower(t.text)
		f := jqlFields[name]
		if name == "rank" {
			f = "rank"
		}
		if f != "created" && f != "updated" && f != "key" && f != "rank" {
			return nil, jqlErrf("Not able to sort using field '%s'.", t.text)
		}
		ob := orderBy{field: f}
		if p.isWord("asc") {
			p.next()
		} else if p.isWord("desc") {
			p.next()
			ob.desc = true
		}
		out = append(out, ob)
		if p.peek().kind != tComma {
			return out, nil
		}
		p.next()
	}
}

// --- evaluation ---

// evalCtx resolves names during a search; the caller holds e.mu.
type evalCtx struct {
	e      *Emulator
	caller *User
	depth  int
}

// check validates values that must name something that exists (projects, statuses, filters,
// issue keys), the way Jira fails the whole query for an unknown value.
func (c *evalCtx) check(x *expr) error {
	if x == nil {
		return nil
	}
	for _, k := range x.kids {
		if err := c.check(k); err != nil {
			return err
		}
	}
	if x.clause == nil {
		return nil
	}
	for _, v := range x.clause.values {
		if v.fn != "" {
			if v.fn != "empty" && v.fn != "currentuser" {
				return jqlErrf("Unable to find JQL function '%s()'.", v.fn)
			}
			continue
		}
		if err := c.checkValue(x.clause.field, v.text); err != nil {
			return err
		}
	}
	return nil
}

func (c *evalCtx) checkValue(field, v string) error {
	e := c.e
	missing := func() error { return jqlErrf("The value '%s' does not exist for the field '%s'.", v, field) }
	switch field {
	case "project":
		if e.projectLocked(v) == nil && e.projectByNameLocked(v) == nil {
			return missing()
		}
	case "status":
		if _, ok := e.statusLocked(v); !ok {
			return missing()
		}
	case "issuetype":
		if _, ok := e.issueTypeLocked("", v); !ok {
			if _, ok := e.issueTypeLocked(v, ""); !ok {
				return missing()
			}
		}
	case "priority":
		if _, ok := e.priorityLocked("", v); !ok {
			if _, ok := e.priorityLocked(v, ""); !ok {
				return missing()
			}
		}
	case "filter":
		if e.filterByRefLocked(v) == nil {
			return missing()
		}
	case "created", "updated":
		if _, ok := parseJQLDate(v, time.Now()); !ok {
			return jqlErrf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", v, field)
		}
	case "key":
		if !validIssueKey(v) {
			return jqlErrf("The issue key '%s' for field '%s' is invalid.", v, field)
		}
		if e.issueLocked(v) == nil {
			return jqlErrf("An issue with key '%s' does not exist for field '%s'.", v, field)
		}
	}
	return nil
}

func validIssueKey(s string) bool {
	i := strings.LastIndexByte(s, '-')
	if i <= 0 || i == len(s)-1 {
		return isDigits(s)
	}
	return isDigits(s[i+1:])
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (c *evalCtx) match(x *expr, is *issue) bool {
	if x == nil {
		return true
	}
	switch x.op {
	case "and":
		return c.match(x.kids[0], is) && c.match(x.kids[1], is)
	case "or":
		return c.match(x.kids[0], is) || c.match(x.kids[1], is)
	case "not":
		return !c.match(x.kids[0], is)
	}
	return c.matchClause(x.clause, is)
}

func (c *evalCtx) matchClause(cl *clause, is *issue) bool {
	if cl.field == "created" || cl.field == "updated" {
		return c.matchDate(cl, is)
	}
	vals := c.fieldValues(cl.field, is)
	if cl.empty {
		return (len(vals) == 0) == (cl.op == "is")
	}
	if cl.field == "summary" {
		hit := summaryContains(is.summary, cl.values[0].text)
		return hit == (cl.op == "~")
	}
	if cl.field == "filter" {
		hit := false
		for _, v := range cl.values {
			hit = hit || c.inFilter(v.text, is)
		}
		return hit == (cl.op == "=" || cl.op == "in")
	}
	hit := false
	for _, v := range cl.values {
		for _, have := range vals {
			if c.equal(cl.field, v, have) {
				hit = true
			}
		}
		if v.fn == "empty" && len(vals) == 0 {
			hit = true
		}
	}
	return hit == (cl.op == "=" || cl.op == "in")
}

func (c *evalCtx) equal(field string, v jqlValue, have string) bool {
	if v.fn == "currentuser" {
		return c.caller != nil && have == c.caller.AccountID
	}
	switch field {
	case "labels":
		return v.text == have
	case "project":
		p := c.e.projectLocked(v.text)
		if p == nil {
			p = c.e.projectByNameLocked(v.text)
		}
		return p != nil && p.Key == have
	case "status", "issuetype", "priority":
		// have is "id\x00name"
		id, name, _ := strings.Cut(have, "\x00")
		return v.text == id || strings.EqualFold(v.text, name)
	case "key":
		is := c.e.issueLocked(v.text)
		return is != nil && is.key == have
	}
	return v.text == have
}

func (c *evalCtx) fieldValues(field string, is *issue) []string {
	nonEmpty := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch field {
	case "key":
		return []string{is.key}
	case "labels":
		return is.labels
	case "project":
		return []string{is.project.Key}
	case "reporter":
		return nonEmpty(is.reporter)
	case "assignee":
		return nonEmpty(is.assignee)
	case "creator":
		return nonEmpty(is.creator)
	case "watcher":
		return is.watchers
	case "status":
		return []string{is.status.id + "\x00" + is.status.name}
	case "issuetype":
		return []string{is.issueType.id + "\x00" + is.issueType.name}
	case "priority":
		return []string{is.priority.id + "\x00" + is.priority.name}
	case "summary":
		return nonEmpty(is.summary)
	}
	return nil
}

func (c *evalCtx) inFilter(ref string, is *issue) bool {
	f := c.e.filterByRefLocked(ref)
	if f == nil || c.depth > 5 {
		return false
	}
	q, err := parseJQL(f.JQL)
	if err != nil {
		return false
	}
	sub := &evalCtx{e: c.e, caller: c.caller, depth: c.depth + 1}
	return sub.match(q.where, is)
}

// summaryContains implements the CONTAINS (~) operator on text: every word of the query must
// appear in the text (case-insensitive, "*" as a trailing wildcard), and a quoted phrase inside
// the query must appear as consecutive words.
// https://support.atlassian.com/jira-software-cloud/docs/search-syntax-for-text-fields/
func summaryContains(text, q string) bool {
	words := textWords(text)
	if strings.Count(q, `"`) >= 2 {
		start := strings.Index(q, `"`)
		end := strings.LastIndex(q, `"`)
		phrase := textWords(q[start+1 : end])
		if !containsPhrase(words, phrase) {
			return false
		}
		q = q[:start] + " " + q[end+1:]
	}
	for _, term := range strings.Fields(strings.ToLower(q)) {
		prefix := strings.HasSuffix(term, "*")
		term = strings.Join(textWords(strings.TrimSuffix(term, "*")), " ")
		if term == "" {
			continue
		}
		found := false
		for _, w := range words {
			if w == term || (prefix && strings.HasPrefix(w, term)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func textWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

func containsPhrase(words, phrase []string) bool {
	if len(phrase) == 0 {
		return true
	}
	for i := 0; i+len(phrase) <= len(words); i++ {
		ok := true
		for j := range phrase {
			if words[i+j] != phrase[j] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (e *Emulator) projectByNameLocked(name string) *project {
	for _, p := range e.projects {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

func (e *Emulator) filterByRefLocked(ref string) *filter {
	if f := e.filterLocked(ref); f != nil {
		return f
	}
	for _, f := range e.filters {
		if strings.EqualFold(f.Name, ref) {
			return f
		}
	}
	return nil
}

// projectsInQuery lists the project keys a query names in project clauses (for a board's
// projects).
func (e *Emulator) projectsInQueryLocked(x *expr, out map[string]bool) {
	if x == nil {
		return
	}
	for _, k := range x.kids {
		e.projectsInQueryLocked(k, out)
	}
	if x.clause != nil && x.clause.field == "project" && (x.clause.op == "=" || x.clause.op == "in") {
		for _, v := range x.clause.values {
			if p := e.projectLocked(v.text); p != nil {
				out[p.Key] = true
			} else if p := e.projectByNameLocked(v.text); p != nil {
				out[p.Key] = true
			}
		}
	}
}

// matchDate compares created or updated with an absolute date or a relative period, the way
// the date fields' operators work: https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Created
func (c *evalCtx) matchDate(cl *clause, is *issue) bool {
	have := is.created
	if cl.field == "updated" {
		have = is.updated
	}
	want, ok := parseJQLDate(cl.values[0].text, c.e.opts.Now())
	if !ok {
		return false
	}
	have = have.Truncate(time.Minute)
	switch cl.op {
	case "=":
		return have.Equal(want)
	case "!=":
		return !have.Equal(want)
	case ">":
		return have.After(want)
	case ">=":
		return !have.Before(want)
	case "<":
		return have.Before(want)
	}
	return !have.After(want)
}

var periodRe = regexp.MustCompile(`^([-+]?)((?:\d+[wdhm]\s*)+)$`)
var periodPart = regexp.MustCompile(`(\d+)([wdhm])`)

// parseJQLDate reads "yyyy-MM-dd[ HH:mm]", "yyyy/MM/dd[ HH:mm]" (UTC) or a period relative to
// now such as "-1d", "-2w 3d", "-30m".
func parseJQLDate(v string, now time.Time) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04", "2006/01/02 15:04", "2006-01-02", "2006/01/02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	m := periodRe.FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return time.Time{}, false
	}
	units := map[string]time.Duration{"w": 7 * 24 * time.Hour, "d": 24 * time.Hour, "h": time.Hour, "m": time.Minute}
	var d time.Duration
	for _, p := range periodPart.FindAllStringSubmatch(m[2], -1) {
		n, _ := strconv.Atoi(p[1])
		d += time.Duration(n) * units[p[2]]
	}
	if m[1] == "-" {
		d = -d
	}
	return now.Add(d).Truncate(time.Minute), true
}
