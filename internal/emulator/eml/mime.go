package eml

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Limits that keep a hostile mail from exhausting the emulator; real mail stays far below.
const (
	maxDepth = 32   // nested multiparts and attached messages
	maxParts = 2000 // MIME parts in one mail, attached messages included
)

// errLimit marks errors from the limits above, which an attached message must not hide.
var errLimit = errors.New("limit exceeded")

// part is one node of the MIME tree.
type part struct {
	header      headers
	mediaType   string            // lower-cased, "text/plain" when absent or unreadable
	params      map[string]string // Content-Type parameters
	disposition string            // lower-cased Content-Disposition value, "" when absent
	dparams     map[string]string // Content-Disposition parameters
	body        []byte            // raw body, still transfer-encoded
	children    []*part           // for multipart/*
}

// counter bounds the total number of parts across one Parse call.
type counter struct{ parts int }

func (c *counter) add() error {
	c.parts++
	if c.parts > maxParts {
		return fmt.Errorf("more than %d MIME parts (%w): %w", maxParts, errLimit, errs.ErrInvalid)
	}
	return nil
}

// newPart reads a part's Content-* headers and, for multiparts, its children.
func newPart(h headers, body []byte, depth int, c *counter) (*part, error) {
	if err := c.add(); err != nil {
		return nil, err
	}
	p := &part{header: h, body: body}
	p.mediaType, p.params = parseMediaType(h.get("Content-Type"))
	if !strings.Contains(p.mediaType, "/") {
		// RFC 2045 §5.2: a missing or unreadable Content-Type means plain US-ASCII text.
		p.mediaType, p.params = "text/plain", map[string]string{}
	}
	if d := h.get("Content-Disposition"); d != "" {
		p.disposition, p.dparams = parseMediaType(d)
	}
	if !strings.HasPrefix(p.mediaType, "multipart/") {
		return p, nil
	}
	if depth >= maxDepth {
		return nil, fmt.Errorf("MIME parts nested more than %d deep (%w): %w", maxDepth, errLimit, errs.ErrInvalid)
	}
	boundary := p.params["boundary"]
	if boundary == "" {
		return nil, fmt.Errorf("%s without a boundary parameter: %w", p.mediaType, errs.ErrInvalid)
	}
	raws, err := splitMultipart(body, boundary)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.mediaType, err)
	}
	for _, raw := range raws {
		ch, cb, err := splitHeader(raw)
		if err != nil {
			// A part whose first lines are not headers is all body, as mail readers show it.
			ch, cb = nil, raw
		}
		child, err := newPart(cleanHeaders(ch), cb, depth+1, c)
		if err != nil {
			return nil, err
		}
		p.children = append(p.children, child)
	}
	return p, nil
}

// splitMultipart cuts a multipart body at its delimiter lines (RFC 2046 §5.1.1). The
// preamble and epilogue are dropped; a missing close delimiter (a truncated mail) ends the
// last part at the end of the data.
func splitMultipart(body []byte, boundary string) ([][]byte, error) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // offset where the current part's content begins
	pos := 0
	for pos <= len(body) {
		line, next := lineAt(body, pos)
		if bytes.HasPrefix(line, delim) {
			tail := bytes.TrimRight(line[len(delim):], " \t")
			closing := bytes.Equal(tail, []byte("--"))
			if len(tail) == 0 || closing {
				if start >= 0 {
					parts = append(parts, trimTrailingBreak(body[start:pos]))
				}
				if closing {
					start = -1
					break
				}
				start = next
			}
		}
		if next >= len(body) {
			break
		}
		pos = next
	}
	if start >= 0 && start <= len(body) {
		parts = append(parts, trimTrailingBreak(body[start:]))
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("no part delimited by boundary %q: %w", truncate(boundary, 70), errs.ErrInvalid)
	}
	return parts, nil
}

// lineAt returns the line starting at pos (without its break) and the offset of the next line.
func lineAt(b []byte, pos int) ([]byte, int) {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return bytes.TrimSuffix(b[pos:], []byte("\r")), len(b)
	}
	return bytes.TrimSuffix(b[pos:pos+i], []byte("\r")), pos + i + 1
}

// trimTrailingBreak removes the line break that belongs to the following delimiter.
func trimTrailingBreak(b []byte) []byte {
	if bytes.HasSuffix(b, []byte("\r\n")) {
		return b[:len(b)-2]
	}
	return bytes.TrimSuffix(b, []byte("\n"))
}

// decoded returns the part body with its Content-Transfer-Encoding undone. Broken encodings
// are decoded as far as they go rather than refused: mail readers show such mail too.
func (p *part) decoded() []byte {
	switch strings.ToLower(strings.TrimSpace(p.header.get("Content-Transfer-Encoding"))) {
	case "base64":
		return decodeBase64(p.body)
	case "quoted-printable":
		out, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(p.body)))
		if err != nil && len(out) == 0 {
			return p.body
		}
		return out
	default:
		return p.body
	}
}

// decodeBase64 ignores whitespace and anything outside the alphabet, and stops at the first
// padding, the way lenient mail readers do.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		if c == '=' {
			break
		}
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	clean = clean[:len(clean)/4*4+keepTail(len(clean)%4)]
	out, _ := base64.RawStdEncoding.DecodeString(string(clean))
	return out
}

// keepTail says how many of the last len%4 characters still form whole bytes.
func keepTail(rem int) int {
	if rem == 1 {
		return 0 // a single trailing character carries fewer than 8 bits
	}
	return rem
}

// text decodes a text part into UTF-8 with "\n" line breaks.
func (p *part) text() string {
	return normalizeNewlines(toUTF8(p.decoded(), p.params["charset"]))
}

// filename is the decoded name from Content-Disposition or Content-Type, or "".
func (p *part) filename() string {
	name := p.dparams["filename"]
	if name == "" {
		name = p.params["name"]
	}
	// Outlook and others put encoded-words inside quoted parameters, which RFC 2047 forbids
	// but every reader accepts.
	return strings.TrimSpace(decodeHeader(name))
}

// contentID is the Content-ID without angle brackets.
func (p *part) contentID() string {
	return strings.Trim(strings.TrimSpace(p.header.get("Content-ID")), "<>")
}
