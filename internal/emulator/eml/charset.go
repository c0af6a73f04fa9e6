package eml

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// lookupCharset finds a decoder for a MIME charset label. WHATWG labels come first because
// mail in the wild labels windows-1252 text as iso-8859-1 just as web pages do, and mail
// readers (Outlook included) decode it the way browsers do.
func lookupCharset(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	if label == "" {
		return nil
	}
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	if e, err := ianaindex.MIME.Encoding(label); err == nil && e != nil {
		return e
	}
	return nil
}

// toUTF8 converts text in the named charset to UTF-8. Unknown or wrong labels never fail:
// valid UTF-8 is kept, anything else is read as windows-1252, so one odd mail cannot stop a
// delivery.
func toUTF8(b []byte, label string) string {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii", "unicode-1-1-utf-8":
		return lenientUTF8(b)
	}
	if e := lookupCharset(label); e != nil {
		if out, err := e.NewDecoder().Bytes(b); err == nil {
			return lenientUTF8(out)
		}
	}
	return lenientUTF8(b)
}

// lenientUTF8 keeps valid UTF-8 and reads anything else as windows-1252.
func lenientUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// wordDecoder decodes RFC 2047 encoded-words in any charset x/text knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(label string, input io.Reader) (io.Reader, error) {
	e := lookupCharset(label)
	if e == nil {
		return nil, fmt.Errorf("unknown charset %q", label)
	}
	return e.NewDecoder().Reader(input), nil
}

// decodeHeader decodes encoded-words in an unstructured header value (Subject, Thread-Topic,
// filenames), leaving malformed words as they are.
func decodeHeader(v string) string {
	out, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return out
}

// normalizeNewlines turns CRLF and lone CR into "\n" so bodies compare the same whichever
// line ending the mail was stored with.
func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// isASCII reports whether b holds only 7-bit bytes.
func isASCII(b []byte) bool {
	return bytes.IndexFunc(b, func(r rune) bool { return r >= utf8.RuneSelf }) < 0
}
