// Package adf builds Atlassian Document Format documents (Jira Cloud's rich text) from mail
// bodies, checks them against ADF's rules, cuts them to Jira's size limit, and turns Jira's
// rendered HTML back into HTML that is safe to mail.
//
// Mail to Jira: FromHTML or FromText for the body, PeopleLine and Note for the lines the
// service adds, WithHeader to put them first, TruncateWithNote to fit MaxChars. Jira to
// mail: MailSafeHTML. Validate (or ParseJSON) checks any document against ADF's rules.
//
// ADF reference: https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/
package adf

import "unicode/utf16"

// Node types this package produces or validates.
const (
	TypeDoc         = "doc"
	TypeParagraph   = "paragraph"
	TypeText        = "text"
	TypeHardBreak   = "hardBreak"
	TypeHeading     = "heading"
	TypeBulletList  = "bulletList"
	TypeOrderedList = "orderedList"
	TypeListItem    = "listItem"
	TypeCodeBlock   = "codeBlock"
	TypeBlockquote  = "blockquote"
	TypeRule        = "rule"
	TypeTable       = "table"
	TypeTableRow    = "tableRow"
	TypeTableHeader = "tableHeader"
	TypeTableCell   = "tableCell"
	TypeMention     = "mention"
	TypeMediaSingle = "mediaSingle"
	TypeMediaGroup  = "mediaGroup"
	TypeMedia       = "media"
	TypeInlineCard  = "inlineCard"
	TypeEmoji       = "emoji"
	TypePanel       = "panel"
)

// Mark types this package produces or validates.
const (
	MarkStrong    = "strong"
	MarkEm        = "em"
	MarkUnderline = "underline"
	MarkStrike    = "strike"
	MarkCode      = "code"
	MarkLink      = "link"
	MarkSubSup    = "subsup"
	MarkTextColor = "textColor"
)

// Doc is an ADF document: the value of a Jira description or comment body.
type Doc struct {
	Type    string  `json:"type"`
	Version int     `json:"version"`
	Content []*Node `json:"content"`
}

// Node is one ADF node; which fields are meaningful depends on Type.
type Node struct {
	Type    string         `json:"type"`
	Attrs   map[string]any `json:"attrs,omitempty"`
	Content []*Node        `json:"content,omitempty"`
	Text    string         `json:"text,omitempty"`
	Marks   []Mark         `json:"marks,omitempty"`
}

// Mark is formatting on a text node (bold, a link, ...).
type Mark struct {
	Type  string         `json:"type"`
	Attrs map[string]any `json:"attrs,omitempty"`
}

// NewDoc returns a version 1 document holding blocks.
func NewDoc(blocks ...*Node) *Doc {
	return &Doc{Type: TypeDoc, Version: 1, Content: append([]*Node{}, blocks...)}
}

// Size is the length Jira checks against its 32,767 character limit: the serialised
// document counted in UTF-16 code units (Java's String.length), since Jira stores the ADF
// value as JSON text in a text field of that maximum length.
func (d *Doc) Size() int {
	b, err := d.JSON()
	if err != nil {
		return 0
	}
	n := 0
	for _, r := range string(b) {
		n += utf16.RuneLen(r)
	}
	return n
}

// Text returns a text node with marks.
func Text(s string, marks ...Mark) *Node {
	return &Node{Type: TypeText, Text: s, Marks: marks}
}

// Paragraph returns a paragraph of inline nodes.
func Paragraph(inline ...*Node) *Node {
	return &Node{Type: TypeParagraph, Content: inline}
}

// HardBreak returns a line break inside a paragraph.
func HardBreak() *Node { return &Node{Type: TypeHardBreak} }

// Heading returns a heading of the given level (1..6).
func Heading(level int, inline ...*Node) *Node {
	return &Node{Type: TypeHeading, Attrs: map[string]any{"level": level}, Content: inline}
}

// Mention returns a mention of a Jira account, shown as "@"+displayName.
func Mention(accountID, displayName string) *Node {
	attrs := map[string]any{"id": accountID}
	if displayName != "" {
		attrs["text"] = "@" + displayName
	}
	return &Node{Type: TypeMention, Attrs: attrs}
}

// Strong is the bold mark.
func Strong() Mark { return Mark{Type: MarkStrong} }

// Em is the italic mark.
func Em() Mark { return Mark{Type: MarkEm} }

// Code is the inline code mark.
func Code() Mark { return Mark{Type: MarkCode} }

// Link is a link mark to href.
func Link(href string) Mark {
	return Mark{Type: MarkLink, Attrs: map[string]any{"href": href}}
}
