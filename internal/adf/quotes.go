package adf

import (
	"strings"

	"golang.org/x/net/html"
)

// stripped applies Options.StripQuotes and Options.StripSignature to element n. Quote
// blocks are dropped on their own; a reply header that starts the quoted history (Outlook
// writes the history as ordinary content below it) stops the conversion altogether.
func (c *converter) stripped(n *html.Node) bool {
	if n.Type != html.ElementNode {
		return false
	}
	if c.opts.StripSignature && isSignature(n) {
		return true
	}
	if !c.opts.StripQuotes {
		return false
	}
	if startsHistory(n) {
		c.stopped = true
		return true
	}
	return isQuote(n)
}

// isQuote matches the quote containers of Gmail, Apple Mail, Thunderbird and Yahoo.
func isQuote(n *html.Node) bool {
	switch {
	case hasClass(n, "gmail_quote"), hasClass(n, "gmail_quote_container"), hasClass(n, "yahoo_quoted"),
		hasClass(n, "moz-cite-prefix"):
		return true
	case n.Data == "blockquote" && strings.EqualFold(attr(n, "type"), "cite"):
		return true
	}
	return false
}

// startsHistory matches Outlook's reply/forward header: the ids Outlook on the web and
// mobile use (Exchange may prefix them with "x_"), and the top-bordered div of Outlook for
// Windows.
func startsHistory(n *html.Node) bool {
	id := attr(n, "id")
	for _, suffix := range []string{"divRplyFwdMsg", "appendonsend", "mail-editor-reference-message-container"} {
		if strings.HasSuffix(id, suffix) {
			return true
		}
	}
	if n.Data != "div" {
		return false
	}
	st := style(n)
	return st["border"] == "none" && strings.HasPrefix(st["border-top"], "solid")
}

// isSignature matches signature blocks that clients label: Gmail, Thunderbird, Outlook.
func isSignature(n *html.Node) bool {
	id := strings.ToLower(attr(n, "id"))
	return hasClass(n, "gmail_signature") || hasClass(n, "gmail_signature_prefix") || attr(n, "data-smartmail") == "gmail_signature" ||
		hasClass(n, "moz-signature") || id == "signature" || id == "x_signature"
}
