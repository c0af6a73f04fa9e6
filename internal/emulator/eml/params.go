package eml

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parseMediaType splits a Content-Type or Content-Disposition value into its lower-cased
// value and parameters. Unlike mime.ParseMediaType it never fails: real mail carries
// duplicate or unquoted parameters, and RFC 2231 values in charsets other than UTF-8.
func parseMediaType(v string) (string, map[string]string) {
	value, rest, _ := strings.Cut(v, ";")
	value = strings.ToLower(strings.TrimSpace(value))
	params := map[string]string{}
	sections := map[string]map[int]section{}
	for _, p := range splitParams(rest) {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = unquote(strings.TrimSpace(val))
		if k == "" {
			continue
		}
		if base, idx, ext, ok := rfc2231Key(k); ok {
			if sections[base] == nil {
				sections[base] = map[int]section{}
			}
			sections[base][idx] = section{value: val, extended: ext}
			continue
		}
		if _, dup := params[k]; !dup {
			params[k] = val
		}
	}
	for base, secs := range sections {
		// RFC 2231 values take precedence over plain ones of the same name.
		params[base] = joinSections(secs)
	}
	return value, params
}

type section struct {
	value    string
	extended bool // ends in '*': percent-encoded, the first one carrying charset'lang'
}

// rfc2231Key recognises name*, name*N and name*N*.
func rfc2231Key(k string) (base string, idx int, extended bool, ok bool) {
	i := strings.IndexByte(k, '*')
	if i <= 0 {
		return "", 0, false, false
	}
	base, rest := k[:i], k[i+1:]
	if rest == "" {
		return base, 0, true, true
	}
	extended = strings.HasSuffix(rest, "*")
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
	if err != nil || n < 0 || n > 999 {
		return "", 0, false, false
	}
	return base, n, extended, true
}

// joinSections concatenates RFC 2231 continuations and decodes them with the charset the
// first section names.
func joinSections(secs map[int]section) string {
	idx := make([]int, 0, len(secs))
	for i := range secs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	charset := ""
	var raw []byte
	for n, i := range idx {
		s := secs[i]
		v := s.value
		if s.extended && n == 0 {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				charset, v = parts[0], parts[2]
			}
		}
		if s.extended {
			if dec, err := url.PathUnescape(v); err == nil {
				v = dec
			}
		}
		raw = append(raw, v...)
	}
	return toUTF8(raw, charset)
}

// splitParams splits at semicolons outside quoted strings.
func splitParams(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && quoted && i+1 < len(s):
			cur.WriteByte(c)
			i++
			c = s[i]
		case c == '"':
			quoted = !quoted
		case c == ';' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteByte(c)
	}
	return append(out, cur.String())
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(v); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return strings.Trim(v, `"`)
}
