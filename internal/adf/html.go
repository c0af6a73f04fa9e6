package adf

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// Image says how FromHTML shows an inline (cid:) image that the caller uploaded to Jira.
// The first usable field wins: MediaID, then ExternalURL, then LinkURL; with none of them
// the image becomes a visible "[image: Name]" placeholder.
type Image struct {
	MediaID     string // Media Services file id: shown as file media
	Collection  string // Media Services collection of MediaID; usually empty
	ExternalURL string // shown as external media (for example the attachment's content URL)
	LinkURL     string // shown as a linked "[image: Name]" text
	Name        string // file name, used for alt text and placeholders
	Width       int    // pixels; Jira needs both to size media
	Height      int
}

// Options tunes FromHTML.
type Options struct {
	// InlineImage resolves a cid: image by its content id (without "cid:" and angle
	// brackets). Returning false drops the image, for example a repeated signature logo
	// that was not uploaded. When nil, cid: images become "[image: ...]" placeholders.
	InlineImage func(contentID string) (Image, bool)
	// StripQuotes drops quoted history (Gmail, Apple Mail, Thunderbird quotes, and
	// everything after Outlook's reply header), for comments built from a reply.
	StripQuotes bool
	// StripSignature drops signature blocks that mail clients mark as such.
	StripSignature bool
}

// FromHTML converts a mail's HTML body into an ADF document. It keeps paragraphs, line
// breaks, links, lists, emphasis, code, headings, quotes and simple tables; it drops
// scripts, styles, hidden content, tracking pixels and Office markup that mail clients
// do not show. The result always passes Validate.
func FromHTML(src string, opts Options) (*Doc, error) {
	root, err := parseHTML(src)
	if err != nil {
		return nil, fmt.Errorf("parse mail html: %w", err)
	}
	c := &converter{opts: opts}
	blocks := c.collect(TypeDoc, func() { c.children(findBody(root)) })
	return NewDoc(trimTrailingRules(blocks)...), nil
}

// parseHTML parses src as a document.
func parseHTML(src string) (*html.Node, error) {
	return parseShallow(src, func(r io.Reader) (*html.Node, error) { return html.Parse(r) })
}

// parseShallow runs parse on src. The parser refuses nesting deeper than 512 elements,
// which a long reply chain can reach; such markup is parsed again without its deepest
// tags, as often as needed (with no tags left the parse cannot fail). The newest text of
// a reply chain sits at the top, so little of value is lost.
func parseShallow[T any](src string, parse func(io.Reader) (T, error)) (T, error) {
	out, err := parse(strings.NewReader(src))
	for limit := maxDepth; err != nil && limit >= 0; limit /= 2 {
		shallow, terr := dropDeepTags(src, limit)
		if terr != nil {
			return out, errors.Join(err, terr)
		}
		out, err = parse(strings.NewReader(shallow))
		if limit == 0 {
			break
		}
	}
	return out, err
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.Data == "body" {
		return n
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if b := findBody(ch); b != nil {
			return b
		}
	}
	if n.Type == html.DocumentNode {
		return n
	}
	return nil
}

// trimTrailingRules drops rules left at the end, typically the separator above a quote
// that StripQuotes removed.
func trimTrailingRules(blocks []*Node) []*Node {
	for len(blocks) > 0 && blocks[len(blocks)-1].Type == TypeRule {
		blocks = blocks[:len(blocks)-1]
	}
	return blocks
}

// converter walks the HTML tree once. Blocks go to the sink on top of the stack; inline
// content gathers in that sink's open paragraph until a block boundary closes it.
type converter struct {
	opts    Options
	sinks   []*sink
	marks   []Mark
	code    *strings.Builder // non-nil inside <pre>
	emitted int              // inline and block nodes produced so far
	filler  bool             // a <br> or &nbsp; seen: a blank block still shows as a line
	stopped bool             // quoted history reached under StripQuotes
}

// sink collects the blocks of one container (the document, a list item, a table cell...).
type sink struct {
	container  string
	blocks     []*Node
	inl        []*Node // the open paragraph
	heading    int     // the open paragraph is a heading of this level
	space      bool    // collapsed whitespace waits to be written
	spaceMarks []Mark  // the formatting where that whitespace was
	breaks     int     // line breaks wait to be written; two or more end the paragraph
}

func (c *converter) top() *sink { return c.sinks[len(c.sinks)-1] }

// collect runs fn with a fresh sink and returns its blocks, fitted to container's rules.
func (c *converter) collect(container string, fn func()) []*Node {
	c.sinks = append(c.sinks, &sink{container: container})
	fn()
	c.flushPara()
	k := c.top()
	c.sinks = c.sinks[:len(c.sinks)-1]
	return fit(container, k.blocks)
}

func (c *converter) children(n *html.Node) {
	for ch := n.FirstChild; ch != nil && !c.stopped; ch = ch.NextSibling {
		switch {
		case isDownlevelIf(ch, "supportLists"):
			ch = skipToEndif(ch)
		case msoListLevel(ch) > 0:
			ch = c.msoList(ch)
		default:
			c.node(ch)
		}
	}
}

func (c *converter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		c.text(n.Data)
	case html.ElementNode:
		c.visit(n, func() { c.element(n) })
	case html.DocumentNode:
		c.children(n)
	}
}

// visit runs fn for a visible element with the marks its tag and style imply.
func (c *converter) visit(n *html.Node, fn func()) {
	if c.stopped || skipped(n) || hidden(n) || c.stripped(n) {
		return
	}
	if c.code != nil {
		fn()
		return
	}
	saved := len(c.marks)
	c.marks = append(c.marks, elementMarks(n)...)
	fn()
	c.marks = c.marks[:saved]
}

func (c *converter) element(n *html.Node) {
	if c.code != nil {
		c.preElement(n)
		return
	}
	switch tag := n.Data; tag {
	case "br":
		c.lineBreak()
	case "img":
		c.image(n)
	case "a":
		c.anchor(n)
	case "p":
		c.paragraph(n)
	case "h1", "h2", "h3", "h4", "h5", "h6":
		c.heading(n, int(tag[1]-'0'))
	case "ul", "ol", "menu", "dir":
		c.list(n)
	case "li":
		c.lonelyItem(n)
	case "pre", "xmp", "listing", "plaintext":
		c.pre(n)
	case "blockquote":
		c.blockquote(n)
	case "table":
		c.table(n)
	case "hr":
		c.addBlock(&Node{Type: TypeRule})
	default:
		if softBlocks[tag] {
			c.softBlock(n)
			return
		}
		c.children(n)
	}
}

// softBlocks are block elements that mail clients use for lines (Gmail, Apple Mail and
// Outlook on the web write one div per line): they start a new line, not a paragraph.
var softBlocks = map[string]bool{
	"div": true, "section": true, "article": true, "header": true, "footer": true, "main": true,
	"nav": true, "aside": true, "figure": true, "figcaption": true, "center": true,
	"address": true, "dl": true, "dt": true, "dd": true, "form": true, "fieldset": true,
	"caption": true, "details": true, "summary": true, "tr": true, "td": true, "th": true,
	"tbody": true, "thead": true, "tfoot": true, "hgroup": true,
}

func (c *converter) softBlock(n *html.Node) {
	c.softBreak()
	before, filler := c.emitted, c.filler
	c.filler = false
	c.children(n)
	// A block with nothing but a <br> or &nbsp; is how mail clients write a blank line.
	if k := c.top(); c.emitted == before && c.filler && len(k.inl) > 0 {
		k.breaks++
	}
	c.filler = filler || c.filler
	c.softBreak()
}

func (c *converter) paragraph(n *html.Node) {
	if softParagraph(n) {
		c.softBlock(n)
		return
	}
	c.flushPara()
	c.children(n)
	c.flushPara()
}

func (c *converter) heading(n *html.Node, level int) {
	c.flushPara()
	k := c.top()
	prev := k.heading
	k.heading = level
	c.children(n)
	c.flushPara()
	k.heading = prev
}

func (c *converter) blockquote(n *html.Node) {
	c.flushPara()
	if blocks := c.collect(TypeBlockquote, func() { c.children(n) }); len(blocks) > 0 {
		c.addBlock(&Node{Type: TypeBlockquote, Content: blocks})
	}
}

func (c *converter) pre(n *html.Node) {
	c.flushPara()
	var b strings.Builder
	c.code = &b
	c.children(n)
	c.code = nil
	if text := cleanCode(b.String()); text != "" {
		c.addBlock(&Node{Type: TypeCodeBlock, Content: []*Node{Text(text)}})
	}
}

// preElement keeps only the line structure of markup inside <pre>.
func (c *converter) preElement(n *html.Node) {
	switch n.Data {
	case "br":
		c.code.WriteByte('\n')
	case "img":
	case "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6":
		c.children(n)
		c.code.WriteByte('\n')
	case "td", "th":
		c.children(n)
		c.code.WriteByte('\t')
	default:
		c.children(n)
	}
}

// addBlock closes the open paragraph and appends b to the current container.
func (c *converter) addBlock(b *Node) {
	c.flushPara()
	k := c.top()
	k.blocks = append(k.blocks, b)
	c.emitted++
}

func (c *converter) lineBreak() {
	c.filler = true
	if k := c.top(); len(k.inl) > 0 {
		k.breaks++
	}
}

func (c *converter) softBreak() {
	if k := c.top(); len(k.inl) > 0 && k.breaks < 1 {
		k.breaks = 1
	}
}

// addInline appends n to the open paragraph, first writing any pending line break or space.
func (c *converter) addInline(n *Node) {
	k := c.top()
	if len(k.inl) > 0 {
		switch {
		case k.breaks >= 2:
			c.flushPara()
		case k.breaks == 1:
			k.inl = append(k.inl, HardBreak())
		case k.space:
			k.inl = append(k.inl, Text(" ", k.spaceMarks...))
		}
	}
	k.breaks, k.space = 0, false
	k.inl = append(k.inl, n)
	c.emitted++
}

// flushPara closes the open paragraph (or heading) of the current container.
func (c *converter) flushPara() {
	k := c.top()
	inl := tidyInline(k.inl)
	k.inl, k.breaks, k.space = nil, 0, false
	if len(inl) == 0 {
		return
	}
	if k.heading > 0 {
		k.blocks = append(k.blocks, Heading(k.heading, inl...))
		return
	}
	k.blocks = append(k.blocks, Paragraph(inl...))
}

// maxDepth leaves the parser room for the elements it adds itself (tbody, p, ...).
const maxDepth = 256

// dropDeepTags rewrites src without the start and end tags nested deeper than limit; the
// text inside them stays, joined to the nearest kept ancestor.
func dropDeepTags(src string, limit int) (string, error) {
	z := html.NewTokenizer(strings.NewReader(src))
	d := &depthFilter{limit: limit}
	var b strings.Builder
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if errors.Is(z.Err(), io.EOF) {
				return b.String(), nil
			}
			return "", z.Err()
		}
		name, _ := z.TagName()
		if d.keep(tt, string(name)) {
			b.Write(z.Raw())
		}
	}
}

// depthFilter tracks open elements to decide which tags stay.
type depthFilter struct {
	limit int
	open  []openTag
}

type openTag struct {
	name string
	kept bool
}

func (d *depthFilter) keep(tt html.TokenType, name string) bool {
	switch {
	case tt == html.StartTagToken && !voidElements[name]:
		kept := len(d.open) < d.limit
		d.open = append(d.open, openTag{name: name, kept: kept})
		return kept
	case tt == html.EndTagToken:
		return d.close(name)
	}
	return true
}

// close pops the innermost open element called name and its descendants; an end tag with
// no open element of that name changes nothing and is dropped.
func (d *depthFilter) close(name string) bool {
	for i := len(d.open) - 1; i >= 0; i-- {
		if d.open[i].name == name {
			kept := d.open[i].kept
			d.open = d.open[:i]
			return kept
		}
	}
	return false
}

var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true,
	"hr": true, "img": true, "input": true, "link": true, "meta": true, "param": true, "source": true,
	"track": true, "wbr": true}
