package jiraemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The ADF rules below follow the Atlassian Document Format structure reference:
// https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
// and its node and mark pages (…/apis/document/nodes/*, …/apis/document/marks/*).

// maxTextLength is the limit Jira puts on a description or comment: 32,767 characters. The
// emulator measures the document's compact JSON in UTF-16 code units, the stored form, which is
// the strictest reading of the limit.
const maxTextLength = 32767

// errNotADF means the value is not an ADF document at all (a string, a number, no doc type).
var errNotADF = errors.New("not an Atlassian document")

type adfNode struct {
	Type    string          `json:"type"`
	Version *int            `json:"version,omitempty"`
	Text    *string         `json:"text,omitempty"`
	Attrs   map[string]any  `json:"attrs,omitempty"`
	Marks   []adfMark       `json:"marks,omitempty"`
	Content []adfNode       `json:"content,omitempty"`
	Raw     json.RawMessage `json:"-"`
}

type adfMark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

type nodeRule struct {
	children  []string // allowed child types; nil means no content
	needAttrs []string
	marks     []string // marks allowed on this node itself (text: all inline marks)
}

var (
	inline      = []string{"text", "hardBreak", "mention", "emoji", "date", "status", "inlineCard", "mediaInline"}
	topBlocks   = []string{"paragraph", "heading", "bulletList", "orderedList", "codeBlock", "blockquote", "rule", "panel", "table", "mediaSingle", "mediaGroup", "expand", "blockCard", "embedCard"}
	listContent = []string{"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle"}
	cellContent = []string{"paragraph", "heading", "bulletList", "orderedList", "codeBlock", "blockquote", "rule", "panel", "mediaSingle", "mediaGroup", "nestedExpand", "blockCard", "embedCard"}
	textMarks   = []string{"strong", "em", "code", "strike", "underline", "link", "textColor", "subsup", "backgroundColor"}
)

var adfRules = map[string]nodeRule{
	"doc":          {children: topBlocks},
	"paragraph":    {children: inline, marks: []string{"alignment", "indentation"}},
	"heading":      {children: inline, needAttrs: []string{"level"}, marks: []string{"alignment", "indentation"}},
	"blockquote":   {children: []string{"paragraph", "bulletList", "orderedList", "codeBlock", "mediaSingle", "mediaGroup"}},
	"bulletList":   {children: []string{"listItem"}},
	"orderedList":  {children: []string{"listItem"}},
	"listItem":     {children: listContent},
	"codeBlock":    {children: []string{"text"}, marks: []string{"breakout"}},
	"rule":         {},
	"panel":        {children: []string{"paragraph", "heading", "bulletList", "orderedList", "codeBlock", "rule", "mediaGroup", "mediaSingle", "blockCard"}, needAttrs: []string{"panelType"}},
	"table":        {children: []string{"tableRow"}},
	"tableRow":     {children: []string{"tableHeader", "tableCell"}},
	"tableHeader":  {children: cellContent},
	"tableCell":    {children: cellContent},
	"mediaSingle":  {children: []string{"media", "caption"}, needAttrs: []string{"layout"}},
	"mediaGroup":   {children: []string{"media"}},
	"caption":      {children: inline},
	"media":        {needAttrs: []string{"type"}, marks: []string{"link", "border", "annotation"}},
	"mediaInline":  {needAttrs: []string{"id"}},
	"expand":       {children: append(append([]string{}, topBlocks[:len(topBlocks)-3]...), "nestedExpand"), marks: []string{"breakout"}},
	"nestedExpand": {children: []string{"paragraph", "heading", "bulletList", "orderedList", "codeBlock", "mediaGroup", "mediaSingle", "rule", "panel", "blockquote"}},
	"text":         {marks: textMarks},
	"hardBreak":    {},
	"mention":      {needAttrs: []string{"id"}},
	"emoji":        {needAttrs: []string{"shortName"}},
	"date":         {needAttrs: []string{"timestamp"}},
	"status":       {needAttrs: []string{"text", "color"}},
	"inlineCard":   {},
	"blockCard":    {},
	"embedCard":    {needAttrs: []string{"url", "layout"}},
}

// parseADF decodes and validates an ADF document. It returns errNotADF when raw is not a doc
// object and another error when the doc breaks ADF's rules.
func parseADF(raw json.RawMessage) (*adfNode, error) {
	trimmed := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(trimmed, "{") {
		return nil, errNotADF
	}
	var doc adfNode
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", errNotADF, err)
	}
	if doc.Type != "doc" {
		return nil, errNotADF
	}
	if doc.Version == nil || *doc.Version != 1 {
		return nil, errors.New("doc.version must be 1")
	}
	if err := validateNode(&doc, "doc"); err != nil {
		return nil, err
	}
	return &doc, nil
}

func validateNode(n *adfNode, path string) error {
	rule, ok := adfRules[n.Type]
	if !ok {
		return fmt.Errorf("%s: unknown node type %q", path, n.Type)
	}
	for _, a := range rule.needAttrs {
		if _, ok := n.Attrs[a]; !ok {
			return fmt.Errorf("%s: %s needs attrs.%s", path, n.Type, a)
		}
	}
	if err := validateMarks(n, rule, path); err != nil {
		return err
	}
	if err := validateSpecial(n, path); err != nil {
		return err
	}
	if rule.children == nil && len(n.Content) > 0 {
		return fmt.Errorf("%s: %s takes no content", path, n.Type)
	}
	for i := range n.Content {
		c := &n.Content[i]
		if _, known := adfRules[c.Type]; known && !contains(rule.children, c.Type) {
			return fmt.Errorf("%s: %s may not contain %q", path, n.Type, c.Type)
		}
		if err := validateNode(c, fmt.Sprintf("%s.content[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func validateSpecial(n *adfNode, path string) error {
	switch n.Type {
	case "text":
		// https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/text/
		if n.Text == nil || *n.Text == "" {
			return fmt.Errorf("%s: text nodes must not be empty", path)
		}
	case "heading":
		lvl, ok := n.Attrs["level"].(float64)
		if !ok || lvl < 1 || lvl > 6 || lvl != float64(int(lvl)) {
			return fmt.Errorf("%s: heading level must be 1 to 6", path)
		}
	case "codeBlock":
		for _, c := range n.Content {
			if len(c.Marks) > 0 {
				return fmt.Errorf("%s: text in a codeBlock takes no marks", path)
			}
		}
	case "bulletList", "orderedList", "table", "tableRow", "mediaGroup", "blockquote", "listItem", "tableCell", "tableHeader":
		if len(n.Content) == 0 {
			return fmt.Errorf("%s: %s needs content", path, n.Type)
		}
	case "mediaSingle":
		if len(n.Content) == 0 || n.Content[0].Type != "media" {
			return fmt.Errorf("%s: mediaSingle must start with one media node", path)
		}
	}
	if n.Type == "listItem" && len(n.Content) > 0 && !contains([]string{"paragraph", "mediaSingle", "codeBlock"}, n.Content[0].Type) {
		return fmt.Errorf("%s: a listItem must start with a paragraph", path)
	}
	return nil
}

func validateMarks(n *adfNode, rule nodeRule, path string) error {
	seen := map[string]bool{}
	for _, m := range n.Marks {
		if !contains(rule.marks, m.Type) {
			return fmt.Errorf("%s: mark %q not allowed on %s", path, m.Type, n.Type)
		}
		if seen[m.Type] {
			return fmt.Errorf("%s: mark %q repeated", path, m.Type)
		}
		seen[m.Type] = true
		switch m.Type {
		case "link":
			if h, _ := m.Attrs["href"].(string); h == "" {
				return fmt.Errorf("%s: link mark needs attrs.href", path)
			}
		case "subsup":
			if t, _ := m.Attrs["type"].(string); t != "sub" && t != "sup" {
				return fmt.Errorf("%s: subsup mark needs type sub or sup", path)
			}
		case "textColor", "backgroundColor":
			if c, _ := m.Attrs["color"].(string); !strings.HasPrefix(c, "#") {
				return fmt.Errorf("%s: %s needs a #rrggbb color", path, m.Type)
			}
		}
	}
	// https://developer.atlassian.com/cloud/jira/platform/apis/document/marks/code/
	if seen["code"] {
		for t := range seen {
			if t != "code" && t != "link" {
				return fmt.Errorf("%s: the code mark combines only with link", path)
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// adfLength is the length Jira's 32,767-character limit is checked against.
func adfLength(raw json.RawMessage) int {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return len(raw)
	}
	compact, _ := json.Marshal(v)
	return len(utf16.Encode([]rune(string(compact))))
}

// adfRenderer turns ADF into the HTML Jira returns in renderedFields and renderedBody.
type adfRenderer struct {
	base        string
	userName    func(accountID string) string
	attachments func(id string) (int, string, bool)
}

func (r adfRenderer) render(raw json.RawMessage) string {
	doc, err := parseADF(raw)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for i := range doc.Content {
		r.node(&b, &doc.Content[i])
	}
	return b.String()
}

func (r adfRenderer) children(b *strings.Builder, n *adfNode) {
	for i := range n.Content {
		r.node(b, &n.Content[i])
	}
}

func (r adfRenderer) wrap(b *strings.Builder, open, close string, n *adfNode) {
	b.WriteString(open)
	r.children(b, n)
	b.WriteString(close)
}

func (r adfRenderer) node(b *strings.Builder, n *adfNode) {
	switch n.Type {
	case "paragraph":
		r.wrap(b, "<p>", "</p>", n)
	case "heading":
		lvl := strconv.Itoa(int(n.Attrs["level"].(float64)))
		r.wrap(b, "<h"+lvl+">", "</h"+lvl+">", n)
	case "bulletList":
		r.wrap(b, "<ul>", "</ul>", n)
	case "orderedList":
		r.wrap(b, "<ol>", "</ol>", n)
	case "listItem":
		r.wrap(b, "<li>", "</li>", n)
	case "blockquote":
		r.wrap(b, "<blockquote>", "</blockquote>", n)
	case "codeBlock":
		r.wrap(b, `<div class="code panel"><div class="codeContent panelContent"><pre>`, "</pre></div></div>", n)
	case "rule":
		b.WriteString("<hr/>")
	case "hardBreak":
		b.WriteString("<br/>")
	case "table":
		r.wrap(b, `<div class="table-wrap"><table class="confluenceTable"><tbody>`, "</tbody></table></div>", n)
	case "tableRow":
		r.wrap(b, "<tr>", "</tr>", n)
	case "tableHeader":
		r.wrap(b, `<th class="confluenceTh">`, "</th>", n)
	case "tableCell":
		r.wrap(b, `<td class="confluenceTd">`, "</td>", n)
	case "text":
		r.text(b, n)
	case "mention":
		id, _ := n.Attrs["id"].(string)
		name := r.userName(id)
		fmt.Fprintf(b, `<a href="%s/secure/ViewProfile.jspa?accountId=%s" class="user-hover" data-account-id="%s">@%s</a>`,
			r.base, html.EscapeString(id), html.EscapeString(id), html.EscapeString(name))
	case "emoji":
		s, _ := n.Attrs["text"].(string)
		if s == "" {
			s, _ = n.Attrs["shortName"].(string)
		}
		b.WriteString(html.EscapeString(s))
	case "media":
		r.media(b, n)
	case "inlineCard", "blockCard", "embedCard":
		u, _ := n.Attrs["url"].(string)
		fmt.Fprintf(b, `<a href="%s">%s</a>`, html.EscapeString(u), html.EscapeString(u))
	case "status":
		s, _ := n.Attrs["text"].(string)
		fmt.Fprintf(b, `<span class="aui-lozenge">%s</span>`, html.EscapeString(s))
	default:
		r.children(b, n)
	}
}

// media renders an image: an external URL as is, a file by the attachment it names.
func (r adfRenderer) media(b *strings.Builder, n *adfNode) {
	alt, _ := n.Attrs["alt"].(string)
	if t, _ := n.Attrs["type"].(string); t == "external" {
		u, _ := n.Attrs["url"].(string)
		fmt.Fprintf(b, `<span class="image-wrap"><img src="%s" alt="%s"/></span>`, html.EscapeString(u), html.EscapeString(alt))
		return
	}
	id, _ := n.Attrs["id"].(string)
	attID, name, ok := r.attachments(id)
	if !ok {
		return
	}
	if alt == "" {
		alt = name
	}
	fmt.Fprintf(b, `<span class="image-wrap"><img src="%s/rest/api/3/attachment/content/%d" alt="%s"/></span>`, r.base, attID, html.EscapeString(alt))
}

func (r adfRenderer) text(b *strings.Builder, n *adfNode) {
	s := html.EscapeString(*n.Text)
	for _, m := range n.Marks {
		switch m.Type {
		case "strong":
			s = "<b>" + s + "</b>"
		case "em":
			s = "<em>" + s + "</em>"
		case "code":
			s = "<tt>" + s + "</tt>"
		case "strike":
			s = "<del>" + s + "</del>"
		case "underline":
			s = "<ins>" + s + "</ins>"
		case "subsup":
			t, _ := m.Attrs["type"].(string)
			s = "<" + t + ">" + s + "</" + t + ">"
		case "link":
			h, _ := m.Attrs["href"].(string)
			s = `<a href="` + html.EscapeString(h) + `" class="external-link" rel="nofollow noreferrer">` + s + "</a>"
		}
	}
	b.WriteString(s)
}

// adfWiki flattens ADF into the wiki-markup-like plain text some webhook payloads carry.
func adfWiki(raw json.RawMessage) string {
	doc, err := parseADF(raw)
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *adfNode)
	walk = func(n *adfNode) {
		switch n.Type {
		case "text":
			b.WriteString(*n.Text)
		case "hardBreak":
			b.WriteString("\n")
		case "mention":
			id, _ := n.Attrs["id"].(string)
			b.WriteString("[~accountid:" + id + "]")
		}
		for i := range n.Content {
			walk(&n.Content[i])
		}
		switch n.Type {
		case "paragraph", "heading", "listItem", "codeBlock":
			b.WriteString("\n")
		}
	}
	walk(doc)
	return strings.TrimRight(b.String(), "\n")
}
