package adf

import (
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// text writes a text node's content, collapsing whitespace the way a browser does.
func (c *converter) text(s string) {
	if c.code != nil {
		c.code.WriteString(s)
		return
	}
	s = cleanText(s)
	if s == "" {
		return
	}
	words := strings.FieldsFunc(s, isCollapsible)
	if isCollapsible(rune(s[0])) {
		c.pendingSpace()
	}
	if len(words) == 0 {
		return
	}
	body := strings.ReplaceAll(strings.Join(words, " "), "\u00a0", " ")
	if strings.TrimSpace(body) == "" {
		// &nbsp; alone: Outlook's filler for blank lines and spacing.
		c.filler = true
		c.pendingSpace()
		return
	}
	c.addText(body, c.currentMarks())
	if isCollapsible(rune(s[len(s)-1])) {
		c.pendingSpace()
	}
}

// pendingSpace notes collapsed whitespace; like a browser, the run keeps the formatting
// of its first character.
func (c *converter) pendingSpace() {
	if k := c.top(); !k.space {
		k.space, k.spaceMarks = true, c.currentMarks()
	}
}

// isCollapsible reports HTML's collapsible whitespace; &nbsp; is not.
func isCollapsible(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

// addText appends text with marks, turning bare URLs into links where no link or code is.
func (c *converter) addText(s string, marks []Mark) {
	if hasMark(marks, MarkLink) || hasMark(marks, MarkCode) {
		c.addInline(Text(s, marks...))
		return
	}
	for _, seg := range linkify(s) {
		if seg.href == "" {
			c.addInline(Text(seg.text, marks...))
			continue
		}
		c.addInline(Text(seg.text, normalizeMarks(append(slices.Clone(marks), Link(seg.href)))...))
	}
}

// cleanText drops characters that are invisible or that Jira rejects: control characters,
// byte-order marks, zero-width spaces and soft hyphens. Zero-width (non-)joiners stay:
// Persian, Indic scripts and emoji need them.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\f':
			return r
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case r == '\ufeff' || r == '\u200b' || r == '\u00ad' || r == '\ufffe' || r == '\uffff':
			return -1
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// cleanCode normalises a <pre> block: Unix newlines, tabs kept, no blank edges.
func cleanCode(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(cleanText(s), "\r", "\n")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\f", "\n"), "\u00a0", " ")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func (c *converter) currentMarks() []Mark { return normalizeMarks(c.marks) }

// markRank orders marks canonically so equal formatting compares equal.
var markRank = map[string]int{MarkLink: 0, MarkStrong: 1, MarkEm: 2, MarkUnderline: 3,
	MarkStrike: 4, MarkSubSup: 5, MarkTextColor: 6, MarkCode: 7}

// normalizeMarks keeps one mark per type (the innermost), drops what ADF forbids next to
// a code mark (only link may join it), and sorts.
func normalizeMarks(ms []Mark) []Mark {
	byType := map[string]Mark{}
	for _, m := range ms {
		byType[m.Type] = m
	}
	_, code := byType[MarkCode]
	out := make([]Mark, 0, len(byType))
	for t, m := range byType {
		if code && t != MarkCode && t != MarkLink {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Mark) int { return markRank[a.Type] - markRank[b.Type] })
	if len(out) == 0 {
		return nil
	}
	return out
}

func hasMark(ms []Mark, t string) bool {
	return slices.ContainsFunc(ms, func(m Mark) bool { return m.Type == t })
}

func sameMarks(a, b []Mark) bool {
	return len(a) == len(b) && reflect.DeepEqual(normalizeMarks(a), normalizeMarks(b))
}

// tidyInline trims spaces at line edges, drops leading and trailing breaks, merges
// neighbouring text with equal marks, and never leaves an empty text node. The second pass
// catches edges that only appear once whitespace-only nodes are gone.
func tidyInline(in []*Node) []*Node {
	return tidyPass(tidyPass(in))
}

func tidyPass(in []*Node) []*Node {
	var out []*Node
	for i, n := range in {
		if n.Type == TypeText {
			t := n.Text
			if i == 0 || in[i-1].Type == TypeHardBreak {
				t = strings.TrimLeft(t, " ")
			}
			if i == len(in)-1 || in[i+1].Type == TypeHardBreak {
				t = strings.TrimRight(t, " ")
			}
			n = &Node{Type: TypeText, Text: t, Marks: n.Marks}
		}
		out = appendInline(out, n)
	}
	for len(out) > 0 && out[len(out)-1].Type == TypeHardBreak {
		out = out[:len(out)-1]
	}
	return out
}

func appendInline(out []*Node, n *Node) []*Node {
	switch {
	case n.Type == TypeText && n.Text == "":
		return out
	case n.Type == TypeHardBreak && len(out) == 0:
		return out
	}
	if len(out) > 0 {
		last := out[len(out)-1]
		if n.Type == TypeText && last.Type == TypeText && sameMarks(last.Marks, n.Marks) {
			out[len(out)-1] = &Node{Type: TypeText, Text: last.Text + n.Text, Marks: last.Marks}
			return out
		}
	}
	return append(out, n)
}
