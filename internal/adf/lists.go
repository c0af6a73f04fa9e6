package adf

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// list converts <ul>/<ol>. Content that is not in an <li> (sloppy editors put text or a
// nested list straight into the list) joins an item instead of being lost.
func (c *converter) list(n *html.Node) {
	c.flushPara()
	var items []*Node
	var stray []*html.Node
	flushStray := func() {
		nodes := stray
		stray = nil
		if len(nodes) == 0 {
			return
		}
		if item := c.listItem(func() { walkAll(c, nodes) }); item != nil {
			items = append(items, item)
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		switch {
		case isElement(ch, "li"):
			flushStray()
			c.visit(ch, func() {
				if item := c.listItem(func() { c.children(ch) }); item != nil {
					items = append(items, item)
				}
			})
		case isElement(ch, "ul", "ol", "menu", "dir"):
			flushStray()
			items = nestList(items, c.collect(TypeDoc, func() { c.node(ch) }))
		case ch.Type == html.CommentNode, ch.Type == html.TextNode && strings.TrimSpace(ch.Data) == "":
		default:
			stray = append(stray, ch)
		}
	}
	flushStray()
	if len(items) > 0 {
		c.addBlock(listNode(n, items))
	}
}

func walkAll(c *converter, nodes []*html.Node) {
	for _, n := range nodes {
		c.node(n)
	}
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
