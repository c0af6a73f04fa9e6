package adf

import (
	"fmt"
	"slices"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// rule says which children a node type takes. The sets follow ADF's published node pages
// (https://developer.atlassian.com/cloud/jira/platform/apis/document/nodes/...) restricted
// to what Jira Cloud renders.
type rule struct {
	children []string
	min      int // fewest children
	max      int // most children; 0 means unbounded
}

var (
	inlineTypes = []string{TypeText, TypeHardBreak, TypeMention, TypeEmoji, TypeInlineCard}
	docBlocks   = []string{TypeParagraph, TypeHeading, TypeBulletList, TypeOrderedList, TypeCodeBlock,
		TypeBlockquote, TypeRule, TypeTable, TypeMediaSingle, TypeMediaGroup, TypePanel}
	listItemBlocks   = []string{TypeParagraph, TypeBulletList, TypeOrderedList, TypeCodeBlock, TypeMediaSingle}
	blockquoteBlocks = []string{TypeParagraph, TypeBulletList, TypeOrderedList, TypeCodeBlock, TypeMediaSingle, TypeMediaGroup}
	cellBlocks       = []string{TypeParagraph, TypeHeading, TypeBulletList, TypeOrderedList, TypeCodeBlock,
		TypeBlockquote, TypeRule, TypeMediaSingle, TypeMediaGroup, TypePanel}
	panelBlocks = []string{TypeParagraph, TypeHeading, TypeBulletList, TypeOrderedList, TypeCodeBlock,
		TypeMediaGroup, TypeMediaSingle, TypeRule}
)

var rules = map[string]rule{
	TypeDoc:         {children: docBlocks},
	TypeParagraph:   {children: inlineTypes},
	TypeHeading:     {children: inlineTypes},
	TypeBulletList:  {children: []string{TypeListItem}, min: 1},
	TypeOrderedList: {children: []string{TypeListItem}, min: 1},
	TypeListItem:    {children: listItemBlocks, min: 1},
	TypeCodeBlock:   {children: []string{TypeText}},
	TypeBlockquote:  {children: blockquoteBlocks, min: 1},
	TypePanel:       {children: panelBlocks, min: 1},
	TypeTable:       {children: []string{TypeTableRow}, min: 1},
	TypeTableRow:    {children: []string{TypeTableHeader, TypeTableCell}, min: 1},
	TypeTableHeader: {children: cellBlocks, min: 1},
	TypeTableCell:   {children: cellBlocks, min: 1},
	TypeMediaSingle: {children: []string{TypeMedia}, min: 1, max: 1},
	TypeMediaGroup:  {children: []string{TypeMedia}, min: 1},
	TypeText:        {},
	TypeHardBreak:   {},
	TypeMention:     {},
	TypeEmoji:       {},
	TypeInlineCard:  {},
	TypeRule:        {},
	TypeMedia:       {},
}

// allowedIn reports whether a child of type child may sit in a node of type parent.
func allowedIn(parent, child string) bool {
	return slices.Contains(rules[parent].children, child)
}

// Validate checks doc against ADF's rules: version 1, known node types, allowed children,
// no empty text nodes, required attributes, and marks only where ADF allows them.
func Validate(doc *Doc) error {
	if doc == nil {
		return fmt.Errorf("adf: nil document: %w", errs.ErrInvalid)
	}
	if doc.Type != TypeDoc || doc.Version != 1 {
		return invalid("doc", "want type doc version 1, got %q version %d", doc.Type, doc.Version)
	}
	return validateChildren(TypeDoc, doc.Content, "doc")
}

func invalid(path, format string, args ...any) error {
	return fmt.Errorf("adf: %s: %s: %w", path, fmt.Sprintf(format, args...), errs.ErrInvalid)
}

func validateChildren(parent string, content []*Node, path string) error {
	r := rules[parent]
	if len(content) < r.min || (r.max > 0 && len(content) > r.max) {
		return invalid(path, "%s has %d children", parent, len(content))
	}
	if r.children == nil && len(content) > 0 {
		return invalid(path, "%s takes no content", parent)
	}
	for i, n := range content {
		p := fmt.Sprintf("%s.content[%d]", path, i)
		if n == nil {
			return invalid(p, "null node")
		}
		if !allowedIn(parent, n.Type) {
			return invalid(p, "%s not allowed in %s", n.Type, parent)
		}
		if parent == TypeListItem && i == 0 && isList(n.Type) {
			return invalid(p, "a list cannot be the first child of a listItem")
		}
		if err := validateNode(parent, n, p); err != nil {
			return err
		}
	}
	return nil
}

func isList(t string) bool { return t == TypeBulletList || t == TypeOrderedList }

func validateNode(parent string, n *Node, path string) error {
	if _, ok := rules[n.Type]; !ok {
		return invalid(path, "unknown node type %q", n.Type)
	}
	if n.Type == TypeText {
		return validateText(parent, n, path)
	}
	if n.Text != "" {
		return invalid(path, "%s carries text", n.Type)
	}
	if len(n.Marks) > 0 {
		return invalid(path, "%s carries marks", n.Type)
	}
	if err := validateAttrs(n, path); err != nil {
		return err
	}
	return validateChildren(n.Type, n.Content, path)
}

func validateText(parent string, n *Node, path string) error {
	if n.Text == "" {
		return invalid(path, "empty text node")
	}
	if len(n.Content) > 0 || len(n.Attrs) > 0 {
		return invalid(path, "text node with content or attrs")
	}
	if parent == TypeCodeBlock && len(n.Marks) > 0 {
		return invalid(path, "marks inside codeBlock")
	}
	return validateMarks(n.Marks, path)
}

var formattingMarks = []string{MarkStrong, MarkEm, MarkUnderline, MarkStrike, MarkLink, MarkSubSup, MarkTextColor}

func validateMarks(marks []Mark, path string) error {
	seen := map[string]bool{}
	for _, m := range marks {
		if seen[m.Type] {
			return invalid(path, "mark %s twice", m.Type)
		}
		seen[m.Type] = true
		if m.Type != MarkCode && !slices.Contains(formattingMarks, m.Type) {
			return invalid(path, "unknown mark %q", m.Type)
		}
		if m.Type == MarkLink && stringAttr(m.Attrs, "href") == "" {
			return invalid(path, "link mark without href")
		}
	}
	// ADF splits text marks into code marks (code, link) and formatting marks; one text node
	// may only use one of the two lists.
	if seen[MarkCode] {
		for t := range seen {
			if t != MarkCode && t != MarkLink {
				return invalid(path, "code mark combined with %s", t)
			}
		}
	}
	return nil
}

func validateAttrs(n *Node, path string) error {
	switch n.Type {
	case TypeHeading:
		if l, ok := intAttr(n.Attrs, "level"); !ok || l < 1 || l > 6 {
			return invalid(path, "heading level must be 1..6")
		}
	case TypeOrderedList:
		if _, present := n.Attrs["order"]; present {
			if o, ok := intAttr(n.Attrs, "order"); !ok || o < 0 {
				return invalid(path, "orderedList order must be a number >= 0")
			}
		}
	case TypeMention:
		return requireString(n, "id", path)
	case TypeInlineCard:
		return requireString(n, "url", path)
	case TypeEmoji:
		return requireString(n, "shortName", path)
	case TypeMediaSingle:
		if !slices.Contains(mediaLayouts, stringAttr(n.Attrs, "layout")) {
			return invalid(path, "mediaSingle layout %q", stringAttr(n.Attrs, "layout"))
		}
	case TypeMedia:
		return validateMedia(n, path)
	case TypePanel:
		if !slices.Contains([]string{"info", "note", "warning", "success", "error"}, stringAttr(n.Attrs, "panelType")) {
			return invalid(path, "panel panelType %q", stringAttr(n.Attrs, "panelType"))
		}
	}
	return nil
}

var mediaLayouts = []string{"wrap-left", "center", "wrap-right", "wide", "full-width", "align-start", "align-end"}

func validateMedia(n *Node, path string) error {
	switch stringAttr(n.Attrs, "type") {
	case "file", "link":
		if _, ok := n.Attrs["collection"].(string); !ok {
			return invalid(path, "media without collection")
		}
		return requireString(n, "id", path)
	case "external":
		return requireString(n, "url", path)
	default:
		return invalid(path, "media type %q", stringAttr(n.Attrs, "type"))
	}
}

func requireString(n *Node, key, path string) error {
	if stringAttr(n.Attrs, key) == "" {
		return invalid(path, "%s without attrs.%s", n.Type, key)
	}
	return nil
}

func stringAttr(attrs map[string]any, key string) string {
	s, _ := attrs[key].(string)
	return s
}

// intAttr reads a whole number whether it came from Go (int) or from decoded JSON (float64).
func intAttr(attrs map[string]any, key string) (int, bool) {
	switch v := attrs[key].(type) {
	case int:
		return v, true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}
