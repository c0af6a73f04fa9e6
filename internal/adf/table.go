package adf

import (
	"strings"

	"golang.org/x/net/html"
)

// maxTableColumns bounds the tables kept as tables; wider ones are layout or data dumps.
const maxTableColumns = 20

// table keeps simple data tables as ADF tables and flattens the rest (layout tables,
// signature blocks, nested or spanning tables) into the surrounding text, row by row.
func (c *converter) table(n *html.Node) {
	c.flushPara()
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if isElement(ch, "caption") {
			c.node(ch)
		}
	}
	rows := tableRows(n)
	if c.keepTable(n, rows) {
		c.adfTable(rows)
		return
	}
	c.flattenTable(rows)
}

// tableRows lists the visible rows' cells, looking through thead, tbody and tfoot.
func tableRows(t *html.Node) [][]*html.Node {
	var rows [][]*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			switch {
			case hidden(ch):
			case isElement(ch, "thead", "tbody", "tfoot"):
				walk(ch)
			case isElement(ch, "tr"):
				rows = append(rows, rowCells(ch))
			}
		}
	}
	walk(t)
	return rows
}

func rowCells(tr *html.Node) []*html.Node {
	var cells []*html.Node
	for ch := tr.FirstChild; ch != nil; ch = ch.NextSibling {
		if isElement(ch, "td", "th") {
			cells = append(cells, ch)
		}
	}
	return cells
}

func (c *converter) keepTable(t *html.Node, rows [][]*html.Node) bool {
	if !allowedIn(c.top().container, TypeTable) || strings.EqualFold(attr(t, "role"), "presentation") {
		return false
	}
	if len(rows) < 2 || len(rows[0]) < 2 || len(rows[0]) > maxTableColumns {
		return false
	}
	for _, row := range rows {
		if len(row) != len(rows[0]) {
			return false
		}
		for _, cell := range row {
			if spans(cell) || containsTag(cell, "table") {
				return false
			}
		}
	}
	return true
}

func spans(cell *html.Node) bool {
	for _, k := range []string{"colspan", "rowspan"} {
		if v := strings.TrimSpace(attr(cell, k)); v != "" && v != "1" {
			return true
		}
	}
	return false
}

func containsTag(n *html.Node, tag string) bool {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if isElement(ch, tag) || containsTag(ch, tag) {
			return true
		}
	}
	return false
}

func (c *converter) adfTable(rows [][]*html.Node) {
	before := c.emitted
	table := &Node{Type: TypeTable, Attrs: map[string]any{"isNumberColumnEnabled": false}}
	for _, row := range rows {
		tr := &Node{Type: TypeTableRow}
		for _, cell := range row {
			typ := TypeTableCell
			if cell.Data == "th" {
				typ = TypeTableHeader
			}
			var blocks []*Node
			c.visit(cell, func() { blocks = c.collect(typ, func() { c.children(cell) }) })
			if len(blocks) == 0 {
				blocks = []*Node{Paragraph()}
			}
			tr.Content = append(tr.Content, &Node{Type: typ, Content: blocks})
		}
		table.Content = append(table.Content, tr)
	}
	if c.emitted > before {
		c.addBlock(table)
	}
}

func (c *converter) flattenTable(rows [][]*html.Node) {
	for _, row := range rows {
		var parts [][]*Node
		for _, cell := range row {
			var blocks []*Node
			c.visit(cell, func() { blocks = c.collect(c.top().container, func() { c.children(cell) }) })
			if len(blocks) > 0 {
				parts = append(parts, blocks)
			}
		}
		for _, b := range joinRow(parts) {
			c.addBlock(b)
		}
	}
}

// joinRow writes a row whose cells are each one line as "a | b | c"; other rows keep
// their cells' blocks one after the other.
func joinRow(parts [][]*Node) []*Node {
	if len(parts) < 2 {
		return concat(parts)
	}
	for _, p := range parts {
		if len(p) != 1 || p[0].Type != TypeParagraph || hasBreak(p[0]) {
			return concat(parts)
		}
	}
	joined := Paragraph()
	for i, p := range parts {
		if i > 0 {
			joined.Content = append(joined.Content, Text(" | "))
		}
		joined.Content = append(joined.Content, p[0].Content...)
	}
	joined.Content = tidyInline(joined.Content)
	return []*Node{joined}
}

func concat(parts [][]*Node) []*Node {
	var out []*Node
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func hasBreak(p *Node) bool {
	for _, n := range p.Content {
		if n.Type == TypeHardBreak {
			return true
		}
	}
	return false
}
