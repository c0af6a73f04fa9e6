package graphemu

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// messageProps are the message properties of Graph v1.0, in the documented order.
// https://learn.microsoft.com/en-us/graph/api/resources/message#properties
var messageProps = []string{
	"bccRecipients", "body", "bodyPreview", "categories", "ccRecipients", "changeKey",
	"conversationId", "conversationIndex", "createdDateTime", "flag", "from", "hasAttachments",
	"id", "importance", "inferenceClassification", "internetMessageHeaders", "internetMessageId",
	"isDeliveryReceiptRequested", "isDraft", "isRead", "isReadReceiptRequested",
	"lastModifiedDateTime", "parentFolderId", "receivedDateTime", "replyTo", "sender",
	"sentDateTime", "subject", "toRecipients", "uniqueBody", "webLink",
}

// notByDefault are returned only when named in $select.
// https://learn.microsoft.com/en-us/graph/api/resources/message#properties (uniqueBody, internetMessageHeaders)
var notByDefault = []string{"internetMessageHeaders", "uniqueBody"}

// query is the parsed OData query of a message request.
type query struct {
	sel         map[string]bool // nil: Graph's default set
	attachments bool            // $expand=attachments
	attSelect   map[string]bool // $select inside $expand=attachments(...), or on the attachments routes
	itemExpand  bool            // $expand=microsoft.graph.itemAttachment/item
	extProps    []string        // normalized singleValueExtendedProperties ids requested
	filter      []clause
	orderBy     []order
	top, skip   int
	count       bool
}

type clause struct {
	prop, op string
	value    any // time.Time, string, bool
}

type order struct {
	prop string
	desc bool
}

// parseQuery reads $select, $expand, $filter, $orderby, $top, $skip and $count.
func parseQuery(v url.Values) (query, error) {
	var q query
	get := func(name string) string {
		for k, vals := range v {
			if strings.EqualFold(k, name) && len(vals) > 0 {
				return vals[0]
			}
		}
		return ""
	}
	var err error
	if s := get("$select"); s != "" {
		if q.sel, err = parseSelect(s); err != nil {
			return q, err
		}
	}
	if s := get("$expand"); s != "" {
		if err = q.parseExpand(s); err != nil {
			return q, err
		}
	}
	if s := get("$filter"); s != "" {
		if q.filter, err = parseFilter(s); err != nil {
			return q, err
		}
	}
	if s := get("$orderby"); s != "" {
		if q.orderBy, err = parseOrderBy(s); err != nil {
			return q, err
		}
	}
	if q.top, err = intParam(get("$top"), "$top"); err != nil {
		return q, err
	}
	if q.skip, err = intParam(get("$skip"), "$skip"); err != nil {
		return q, err
	}
	q.count = strings.EqualFold(get("$count"), "true")
	if get("$search") != "" {
		return q, fmt.Errorf("$search is not supported by this emulator")
	}
	return q, nil
}

func intParam(s, name string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("Invalid value '%s' for query option '%s'.", s, name)
	}
	return n, nil
}

func propName(s string) (string, bool) {
	for _, p := range messageProps {
		if strings.EqualFold(p, s) {
			return p, true
		}
	}
	return "", false
}

func parseSelect(s string) (map[string]bool, error) {
	sel := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		p, ok := propName(f)
		if !ok {
			return nil, fmt.Errorf("Could not find a property named '%s' on type 'microsoft.graph.message'.", f)
		}
		sel[p] = true
	}
	return sel, nil
}

// splitTop splits on commas that are not inside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// parseExpand understands attachments, itemAttachment/item and singleValueExtendedProperties
// with the $filter on id that Graph requires.
// https://learn.microsoft.com/en-us/graph/api/singlevaluelegacyextendedproperty-get
func (q *query) parseExpand(s string) error {
	for _, item := range splitTop(s) {
		item = strings.TrimSpace(item)
		name, opts, _ := strings.Cut(item, "(")
		opts = strings.TrimSuffix(opts, ")")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "attachments":
			q.attachments = true
			if k, v, ok := strings.Cut(opts, "="); ok && strings.EqualFold(strings.TrimSpace(k), "$select") {
				sel, err := parseAttachmentSelect(v)
				if err != nil {
					return err
				}
				q.attSelect = sel
			}
		case "microsoft.graph.itemattachment/item", "item":
			q.itemExpand = true
		case "singlevalueextendedproperties":
			ids, err := parseExtFilter(opts)
			if err != nil {
				return err
			}
			q.extProps = append(q.extProps, ids...)
		default:
			return fmt.Errorf("Could not find a property named '%s' on type 'microsoft.graph.message'.", strings.TrimSpace(name))
		}
	}
	return nil
}

// parseExtFilter reads "$filter=id eq 'String 0x001A' or id eq '...'".
func parseExtFilter(opts string) ([]string, error) {
	k, f, ok := strings.Cut(opts, "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(k), "$filter") {
		return nil, fmt.Errorf("Expanding singleValueExtendedProperties requires a $filter on id.")
	}
	var ids []string
	for _, part := range splitWord(f, "or") {
		fields := strings.Fields(part)
		if len(fields) < 3 || !strings.EqualFold(fields[0], "id") || !strings.EqualFold(fields[1], "eq") {
			return nil, fmt.Errorf("Invalid filter clause in singleValueExtendedProperties: %q.", strings.TrimSpace(part))
		}
		ids = append(ids, normalizePropID(strings.Trim(strings.Join(fields[2:], " "), "'")))
	}
	return ids, nil
}

// normalizePropID writes a tag-based property id the way Graph echoes it: "String 0x1a".
func normalizePropID(id string) string {
	typ, tag, ok := strings.Cut(strings.TrimSpace(id), " ")
	if !ok {
		return id
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(tag)), "0x"), 16, 32)
	if err != nil {
		return id
	}
	return fmt.Sprintf("%s 0x%x", typ, n)
}

// splitWord splits s on a whole word (case-insensitive) outside quotes.
func splitWord(s, word string) []string {
	var out []string
	fields := strings.Fields(s)
	var cur []string
	inQuote := false
	for _, f := range fields {
		if !inQuote && strings.EqualFold(f, word) {
			out = append(out, strings.Join(cur, " "))
			cur = nil
			continue
		}
		if strings.Count(f, "'")%2 == 1 {
			inQuote = !inQuote
		}
		cur = append(cur, f)
	}
	return append(out, strings.Join(cur, " "))
}

// filterProps are the properties $filter may name, with their kinds.
var filterProps = map[string]string{
	"receivedDateTime": "time", "sentDateTime": "time", "createdDateTime": "time",
	"lastModifiedDateTime": "time", "isRead": "bool", "isDraft": "bool", "hasAttachments": "bool",
	"internetMessageId": "string", "conversationId": "string", "subject": "string", "importance": "string",
}

// parseFilter reads clauses joined by "and": "receivedDateTime ge 2024-01-01T00:00:00Z".
// https://learn.microsoft.com/en-us/graph/filter-query-parameter
func parseFilter(s string) ([]clause, error) {
	var out []clause
	for _, part := range splitWord(s, "and") {
		fields := strings.Fields(part)
		if len(fields) < 3 {
			return nil, fmt.Errorf("Invalid filter clause: %q.", strings.TrimSpace(part))
		}
		prop, ok := propName(fields[0])
		kind := filterProps[prop]
		if !ok || kind == "" {
			return nil, fmt.Errorf("Invalid filter clause: property '%s' is not supported by this emulator.", fields[0])
		}
		op := strings.ToLower(fields[1])
		if !slices.Contains([]string{"eq", "ne", "gt", "ge", "lt", "le"}, op) {
			return nil, fmt.Errorf("Invalid filter clause: operator '%s' is not supported.", fields[1])
		}
		lit := strings.Join(fields[2:], " ")
		val, err := literal(kind, lit)
		if err != nil {
			return nil, err
		}
		out = append(out, clause{prop: prop, op: op, value: val})
	}
	return out, nil
}

func literal(kind, lit string) (any, error) {
	switch kind {
	case "time":
		t, err := time.Parse(time.RFC3339Nano, strings.Trim(lit, "'"))
		if err != nil {
			return nil, fmt.Errorf("Invalid filter clause: '%s' is not a DateTimeOffset.", lit)
		}
		return t.UTC(), nil
	case "bool":
		b, err := strconv.ParseBool(lit)
		if err != nil {
			return nil, fmt.Errorf("Invalid filter clause: '%s' is not a Boolean.", lit)
		}
		return b, nil
	default:
		if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
			return nil, fmt.Errorf("Invalid filter clause: '%s' is not a quoted string.", lit)
		}
		return strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"), nil
	}
}

func parseOrderBy(s string) ([]order, error) {
	var out []order
	for _, part := range strings.Split(s, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, fmt.Errorf("Invalid $orderby clause: %q.", part)
		}
		prop, ok := propName(fields[0])
		if !ok || (filterProps[prop] != "time" && prop != "subject") {
			return nil, fmt.Errorf("Invalid $orderby clause: property '%s' is not supported by this emulator.", fields[0])
		}
		o := order{prop: prop}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "desc":
				o.desc = true
			case "asc":
			default:
				return nil, fmt.Errorf("Invalid $orderby direction '%s'.", fields[1])
			}
		}
		out = append(out, o)
	}
	return out, nil
}

// checkFilterOrder enforces Outlook's rule for $filter with $orderby: properties in $orderby
// must also be in $filter, first and in the same order, else InefficientFilter.
// https://learn.microsoft.com/en-us/graph/api/user-list-messages#using-filter-and-orderby-in-the-same-query
func (q query) checkFilterOrder() bool {
	if len(q.filter) == 0 || len(q.orderBy) == 0 {
		return true
	}
	seen := []string{}
	for _, c := range q.filter {
		if !slices.Contains(seen, c.prop) {
			seen = append(seen, c.prop)
		}
	}
	if len(seen) < len(q.orderBy) {
		return false
	}
	for i, o := range q.orderBy {
		if seen[i] != o.prop {
			return false
		}
	}
	return true
}

// attachmentProps are the attachment properties, with the derived types' ones.
// https://learn.microsoft.com/en-us/graph/api/resources/attachment#properties
var attachmentProps = []string{"id", "name", "contentType", "size", "isInline", "lastModifiedDateTime",
	"contentBytes", "contentId", "contentLocation", "item"}

// parseAttachmentSelect accepts plain names and casts such as
// microsoft.graph.fileAttachment/contentBytes.
func parseAttachmentSelect(s string) (map[string]bool, error) {
	sel := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		name := f
		if i := strings.LastIndexByte(f, '/'); i >= 0 {
			name = f[i+1:]
		}
		i := slices.IndexFunc(attachmentProps, func(p string) bool { return strings.EqualFold(p, name) })
		if i < 0 {
			return nil, fmt.Errorf("Could not find a property named '%s' on type 'microsoft.graph.attachment'.", f)
		}
		sel[attachmentProps[i]] = true
	}
	return sel, nil
}
