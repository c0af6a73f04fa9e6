package eml

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// uniqueBody approximates what Exchange returns as uniqueBody: the part of the body that is
// new in this message, without the quoted history of the thread
// (https://learn.microsoft.com/en-us/graph/api/resources/message, property uniqueBody).
// Exchange uses its conversation store for that; we recognise the separators the common
// mail clients write instead. When nothing is quoted the whole body is unique.

var (
	// separatorLine matches the lines clients put above a quoted or forwarded message.
	separatorLine = regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|forwarded message|weitergeleitete nachricht|message transféré)\s*-{2,}\s*$|^\s*begin forwarded message:\s*$`)
	// headerFrom and headerSent are the first lines of Outlook's quoted header block,
	// possibly bold (*From:*) in the text version of an HTML mail.
	headerFrom = regexp.MustCompile(`(?i)^\s*\*?(from|von|de|van|da|från|fra)\s*:\*?\s*\S`)
	headerSent = regexp.MustCompile(`(?i)^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|skickat|sendt)\s*:\*?\s*\S`)
	// attribution is Gmail's and Apple's "On <date>, <name> wrote:" in a few languages.
	// German and French put the name after the verb ("Am ... schrieb A <a@x>:").
	attribution = regexp.MustCompile(`(?i)^\s*(on|am|le|el|il|op)\s.*(wrote|a écrit|escribió|ha scritto|schreef)\s*:\s*$|^\s*(am|le)\s.*\s(schrieb|a écrit)\s.*:\s*$`)
	attribStart = regexp.MustCompile(`(?i)^\s*(on|am|le|el|il|op)\s`)
	attribEnd   = regexp.MustCompile(`(?i)(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:\s*$`)
	underscores = regexp.MustCompile(`^\s*_{10,}\s*$`)
)

// uniqueText cuts a plain-text body at the first quoted-history marker and drops lines
// quoted with '>'.
func uniqueText(body string) string {
	if body == "" {
		return ""
	}
	lines := strings.Split(body, "\n")
	cut := quoteStart(lines)
	kept := lines
	if cut >= 0 {
		kept = lines[:cut]
	}
	out := make([]string, 0, len(kept))
	for _, l := range kept {
		if !strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
			out = append(out, l)
		}
	}
	if cut < 0 && len(out) == len(lines) {
		return body
	}
	return strings.TrimRight(strings.Join(out, "\n"), " \t\n")
}

// quoteStart returns the index of the first line of quoted history, or -1.
func quoteStart(lines []string) int {
	for i, l := range lines {
		switch {
		case separatorLine.MatchString(l), attribution.MatchString(l):
			return i
		case attribStart.MatchString(l) && i+1 < len(lines) && attribEnd.MatchString(lines[i+1]) && len(lines[i+1]) < 80:
			return i // Gmail wraps a long attribution over two lines
		case headerFrom.MatchString(l) && sentFollows(lines[i+1:]):
			if p := prevNonBlank(lines, i); p >= 0 && underscores.MatchString(lines[p]) {
				return p
			}
			return i
		}
	}
	return -1
}

// sentFollows reports whether a Sent:/Date: line comes within the next few lines.
func sentFollows(lines []string) bool {
	for i := 0; i < len(lines) && i < 4; i++ {
		if headerSent.MatchString(lines[i]) {
			return true
		}
	}
	return false
}

func prevNonBlank(lines []string, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// uniqueHTML removes the first quoted-history marker and everything after it in document
// order. The result is re-serialised HTML; the body is returned untouched when there is no
// marker.
func uniqueHTML(body string) string {
	if body == "" {
		return ""
	}
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return body
	}
	marker := findMarker(doc)
	if marker == nil {
		return body
	}
	if isElem(marker, atom.Div) && attr(marker, "id") == "divRplyFwdMsg" {
		// Outlook draws a rule right above its reply header.
		if prev := prevElement(marker); prev != nil && isElem(prev, atom.Hr) {
			for prev != marker {
				next := prev.NextSibling
				prev.Parent.RemoveChild(prev)
				prev = next
			}
		}
	}
	cutFrom(marker)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return body
	}
	return b.String()
}

// findMarker returns the first node, in document order, where quoted history begins.
func findMarker(n *html.Node) *html.Node {
	if isMarker(n) {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if m := findMarker(c); m != nil {
			return m
		}
	}
	return nil
}

// isMarker recognises Outlook's divRplyFwdMsg and appendonsend, Outlook desktop's bordered
// header block, Gmail's gmail_quote, Apple's and Thunderbird's cite blocks, Yahoo's
// yahoo_quoted, and an "-----Original Message-----" paragraph.
func isMarker(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	id := attr(n, "id")
	class := " " + strings.ToLower(attr(n, "class")) + " "
	switch {
	case id == "divRplyFwdMsg", id == "appendonsend":
		return true
	case strings.Contains(class, " gmail_quote "), strings.Contains(class, " gmail_quote_container "),
		strings.Contains(class, " moz-cite-prefix "), strings.Contains(class, " yahoo_quoted "),
		strings.Contains(class, " outlookmessageheader "):
		return true
	case isElem(n, atom.Blockquote) && strings.EqualFold(attr(n, "type"), "cite"):
		return true
	case isElem(n, atom.Div) && outlookBorder(attr(n, "style")) && headerFrom.MatchString(textOf(n)):
		return true
	case isElem(n, atom.P) || isElem(n, atom.Div):
		return separatorLine.MatchString(textOf(n))
	}
	return false
}

// outlookBorder matches the top border Outlook desktop draws above a quoted header block.
func outlookBorder(style string) bool {
	s := strings.ToLower(strings.ReplaceAll(style, " ", ""))
	return strings.Contains(s, "border-top:solid#e1e1e1") || strings.Contains(s, "border-top:solid#b5c4df")
}

// cutFrom removes n and everything after it in document order, up to the body.
func cutFrom(n *html.Node) {
	for cur := n; cur.Parent != nil && !isElem(cur, atom.Body) && !isElem(cur, atom.Html); cur = cur.Parent {
		for s := cur.NextSibling; s != nil; {
			next := s.NextSibling
			cur.Parent.RemoveChild(s)
			s = next
		}
	}
	n.Parent.RemoveChild(n)
}

func prevElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.ElementNode {
			return p
		}
		if p.Type == html.TextNode && strings.TrimSpace(p.Data) != "" {
			return nil
		}
	}
	return nil
}

func isElem(n *html.Node, a atom.Atom) bool {
	return n.Type == html.ElementNode && n.DataAtom == a
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// textOf concatenates the text under n, with a line break per <br>. It looks at a bounded
// number of nodes, so testing every container for a marker stays linear.
func textOf(n *html.Node) string {
	var b strings.Builder
	budget := 200
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		if budget--; budget < 0 {
			return
		}
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
		if isElem(c, atom.Br) {
			b.WriteString("\n")
		}
		for ch := c.FirstChild; ch != nil && budget >= 0; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return strings.TrimSpace(strings.ReplaceAll(b.String(), "\u00a0", " "))
}
