package eml

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func encode(tb testing.TB, e encoding.Encoding, s string) []byte {
	tb.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		label string
		in    []byte
		want  string
	}{
		{"utf-8", []byte("Grüße"), "Grüße"},
		{"UTF-8", []byte("caf\xe9"), "café"}, // mislabelled Latin-1 is read as windows-1252
		{"us-ascii", []byte("plain"), "plain"},
		{"iso-8859-1", []byte("na\xefve \x93quoted\x94"), "naïve “quoted”"},
		{"windows-1252", []byte("\x80 5 \x96 \x92"), "€ 5 – ’"},
		{"iso-8859-15", []byte("\xa4uro"), "€uro"},
		{"iso-2022-jp", encode(t, japanese.ISO2022JP, "日本語のメール"), "日本語のメール"},
		{"shift_jis", encode(t, japanese.ShiftJIS, "お問い合わせ"), "お問い合わせ"},
		{"Shift-JIS", encode(t, japanese.ShiftJIS, "カタカナ"), "カタカナ"},
		{"koi8-r", encode(t, charmap.KOI8R, "Привет, мир"), "Привет, мир"},
		{"gb2312", encode(t, simplifiedchinese.GBK, "你好"), "你好"},
		{"\"windows-1251\"", encode(t, charmap.Windows1251, "Заявка"), "Заявка"},
		{"x-unknown", []byte("d\xe9j\xe0"), "déjà"},
		{"", []byte("no label"), "no label"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if got := toUTF8(tt.in, tt.label); got != tt.want {
				t.Errorf("toUTF8(%q, %q) = %q, want %q", tt.in, tt.label, got, tt.want)
			}
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	b64 := func(cs string, b []byte) string {
		return "=?" + cs + "?B?" + base64.StdEncoding.EncodeToString(b) + "?="
	}
	tests := []struct {
		in, want string
	}{
		{"plain words", "plain words"},
		{"=?UTF-8?B?w5xiZXI=?=", "Über"},
		{"=?utf-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=", "Grüße aus Köln"},
		{"RE: =?UTF-8?Q?caf=C3=A9?= order", "RE: café order"},
		{"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"}, // whitespace between encoded-words is dropped (RFC 2047 §6.2)
		{"=?UTF-8?Q?a_?=\r\n =?UTF-8?Q?b?=", "a b"},
		{"=?iso-8859-1?q?Fran=E7ois?=", "François"},
		{"=?windows-1252?Q?=93hi=94?=", "“hi”"},
		{b64("koi8-r", encode(t, charmap.KOI8R, "Счёт")), "Счёт"},
		{b64("shift_jis", encode(t, japanese.ShiftJIS, "請求書")), "請求書"},
		{b64("ISO-2022-JP", encode(t, japanese.ISO2022JP, "件名")), "件名"},
		{"=?x-unknown?Q?keep?=", "=?x-unknown?Q?keep?="},
		{"=?UTF-8?B?broken", "=?UTF-8?B?broken"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := decodeHeader(tt.in); got != tt.want {
				t.Errorf("decodeHeader(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseMediaType(t *testing.T) {
	tests := []struct {
		in         string
		wantValue  string
		wantParams map[string]string
	}{
		{`text/plain; charset="utf-8"; format=flowed`, "text/plain", map[string]string{"charset": "utf-8", "format": "flowed"}},
		{`Multipart/Mixed;boundary=abc`, "multipart/mixed", map[string]string{"boundary": "abc"}},
		{`attachment; filename="semi;colon \"q\".txt"`, "attachment", map[string]string{"filename": `semi;colon "q".txt`}},
		{`attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf`, "attachment", map[string]string{"filename": "€ rates.pdf"}},
		{`attachment; filename*=iso-8859-1'de'R%E9sum%E9.doc`, "attachment", map[string]string{"filename": "Résumé.doc"}},
		{"attachment;\tfilename*0*=utf-8''%C3%9Cber;\tfilename*1=\" sicht\";\tfilename*2*=%2Epdf", "attachment", map[string]string{"filename": "Über sicht.pdf"}},
		{`attachment; filename="plain.txt"; filename*=utf-8''better.txt`, "attachment", map[string]string{"filename": "better.txt"}},
		{`image/png; name=a.png; name=b.png`, "image/png", map[string]string{"name": "a.png"}},
		{`inline; filename="=?utf-8?B?w7xiZXIucG5n?="`, "inline", map[string]string{"filename": "=?utf-8?B?w7xiZXIucG5n?="}},
		{``, "", map[string]string{}},
		{`text/plain; junk; =x; charset=utf-8`, "text/plain", map[string]string{"charset": "utf-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, params := parseMediaType(tt.in)
			expect(t, "value", v, tt.wantValue)
			if diff := cmp.Diff(tt.wantParams, params); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilename(t *testing.T) {
	tests := []struct {
		headers string
		want    string
	}{
		{"Content-Type: application/pdf; name=\"from-type.pdf\"", "from-type.pdf"},
		{"Content-Type: application/pdf; name=\"type.pdf\"\r\nContent-Disposition: attachment; filename=\"disposition.pdf\"", "disposition.pdf"},
		{"Content-Type: image/png; name=\"=?utf-8?B?w7xiZXIucG5n?=\"", "über.png"},
		{"Content-Disposition: attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.txt", "日本.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			h, _, err := splitHeader([]byte(tt.headers + "\r\n\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := newPart(cleanHeaders(h), nil, 0, &counter{})
			if err != nil {
				t.Fatal(err)
			}
			expect(t, "filename", p.filename(), tt.want)
		})
	}
}

func TestSplitHeaderUnfolds(t *testing.T) {
	h, body, err := splitHeader([]byte("Subject: one\r\n two\r\n\tthree\r\nX-Empty:\r\n\r\nbody\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := headers{{"Subject", " one two\tthree"}, {"X-Empty", ""}}
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	expect(t, "body", string(body), "body\r\n")
	if got := cleanHeaders(h)[0].Value; !strings.HasPrefix(got, "one") {
		t.Errorf("cleanHeaders kept leading space: %q", got)
	}
}
