package adf

import "strings"

// Person is someone named on a From: or Cc: line.
type Person struct {
	AccountID   string // Jira account id; when set the person is shown as a mention
	DisplayName string
	Email       string
}

// PeopleLine returns a paragraph such as "From: @Ann Lee" or "Cc: Bob <bob@example.com>":
// people with a Jira account are mentions, others mailto links.
func PeopleLine(label string, people []Person) *Node {
	p := Paragraph(Text(label+":", Strong()))
	for i, person := range people {
		sep := " "
		if i > 0 {
			sep = ", "
		}
		if nodes := personNodes(person); len(nodes) > 0 {
			p.Content = append(p.Content, Text(sep))
			p.Content = append(p.Content, nodes...)
		}
	}
	p.Content = tidyInline(p.Content)
	return p
}

func personNodes(p Person) []*Node {
	name := strings.Join(strings.Fields(cleanText(p.DisplayName)), " ")
	email := strings.TrimSpace(p.Email)
	switch {
	case p.AccountID != "":
		return []*Node{Mention(p.AccountID, name)}
	case email != "":
		label := email
		if name != "" && !strings.EqualFold(name, email) {
			label = name + " <" + email + ">"
		}
		if href := safeHref("mailto:" + email); href != "" {
			return []*Node{Text(label, Link(href))}
		}
		return []*Node{Text(label)}
	case name != "":
		return []*Node{Text(name)}
	}
	return nil
}

// Note returns a visible italic paragraph, for remarks the service adds to a ticket.
func Note(text string) *Node {
	text = strings.Join(strings.Fields(cleanText(text)), " ")
	if text == "" {
		return Paragraph()
	}
	return Paragraph(Text(text, Em()))
}

// WithHeader returns a new document with blocks (From:, Cc:, notes) before doc's content.
func WithHeader(doc *Doc, blocks ...*Node) *Doc {
	out := NewDoc(blocks...)
	if doc != nil {
		out.Content = append(out.Content, doc.Content...)
	}
	return out
}
