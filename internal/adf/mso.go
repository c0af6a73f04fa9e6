package adf

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// Word (Outlook's editor) writes lists as paragraphs styled "mso-list:l0 level1 lfo1" whose
// bullet or number sits in a span that only non-Office clients show. These helpers turn a
// run of such paragraphs back into ADF lists.

var msoLevelRE = regexp.MustCompile(`level(\d+)`)

// msoListLevel is the list level of a Word list paragraph, or 0.
func msoListLevel(n *html.Node) int {
	if !isElement(n, "p") {
		return 0
	}
	v := style(n)["mso-list"]
	m := msoLevelRE.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	level, _ := strconv.Atoi(m[1])
	return level
}

// isDownlevelIf reports Word's "<![if !cond]>" marker, which browsers show the content of.
func isDownlevelIf(n *html.Node, cond string) bool {
	return n.Type == html.CommentNode && strings.HasPrefix(strings.TrimSpace(n.Data), "[if !"+cond)
}

func skipToEndif(n *html.Node) *html.Node {
	for ch := n.NextSibling; ch != nil; ch = ch.NextSibling {
		if ch.Type == html.CommentNode && strings.TrimSpace(ch.Data) == "[endif]" {
			return ch
		}
	}
	return n
}

type msoItem struct {
	level   int
	ordered bool
	p       *html.Node
}

// msoList converts the run of Word list paragraphs starting at first and returns the
// last sibling it consumed.
func (c *converter) msoList(first *html.Node) *html.Node {
	items, last := msoRun(first)
	c.flushPara()
	for i := 0; i < len(items); {
		list, used := c.msoBuild(items[i:])
		if list != nil {
			c.addBlock(list)
		}
		i += used
	}
	return last
}

func msoRun(first *html.Node) ([]msoItem, *html.Node) {
	var items []msoItem
	last := first
	for n := first; n != nil; n = n.NextSibling {
		switch {
		case msoListLevel(n) > 0:
			items = append(items, msoItem{level: msoListLevel(n), ordered: orderedMarker(msoMarker(n)), p: n})
			last = n
		case n.Type == html.CommentNode, n.Type == html.TextNode && strings.TrimSpace(n.Data) == "":
		default:
			return items, last
		}
	}
	return items, last
}

// msoBuild builds one list from items at the first item's level, nesting deeper items,
// and reports how many items it used; the list is nil when every item was empty.
func (c *converter) msoBuild(items []msoItem) (*Node, int) {
	level, ordered := items[0].level, items[0].ordered
	typ := TypeBulletList
	if ordered {
		typ = TypeOrderedList
	}
	list := &Node{Type: typ}
	i := 0
	for i < len(items) && items[i].level >= level {
		it := items[i]
		if it.level > level {
			sub, used := c.msoBuild(items[i:])
			if sub != nil {
				list.Content = nestList(list.Content, []*Node{sub})
			}
			i += used
			continue
		}
		if it.ordered != ordered {
			break
		}
		var item *Node
		c.visit(it.p, func() { item = c.listItem(func() { c.children(it.p) }) })
		if item != nil {
			list.Content = append(list.Content, item)
		}
		i++
	}
	if len(list.Content) == 0 {
		return nil, i
	}
	return list, i
}

// msoMarker is the bullet or number text Word put in the list paragraph.
func msoMarker(p *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, in bool) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			inside := in || (ch.Type == html.ElementNode && strings.EqualFold(style(ch)["mso-list"], "ignore"))
			if ch.Type == html.TextNode && inside {
				b.WriteString(ch.Data)
			}
			walk(ch, inside)
		}
	}
	walk(p, false)
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "\u00a0", " "))
}

var orderedRE = regexp.MustCompile(`^\(?([0-9]+|[a-zA-Z]|[ivxlcdmIVXLCDM]+)[.)]$`)

func orderedMarker(m string) bool { return orderedRE.MatchString(m) }
