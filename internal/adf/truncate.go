package adf

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// MaxChars is Jira Cloud's limit for a description or comment, measured by Doc.Size.
// https://jira.atlassian.com/browse/JRACLOUD-68949
const MaxChars = 32767

// DefaultTruncationNote is the note Truncate appends.
const DefaultTruncationNote = "[... mail truncated]"

// TruncationNote is the note to use when the full mail is attached as attachmentName.
func TruncationNote(attachmentName string) string {
	return fmt.Sprintf("[... mail truncated: the full mail is attached as %s]", attachmentName)
}

// Truncate cuts doc so that its Size is at most maxChars, ending it with
// DefaultTruncationNote; it reports whether anything was cut.
func Truncate(doc *Doc, maxChars int) (*Doc, bool) {
	return TruncateWithNote(doc, maxChars, DefaultTruncationNote)
}

// TruncateWithNote is Truncate with the note's text chosen by the caller. It keeps the
// longest prefix of the content (in document order, cutting inside text where needed)
// that fits together with the note, and the result stays valid ADF.
func TruncateWithNote(doc *Doc, maxChars int, note string) (*Doc, bool) {
	if doc.Size() <= maxChars {
		return doc, false
	}
	build := func(budget int, noteText string) *Doc {
		d := NewDoc(cutBlocks(doc.Content, budget)...)
		if n := Note(noteText); len(n.Content) > 0 {
			d.Content = append(d.Content, n)
		}
		return d
	}
	total := units(doc.Content)
	// The size grows with the budget, so the largest budget that fits is found by bisection.
	keep := sort.Search(total+1, func(b int) bool { return build(b, note).Size() > maxChars }) - 1
	if keep >= 0 {
		return build(keep, note), true
	}
	// Not even the note fits: shorten the note itself.
	r := []rune(note)
	n := sort.Search(len(r)+1, func(k int) bool { return build(0, string(r[:k])).Size() > maxChars }) - 1
	return build(0, string(r[:max(n, 0)])), true
}

// units counts what cutBlocks can keep: runes of text plus one per other leaf node.
func units(nodes []*Node) int {
	n := 0
	for _, nd := range nodes {
		switch {
		case nd.Type == TypeText:
			n += utf8.RuneCountInString(nd.Text)
		case len(nd.Content) == 0:
			n++
		default:
			n += units(nd.Content)
		}
	}
	return n
}

// cutBlocks copies the first budget units of nodes, dropping containers left empty.
func cutBlocks(nodes []*Node, budget int) []*Node {
	c := &cutter{left: budget}
	return c.nodes(nodes)
}

type cutter struct{ left int }

func (c *cutter) nodes(in []*Node) []*Node {
	var out []*Node
	for _, n := range in {
		if c.left <= 0 {
			break
		}
		if m := c.node(n); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func (c *cutter) node(n *Node) *Node {
	switch {
	case n.Type == TypeText:
		r := []rune(n.Text)
		if len(r) <= c.left {
			c.left -= len(r)
			return n
		}
		t := string(r[:c.left])
		c.left = 0
		return &Node{Type: TypeText, Text: t, Marks: n.Marks}
	case len(n.Content) == 0:
		c.left--
		return n
	}
	cp := *n
	if cp.Content = c.nodes(n.Content); len(cp.Content) == 0 {
		return nil
	}
	return &cp
}
