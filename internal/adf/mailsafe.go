package adf

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// ImageRef is a Jira attachment image that MailSafeHTML rewrote to a cid: reference; the
// caller downloads it and sends it as an inline attachment with this ContentID.
type ImageRef struct {
	ContentID    string // without "cid:" or angle brackets
	AttachmentID string // Jira attachment id
	FileName     string
	Thumbnail    bool   // the comment showed Jira's thumbnail rather than the file
	URL          string // absolute URL the rendered comment pointed at
}

// MailSafeOptions tunes MailSafeHTML.
type MailSafeOptions struct {
	SiteURL         string // Jira site, e.g. https://example.atlassian.net; resolves relative URLs
	ContentIDDomain string // right-hand side of generated content ids; "mail2jira" when empty
}

// mailDropped elements go with everything inside them.
var mailDropped = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true, "form": true,
	"input": true, "button": true, "select": true, "textarea": true, "link": true, "meta": true,
	"base": true, "svg": true, "math": true, "noscript": true, "template": true, "frame": true,
	"frameset": true, "applet": true, "audio": true, "video": true, "canvas": true, "title": true,
	"head": true,
}

// mailAllowed elements are kept; any other element is replaced by its content.
var mailAllowed = map[string]bool{
	"a": true, "abbr": true, "b": true, "blockquote": true, "br": true, "caption": true,
	"cite": true, "code": true, "col": true, "colgroup": true, "dd": true, "del": true,
	"div": true, "dl": true, "dt": true, "em": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "hr": true, "i": true, "img": true, "ins": true,
	"kbd": true, "li": true, "ol": true, "p": true, "pre": true, "q": true, "s": true,
	"samp": true, "small": true, "span": true, "strike": true, "strong": true, "sub": true,
	"sup": true, "table": true, "tbody": true, "td": true, "tfoot": true, "th": true,
	"thead": true, "tr": true, "tt": true, "u": true, "ul": true, "var": true,
}

// mailAttrs lists the attributes kept per element ("*" for all elements). Styles, classes
// and event handlers go: mail clients strip or misapply them, and some run them.
var mailAttrs = map[string][]string{
	"*":     {"title", "lang", "dir"},
	"a":     {"href"},
	"img":   {"src", "alt", "width", "height"},
	"td":    {"colspan", "rowspan", "align", "valign"},
	"th":    {"colspan", "rowspan", "align", "valign"},
	"ol":    {"start", "type"},
	"table": {"border", "cellpadding", "cellspacing"},
}

// MailSafeHTML turns Jira's rendered comment HTML into HTML fit for a mail to someone who
// cannot sign in to Jira: active content and styling removed, links made absolute, and
// images stored in Jira rewritten to cid: references listed in the returned ImageRefs.
func MailSafeHTML(rendered string, opts MailSafeOptions) (string, []ImageRef, error) {
	site, err := url.Parse(strings.TrimSpace(opts.SiteURL))
	if err != nil || (site.Scheme != "https" && site.Scheme != "http") || site.Host == "" {
		return "", nil, fmt.Errorf("mail-safe html: site url %q: %w", opts.SiteURL, errs.ErrInvalid)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := parseShallow(rendered, func(r io.Reader) ([]*html.Node, error) { return html.ParseFragment(r, ctx) })
	if err != nil {
		return "", nil, fmt.Errorf("mail-safe html: parse: %w", err)
	}
	s := &sanitizer{site: site, domain: firstNonEmpty(opts.ContentIDDomain, "mail2jira"), seen: map[string]int{}}
	var buf bytes.Buffer
	for _, n := range nodes {
		for _, out := range s.clean(n) {
			if err := html.Render(&buf, out); err != nil {
				return "", nil, fmt.Errorf("mail-safe html: render: %w", err)
			}
		}
	}
	return buf.String(), s.images, nil
}

type sanitizer struct {
	site   *url.URL
	domain string
	images []ImageRef
	seen   map[string]int // attachment id -> index in images
}

// clean returns what n becomes: itself cleaned, its cleaned children, or nothing.
func (s *sanitizer) clean(n *html.Node) []*html.Node {
	switch n.Type {
	case html.TextNode:
		return []*html.Node{n}
	case html.ElementNode:
	default:
		return nil
	}
	if mailDropped[n.Data] {
		return nil
	}
	kids := s.cleanChildren(n)
	if !mailAllowed[n.Data] {
		return kids
	}
	n.Attr = s.attrs(n)
	for _, k := range kids {
		n.AppendChild(k)
	}
	return s.finish(n)
}

func (s *sanitizer) cleanChildren(n *html.Node) []*html.Node {
	var kids []*html.Node
	for ch := n.FirstChild; ch != nil; {
		next := ch.NextSibling
		n.RemoveChild(ch)
		kids = append(kids, s.clean(ch)...)
		ch = next
	}
	return kids
}

func (s *sanitizer) attrs(n *html.Node) []html.Attribute {
	var out []html.Attribute
	for _, a := range n.Attr {
		if a.Namespace == "" && (allowedAttr("*", a.Key) || allowedAttr(n.Data, a.Key)) {
			out = append(out, html.Attribute{Key: a.Key, Val: a.Val})
		}
	}
	return out
}

func allowedAttr(tag, key string) bool {
	for _, k := range mailAttrs[tag] {
		if k == key {
			return true
		}
	}
	return false
}

// finish resolves the URLs of a kept element; it may turn an unsafe image into its alt text.
func (s *sanitizer) finish(n *html.Node) []*html.Node {
	switch n.Data {
	case "a":
		s.setURL(n, "href", s.absolute(attr(n, "href"), "http", "https", "mailto"))
	case "img":
		return s.image(n)
	case "table":
		// Jira styles its tables with CSS that the mail will not carry; borders keep
		// the cells readable.
		n.Attr = []html.Attribute{{Key: "border", Val: "1"}, {Key: "cellpadding", Val: "4"}, {Key: "cellspacing", Val: "0"}}
	}
	return []*html.Node{n}
}

// setURL replaces attribute key in place, or removes it when val is empty.
func (s *sanitizer) setURL(n *html.Node, key, val string) {
	var out []html.Attribute
	for _, a := range n.Attr {
		switch {
		case a.Key != key:
			out = append(out, a)
		case val != "":
			out = append(out, html.Attribute{Key: key, Val: val})
		}
	}
	n.Attr = out
}

// absolute resolves ref against the Jira site and returns it if its scheme is allowed.
// Links to a fragment of the page mean nothing in a mail and are dropped.
func (s *sanitizer) absolute(ref string, schemes ...string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	u = s.site.ResolveReference(u)
	for _, sc := range schemes {
		if strings.EqualFold(u.Scheme, sc) {
			return u.String()
		}
	}
	return ""
}

func (s *sanitizer) image(n *html.Node) []*html.Node {
	src := s.absolute(attr(n, "src"), "http", "https")
	if src == "" {
		if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
			return []*html.Node{{Type: html.TextNode, Data: alt}}
		}
		return nil
	}
	if ref, ok := s.attachment(src, attr(n, "alt")); ok {
		src = "cid:" + ref.ContentID
	}
	s.setURL(n, "src", src)
	return []*html.Node{n}
}

// attachmentPath matches the URLs under which Jira serves attachments and thumbnails.
var attachmentPath = regexp.MustCompile(
	`^/(?:secure/(attachment|thumbnail)/(\d+)(?:/([^/]*))?|rest/api/[23]/attachment/(content|thumbnail)/(\d+))/?$`)

// attachment records src as an inline image when it points at an attachment on the site.
func (s *sanitizer) attachment(src, alt string) (ImageRef, bool) {
	u, err := url.Parse(src)
	if err != nil || !strings.EqualFold(u.Host, s.site.Host) {
		return ImageRef{}, false
	}
	p := strings.TrimPrefix(u.Path, strings.TrimSuffix(s.site.Path, "/"))
	m := attachmentPath.FindStringSubmatch(p)
	if m == nil {
		return ImageRef{}, false
	}
	id, kind, name := m[2]+m[5], m[1]+m[4], m[3]
	if i, ok := s.seen[id]; ok {
		return s.images[i], true
	}
	thumb := kind == "thumbnail"
	if thumb || name == "" {
		name = "attachment-" + id
		if alt = strings.TrimSpace(alt); alt != "" {
			name = path.Base(alt)
		}
	}
	ref := ImageRef{ContentID: "jira-attachment-" + id + "@" + s.domain, AttachmentID: id,
		FileName: name, Thumbnail: thumb, URL: src}
	s.seen[id] = len(s.images)
	s.images = append(s.images, ref)
	return ref, true
}
