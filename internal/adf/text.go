package adf

import (
	"regexp"
	"strings"
)

// FromText converts a plain-text mail body: blank lines separate paragraphs, single
// newlines become hard breaks, and URLs become links.
func FromText(text string) *Doc {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\f", "\n").Replace(cleanText(text))
	doc := NewDoc()
	for _, para := range splitParagraphs(text) {
		p := Paragraph()
		for i, line := range para {
			if i > 0 {
				p.Content = append(p.Content, HardBreak())
			}
			for _, seg := range linkify(line) {
				if seg.href != "" {
					p.Content = append(p.Content, Text(seg.text, Link(seg.href)))
				} else {
					p.Content = append(p.Content, Text(seg.text))
				}
			}
		}
		if p.Content = mergeText(p.Content); len(p.Content) > 0 {
			doc.Content = append(doc.Content, p)
		}
	}
	return doc
}

// mergeText joins neighbouring text with equal marks; unlike HTML, plain text keeps
// its indentation.
func mergeText(in []*Node) []*Node {
	var out []*Node
	for _, n := range in {
		out = appendInline(out, n)
	}
	return out
}

// splitParagraphs groups non-blank lines, right-trimmed, into paragraphs.
func splitParagraphs(text string) [][]string {
	var paras [][]string
	var cur []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, " \t\f\u00a0")
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				paras = append(paras, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, strings.ReplaceAll(line, "\t", "    "))
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras
}

type segment struct {
	text string
	href string // empty for plain text
}

var urlRE = regexp.MustCompile(`(?i)\b(?:https?://|mailto:|www\.)[^\s<>"\x{a0}]+`)

// linkify splits s into plain text and URL segments.
func linkify(s string) []segment {
	var out []segment
	last := 0
	for _, loc := range urlRE.FindAllStringIndex(s, -1) {
		start, end := loc[0], loc[0]+len(trimURL(s[loc[0]:loc[1]]))
		href := s[start:end]
		if strings.HasPrefix(strings.ToLower(href), "www.") {
			href = "https://" + href
		}
		if href = safeHref(href); href == "" || end == start {
			continue
		}
		if start > last {
			out = append(out, segment{text: s[last:start]})
		}
		out = append(out, segment{text: s[start:end], href: href})
		last = end
	}
	if last < len(s) {
		out = append(out, segment{text: s[last:]})
	}
	return out
}

// trimURL drops punctuation that ends the sentence rather than the URL, keeping a closing
// bracket that pairs with one inside the URL (as in Wikipedia links).
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"),
			last == ']' && strings.Count(u, "[") < strings.Count(u, "]"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}
