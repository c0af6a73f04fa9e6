package adf

import (
	"maps"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
)

// skippedTags never show in a mail client's reading pane (or only as widgets).
var skippedTags = map[string]bool{
	"head": true, "script": true, "style": true, "title": true, "meta": true, "link": true,
	"base": true, "template": true, "noscript": true, "object": true, "embed": true,
	"iframe": true, "frame": true, "frameset": true, "applet": true, "svg": true, "math": true,
	"canvas": true, "audio": true, "video": true, "map": true, "area": true, "input": true,
	"select": true, "textarea": true, "button": true, "option": true, "xml": true, "param": true,
	"source": true, "track": true, "datalist": true, "dialog": true,
}

func skipped(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	// Office namespaces (v:shape, w:worddocument, ...) are drawing and settings markup;
	// o:p is Word's paragraph end and holds the &nbsp; of blank lines.
	if strings.Contains(n.Data, ":") && n.Data != "o:p" {
		return true
	}
	return skippedTags[n.Data]
}

// hidden reports elements a mail client does not display: preheaders, Word's list markers
// (mso-list:Ignore, rendered separately as a real list) and mso-hide blocks.
func hidden(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if hasAttr(n, "hidden") {
		return true
	}
	st := style(n)
	switch {
	case st["display"] == "none", st["visibility"] == "hidden", st["mso-hide"] == "all",
		st["opacity"] == "0", strings.EqualFold(st["mso-list"], "ignore"):
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// hasClass matches class names also in the "x_" prefixed form that Exchange gives the
// classes and ids of mail it embeds in replies.
func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if strings.EqualFold(strings.TrimPrefix(c, "x_"), class) {
			return true
		}
	}
	return false
}

func isElement(n *html.Node, tags ...string) bool {
	if n.Type != html.ElementNode {
		return false
	}
	for _, t := range tags {
		if n.Data == t {
			return true
		}
	}
	return false
}

// style parses an inline style attribute into lower-case properties.
func style(n *html.Node) map[string]string {
	out := map[string]string{}
	for _, decl := range strings.Split(attr(n, "style"), ";") {
		k, v, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		out[strings.ToLower(strings.TrimSpace(k))] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}

var tagMarks = map[string]Mark{
	"b": {Type: MarkStrong}, "strong": {Type: MarkStrong},
	"i": {Type: MarkEm}, "em": {Type: MarkEm}, "cite": {Type: MarkEm}, "var": {Type: MarkEm},
	"dfn": {Type: MarkEm}, "u": {Type: MarkUnderline}, "ins": {Type: MarkUnderline},
	"s": {Type: MarkStrike}, "strike": {Type: MarkStrike}, "del": {Type: MarkStrike},
	"code": {Type: MarkCode}, "tt": {Type: MarkCode}, "kbd": {Type: MarkCode}, "samp": {Type: MarkCode},
	"sub": {Type: MarkSubSup, Attrs: map[string]any{"type": "sub"}},
	"sup": {Type: MarkSubSup, Attrs: map[string]any{"type": "sup"}},
}

// elementMarks are the marks an element's tag and inline style imply.
func elementMarks(n *html.Node) []Mark {
	var ms []Mark
	if m, ok := tagMarks[n.Data]; ok {
		ms = append(ms, Mark{Type: m.Type, Attrs: maps.Clone(m.Attrs)})
	}
	st := style(n)
	switch w := st["font-weight"]; w {
	case "bold", "bolder", "600", "700", "800", "900":
		ms = append(ms, Strong())
	}
	if fs := st["font-style"]; fs == "italic" || fs == "oblique" {
		ms = append(ms, Em())
	}
	deco := st["text-decoration"] + " " + st["text-decoration-line"]
	if strings.Contains(deco, "underline") {
		ms = append(ms, Mark{Type: MarkUnderline})
	}
	if strings.Contains(deco, "line-through") {
		ms = append(ms, Mark{Type: MarkStrike})
	}
	return ms
}

// softParagraph reports paragraphs written as lines: Word's Mso* classes and p tags
// whose vertical margins are zero carry no paragraph spacing in the mail client.
func softParagraph(n *html.Node) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(strings.TrimPrefix(c, "x_"), "Mso") {
			return true
		}
	}
	st := style(n)
	top, bottom := "", ""
	if f := strings.Fields(st["margin"]); len(f) > 0 {
		top, bottom = f[0], f[0]
		if len(f) >= 3 {
			bottom = f[2]
		}
	}
	if v, ok := st["margin-top"]; ok {
		top = v
	}
	if v, ok := st["margin-bottom"]; ok {
		bottom = v
	}
	return nearZero(top) && nearZero(bottom)
}

// nearZero reports a CSS length that renders as no space (Word writes .0001pt).
func nearZero(v string) bool {
	num := strings.TrimRight(strings.TrimSpace(v), "abcdefghijklmnopqrstuvwxyz%")
	f, err := strconv.ParseFloat(num, 64)
	return err == nil && f < 0.5
}

func (c *converter) anchor(n *html.Node) {
	href := safeHref(attr(n, "href"))
	if href == "" {
		c.children(n)
		return
	}
	saved := len(c.marks)
	c.marks = append(c.marks, Link(href))
	c.children(n)
	c.marks = c.marks[:saved]
}

var linkSchemes = map[string]bool{"http": true, "https": true, "mailto": true, "ftp": true, "tel": true}

// safeHref returns href when it is an absolute link of a harmless scheme, unwrapping
// Microsoft Defender Safe Links so the ticket shows where the link really goes.
func safeHref(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil || !linkSchemes[strings.ToLower(u.Scheme)] {
		return ""
	}
	if strings.HasSuffix(strings.ToLower(u.Hostname()), "safelinks.protection.outlook.com") {
		if inner := u.Query().Get("url"); inner != "" && inner != href {
			if h := safeHref(inner); h != "" {
				return h
			}
		}
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		return ""
	}
	return u.String()
}

// lonelyItem handles an <li> outside any list as a one-item bullet list.
func (c *converter) lonelyItem(n *html.Node) {
	if item := c.listItem(func() { c.children(n) }); item != nil {
		c.addBlock(&Node{Type: TypeBulletList, Content: []*Node{item}})
	}
}

var pxRE = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*(px)?\s*$`)

// pixels reads a width or height from an attribute or style; ok is false when unknown.
func pixels(n *html.Node, key string) (int, bool) {
	for _, v := range []string{style(n)[key], attr(n, key)} {
		if m := pxRE.FindStringSubmatch(v); m != nil {
			f, err := strconv.ParseFloat(m[1], 64)
			if err == nil {
				return int(f), true
			}
		}
	}
	return 0, false
}
