package adf

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// list converts <ul>/<ol>.
func (c *converter) list(n *html.Node) {
	c.flushPara()
	if items := c.listItems(n); len(items) > 0 {
		c.addBlock(listNode(n, items))
	}
}

// listItems converts a list's children. Content outside an <li> (sloppy editors put text
// or a nested list straight into the list) joins an item instead of being lost.
func (c *converter) listItems(n *html.Node) []*Node {
	var items []*Node
	var stray []*html.Node
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		switch {
		case isElement(ch, "li"):
			items = c.strayItem(items, stray)
			stray = nil
			c.visit(ch, func() { items = appendItem(items, c.listItem(func() { c.children(ch) })) })
		case isElement(ch, "ul", "ol", "menu", "dir"):
			items = c.strayItem(items, stray)
			stray = nil
			items = nestList(items, c.collect(TypeDoc, func() { c.node(ch) }))
		case ch.Type == html.ElementNode, ch.Type == html.TextNode && strings.TrimSpace(ch.Data) != "":
			stray = append(stray, ch)
		}
	}
	return c.strayItem(items, stray)
}

// strayItem turns content found outside any <li> into one more item.
func (c *converter) strayItem(items []*Node, stray []*html.Node) []*Node {
	if len(stray) == 0 {
		return items
	}
	return appendItem(items, c.listItem(func() {
		for _, n := range stray {
			c.node(n)
		}
	}))
}

func appendItem(items []*Node, item *Node) []*Node {
	if item == nil {
		return items
	}
	return append(items, item)
}

// nestList puts a list that sits directly in another list under the previous item, which
// is how browsers show it; with no previous item its items join the outer list.
func nestList(items []*Node, blocks []*Node) []*Node {
	for _, b := range blocks {
		switch {
		case len(items) > 0:
			last := items[len(items)-1]
			last.Content = fit(TypeListItem, append(last.Content, b))
		case isList(b.Type):
			items = append(items, b.Content...)
		default:
			items = append(items, &Node{Type: TypeListItem, Content: fit(TypeListItem, []*Node{b})})
		}
	}
	return items
}

func (c *converter) listItem(fn func()) *Node {
	blocks := c.collect(TypeListItem, fn)
	if len(blocks) == 0 {
		return nil
	}
	return &Node{Type: TypeListItem, Content: blocks}
}

func listNode(n *html.Node, items []*Node) *Node {
	if n.Data != "ol" {
		return &Node{Type: TypeBulletList, Content: items}
	}
	list := &Node{Type: TypeOrderedList, Content: items}
	if start, err := strconv.Atoi(strings.TrimSpace(attr(n, "start"))); err == nil && start >= 0 && start != 1 {
		list.Attrs = map[string]any{"order": start}
	}
	return list
}

// fit rewrites blocks so that each is allowed in container: headings become bold
// paragraphs, quotes and panels are unwrapped, tables are flattened, rules are dropped,
// and a list item never starts with a list.
func fit(container string, blocks []*Node) []*Node {
	var out []*Node
	for _, b := range blocks {
		out = append(out, fitBlock(container, b)...)
	}
	if container == TypeListItem && len(out) > 0 && isList(out[0].Type) {
		out = append([]*Node{Paragraph()}, out...)
	}
	return out
}

func fitBlock(container string, b *Node) []*Node {
	if allowedIn(container, b.Type) {
		return []*Node{b}
	}
	switch b.Type {
	case TypeHeading:
		return fitBlock(container, boldParagraph(b))
	case TypeBlockquote, TypePanel:
		return fit(container, b.Content)
	case TypeTable:
		var out []*Node
		for _, row := range b.Content {
			for _, cell := range row.Content {
				out = append(out, fit(container, cell.Content)...)
			}
		}
		return out
	case TypeMediaGroup:
		var out []*Node
		for _, m := range b.Content {
			out = append(out, fitBlock(container, mediaSingle(m))...)
		}
		return out
	}
	return nil
}

func boldParagraph(h *Node) *Node {
	p := Paragraph()
	for _, n := range h.Content {
		if n.Type == TypeText && !hasMark(n.Marks, MarkCode) {
			n = Text(n.Text, normalizeMarks(append(append([]Mark{}, n.Marks...), Strong()))...)
		}
		p.Content = append(p.Content, n)
	}
	return p
}
