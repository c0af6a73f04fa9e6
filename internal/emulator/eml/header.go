package eml

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// headers is a header section in the order the mail carries it.
type headers []Header

// get returns the first value of the named header, or "".
func (h headers) get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// has reports whether the named header is present at all (even empty).
func (h headers) has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// hasPrefix reports whether any header name starts with prefix.
func (h headers) hasPrefix(prefix string) bool {
	for _, f := range h {
		if len(f.Name) >= len(prefix) && strings.EqualFold(f.Name[:len(prefix)], prefix) {
			return true
		}
	}
	return false
}

// splitHeader reads an RFC 5322 header section and returns its fields, unfolded, and the body
// that follows the blank line. A section without a blank line is all header.
func splitHeader(b []byte) (headers, []byte, error) {
	var hs headers
	first := true
	for len(b) > 0 {
		line, rest := cutLine(b)
		if len(line) == 0 {
			return hs, rest, nil
		}
		b = rest
		if line[0] == ' ' || line[0] == '\t' {
			if len(hs) > 0 {
				// Unfolding removes only the line break, keeping the whitespace (RFC 5322 §2.2.3).
				hs[len(hs)-1].Value += string(line)
			}
			first = false
			continue
		}
		if first && bytes.HasPrefix(line, []byte("From ")) {
			first = false // an mbox separator line, as some tools save .eml files
			continue
		}
		first = false
		name, value, ok := bytes.Cut(line, []byte(":"))
		name = bytes.TrimRight(name, " \t")
		if !ok || !validFieldName(name) {
			return nil, nil, fmt.Errorf("header line %q is not a header field: %w", truncate(string(line), 40), errs.ErrInvalid)
		}
		hs = append(hs, Header{Name: string(name), Value: string(value)})
	}
	return hs, nil, nil
}

// cleanHeaders trims the values, turns stray CRs into spaces, and makes them valid UTF-8
// (raw 8-bit headers happen).
func cleanHeaders(hs headers) headers {
	for i := range hs {
		v := strings.ReplaceAll(hs[i].Value, "\r", " ")
		hs[i].Value = lenientUTF8([]byte(strings.TrimSpace(v)))
	}
	return hs
}

// cutLine returns the first line of b without its line break, and the rest after it.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimSuffix(b, []byte("\r")), nil
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:]
}

func validFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// addressParser decodes encoded-words in display names with every charset x/text knows.
var addressParser = &mail.AddressParser{WordDecoder: wordDecoder}

// parseAddresses parses an address-list header. Mailers get the syntax wrong often enough
// (unquoted commas or dots in names, bare addresses with comments) that a strict parse
// falls back to a forgiving one rather than dropping recipients.
func parseAddresses(v string) []Address {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if list, err := addressParser.ParseList(v); err == nil {
		out := make([]Address, 0, len(list))
		for _, a := range list {
			out = append(out, Address{Name: a.Name, Address: a.Address})
		}
		return out
	}
	var out []Address
	carry := ""
	for _, item := range splitAddressList(v) {
		if a, ok := looseAddress(carry + item); ok {
			out = append(out, a)
			carry = ""
			continue
		}
		carry = ""
		if t := strings.TrimSpace(item); t != "" && !strings.ContainsAny(t, "@<") {
			carry = t + "," // "Doe, John <j@x>": an unquoted comma inside a display name
		}
	}
	return out
}

// splitAddressList splits at commas outside quotes, angle brackets and comments, and drops
// group syntax ("undisclosed-recipients:;").
func splitAddressList(v string) []string {
	var items []string
	var cur strings.Builder
	quoted, angle, paren := false, false, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '\\' && quoted && i+1 < len(v):
			cur.WriteByte(c)
			i++
			c = v[i]
		case c == '"' && paren == 0:
			quoted = !quoted
		case c == '<' && !quoted && paren == 0:
			angle = true
		case c == '>' && !quoted && paren == 0:
			angle = false
		case c == '(' && !quoted:
			paren++
		case c == ')' && !quoted && paren > 0:
			paren--
		case (c == ',' || c == ';') && !quoted && !angle && paren == 0:
			items = append(items, cur.String())
			cur.Reset()
			continue
		case c == ':' && !quoted && !angle && paren == 0:
			cur.Reset() // a group name
			continue
		}
		cur.WriteByte(c)
	}
	return append(items, cur.String())
}

// looseAddress reads "Name <addr>", "addr (Name)" or a bare address.
func looseAddress(item string) (Address, bool) {
	item = strings.TrimSpace(item)
	if i := strings.LastIndexByte(item, '<'); i >= 0 {
		j := strings.IndexByte(item[i:], '>')
		if j < 0 {
			j = len(item) - i
		}
		addr := strings.TrimSpace(item[i+1 : i+j])
		if !strings.Contains(addr, "@") {
			return Address{}, false
		}
		name := strings.Trim(strings.TrimSpace(item[:i]), `"`)
		return Address{Name: decodeHeader(strings.ReplaceAll(name, `\"`, `"`)), Address: addr}, true
	}
	name := ""
	if i := strings.IndexByte(item, '('); i >= 0 {
		if j := strings.LastIndexByte(item, ')'); j > i {
			name = decodeHeader(strings.TrimSpace(item[i+1 : j]))
		}
		item = strings.TrimSpace(item[:i])
	}
	if !strings.Contains(item, "@") || strings.ContainsAny(item, " \t\"") {
		return Address{}, false
	}
	return Address{Name: name, Address: item}, true
}

// firstAddress is the first address of a header, or nil.
func firstAddress(v string) *Address {
	list := parseAddresses(v)
	if len(list) == 0 {
		return nil
	}
	return &list[0]
}

// msgIDs extracts the <...> message ids from In-Reply-To or References. Values without
// angle brackets (some mailers) are taken word by word and given brackets, as Graph shows them.
func msgIDs(v string) []string {
	var ids []string
	rest := v
	for {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+j]); id != "" {
			ids = append(ids, "<"+id+">")
		}
		rest = rest[i+j+1:]
	}
	if ids != nil {
		return ids
	}
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		if strings.Contains(w, "@") {
			ids = append(ids, "<"+strings.Trim(w, "<>")+">")
		}
	}
	return ids
}

// parseDate reads a Date header, tolerating the common deviations net/mail does not.
func parseDate(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := mail.ParseDate(v); err == nil {
		return t
	}
	if i := strings.IndexByte(v, '('); i > 0 {
		if t, err := mail.ParseDate(strings.TrimSpace(v[:i])); err == nil {
			return t
		}
	}
	for _, layout := range []string{time.RFC3339, "Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 -0700", "Mon Jan 2 15:04:05 2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	return time.Time{}
}
