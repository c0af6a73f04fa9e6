package adf

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// image shows an <img>: inline (cid:) images through Options.InlineImage, remote images
// with alt text as a linked placeholder. Tracking pixels and unlabelled remote or data:
// images are dropped: they carry nothing a ticket reader needs.
func (c *converter) image(n *html.Node) {
	if trackingPixel(n) {
		return
	}
	src := strings.TrimSpace(attr(n, "src"))
	alt := strings.Join(strings.Fields(cleanText(attr(n, "alt"))), " ")
	switch {
	case strings.HasPrefix(strings.ToLower(src), "cid:"):
		c.inlineImage(n, contentID(src), alt)
	case alt != "":
		c.placeholder(alt, safeHref(src))
	}
}

// ReferencedImages lists, in order and once each, the content ids of the cid: images that
// FromHTML with opts would show, so that the caller uploads only those (and not, for
// example, images inside quoted history that opts strips).
func ReferencedImages(src string, opts Options) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	opts.InlineImage = func(cid string) (Image, bool) {
		if !seen[cid] {
			seen[cid] = true
			ids = append(ids, cid)
		}
		return Image{}, false
	}
	if _, err := FromHTML(src, opts); err != nil {
		return nil, err
	}
	return ids, nil
}

// trackingPixel reports images no reader sees: 1x1 (or smaller) beacons.
func trackingPixel(n *html.Node) bool {
	w, wok := pixels(n, "width")
	h, hok := pixels(n, "height")
	return (wok && w <= 1) || (hok && h <= 1)
}

// contentID turns "cid:<abc@host>" into "abc@host".
func contentID(src string) string {
	id := src[len("cid:"):]
	if u, err := url.PathUnescape(id); err == nil {
		id = u
	}
	return strings.Trim(strings.TrimSpace(id), "<>")
}

func (c *converter) inlineImage(n *html.Node, cid, alt string) {
	if c.opts.InlineImage == nil {
		c.placeholder(firstNonEmpty(alt, cid), "")
		return
	}
	img, ok := c.opts.InlineImage(cid)
	if !ok {
		return
	}
	name := firstNonEmpty(img.Name, alt, "image")
	if img.Width == 0 && img.Height == 0 {
		img.Width, _ = pixels(n, "width")
		img.Height, _ = pixels(n, "height")
	}
	switch {
	case img.MediaID != "":
		c.addBlock(mediaSingle(mediaNode(img, name)))
	case safeHref(img.ExternalURL) != "":
		c.addBlock(mediaSingle(mediaNode(img, name)))
	default:
		c.placeholder(name, safeHref(img.LinkURL))
	}
}

func mediaNode(img Image, alt string) *Node {
	attrs := map[string]any{"alt": alt}
	if img.MediaID != "" {
		attrs["type"], attrs["id"], attrs["collection"] = "file", img.MediaID, img.Collection
	} else {
		attrs["type"], attrs["url"] = "external", img.ExternalURL
	}
	if img.Width > 0 && img.Height > 0 {
		attrs["width"], attrs["height"] = img.Width, img.Height
	}
	return &Node{Type: TypeMedia, Attrs: attrs}
}

func mediaSingle(media *Node) *Node {
	return &Node{Type: TypeMediaSingle, Attrs: map[string]any{"layout": "center"}, Content: []*Node{media}}
}

// placeholder writes "[image: name]", linked to href when there is one.
func (c *converter) placeholder(name, href string) {
	marks := c.currentMarks()
	if href != "" && !hasMark(marks, MarkLink) {
		marks = normalizeMarks(append(marks, Link(href)))
	}
	c.addInline(Text("[image: "+name+"]", marks...))
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
