package adf

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomHTML builds messy markup from the pieces real mail is made of, including broken
// nesting and unclosed tags, so that the converter meets shapes no fixture has.
func randomHTML(r *rand.Rand, depth int) string {
	var b strings.Builder
	for n := r.IntN(6); n >= 0; n-- {
		if depth <= 0 || r.IntN(3) == 0 {
			b.WriteString(randomText[r.IntN(len(randomText))])
			continue
		}
		tag := randomTags[r.IntN(len(randomTags))]
		fmt.Fprintf(&b, "<%s%s>%s", tag, randomAttrs[r.IntN(len(randomAttrs))], randomHTML(r, depth-1))
		if r.IntN(8) != 0 { // sometimes leave it open
			fmt.Fprintf(&b, "</%s>", strings.Fields(tag)[0])
		}
	}
	return b.String()
}

var randomTags = []string{"p", "div", "span", "b", "i", "u", "s", "code", "pre", "a href=\"https://x.example/\"",
	"a href=\"javascript:x\"", "ul", "ol start=\"0\"", "li", "table", "tr", "td", "th", "thead", "tbody",
	"blockquote", "h1", "h3", "br", "hr", "img src=\"cid:media-a@b\"", "img src=\"cid:ext-a@b\"",
	"img src=\"cid:x@y\" alt=\"x\"", "img src=\"https://t/p\" width=\"1\"", "o:p", "font", "sub", "sup",
	"p class=\"MsoNormal\"", "p class=\"MsoListParagraph\" style=\"mso-list:l0 level2 lfo1\"", "script", "style",
	"td colspan=\"2\"", "center", "kbd", "strong", "em", "del", "dl", "dt", "dd", "caption", "v:shape", "xml"}

var randomAttrs = []string{"", "", "", ` style="display:none"`, ` style="font-weight:bold"`, ` hidden`,
	` style="mso-list:Ignore"`, ` class="gmail_quote"`, ` id="divRplyFwdMsg"`, ` style="margin:0"`, ` dir="rtl"`}

var randomText = []string{"", " ", "  \n\t ", "word", "two words", "&nbsp;", "&amp;&lt;&gt;", "\u00a0\u00a0",
	"https://example.com/a.", "www.example.org", "Привет", "你好", "👍🏽", "\u200b", "\x01", "&#0;", "x<y",
	"<![if !supportLists]>·<![endif]>", "<!--[if mso]>x<![endif]-->", "<!-- c -->", "\r\n", "(", ")"}

func TestFromHTMLRandomDocumentsStayValid(t *testing.T) {
	for seed := uint64(1); seed <= 3000; seed++ {
		r := rand.New(rand.NewPCG(seed, seed*7919))
		src := randomHTML(r, 5)
		opts := Options{InlineImage: fakeImages, StripQuotes: seed%3 == 0, StripSignature: seed%5 == 0}
		if seed%7 == 0 {
			opts.InlineImage = nil
		}
		checkConverts(t, fmt.Sprintf("seed %d", seed), src, opts)
	}
}

// checkConverts asserts FromHTML neither fails nor panics and yields a valid document that
// survives a JSON round trip.
func checkConverts(tb testing.TB, name, src string, opts Options) {
	tb.Helper()
	defer func() {
		if p := recover(); p != nil {
			tb.Fatalf("%s: FromHTML panicked: %v\ninput: %q", name, p, src)
		}
	}()
	doc, err := FromHTML(src, opts)
	if err != nil {
		tb.Fatalf("%s: FromHTML: %v\ninput: %q", name, err, src)
	}
	if err := Validate(doc); err != nil {
		tb.Fatalf("%s: %v\ninput: %q", name, err, src)
	}
	b, err := doc.JSON()
	if err != nil {
		tb.Fatal(err)
	}
	var back Doc
	if err := json.Unmarshal(b, &back); err != nil {
		tb.Fatalf("%s: round trip: %v", name, err)
	}
	if err := Validate(&back); err != nil {
		tb.Fatalf("%s: after round trip: %v\ninput: %q", name, err, src)
	}
}

func TestFromHTMLExtremeShapesStayValid(t *testing.T) {
	shapes := map[string]string{
		"deep bold":         strings.Repeat("<b>", 3000) + "x",
		"deep divs":         strings.Repeat("<div>", 3000) + "x",
		"deep tables":       strings.Repeat("<table><tr><td>", 200) + "x",
		"deep lists":        strings.Repeat("<ul><li>", 300) + "x",
		"deep quotes":       strings.Repeat("<blockquote>", 600) + "x",
		"deep headings":     strings.Repeat("<h1><div>", 300) + "x",
		"misnested marks":   strings.Repeat("<b><i><u>x</b></i></u>", 500),
		"block in link":     strings.Repeat("<a href='https://x'><b>x<p>y</a>", 300),
		"word list deep":    strings.Repeat("<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>x</p><p class=MsoListParagraph style='mso-list:l0 level9 lfo1'>y</p>", 200),
		"word list no top":  "<p class=MsoListParagraph style='mso-list:l0 level3 lfo1'>x</p><p class=MsoListParagraph style='mso-list:l0 level1 lfo1'>y</p>",
		"pre in pre":        strings.Repeat("<pre><div>", 300) + "x",
		"many breaks":       strings.Repeat("x<br>", 5000),
		"wide table":        "<table>" + strings.Repeat("<tr>"+strings.Repeat("<td>x</td>", 30)+"</tr>", 50) + "</table>",
		"image in heading":  "<h2>a<img src='cid:media-x@y'>b</h2>",
		"image in pre":      "<pre>a<img src='cid:media-x@y'>b</pre>",
		"table in heading":  "<h2>a<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>b</h2>",
		"list in paragraph": "<p>a<ul><li>b</li></ul>c</p>",
	}
	for name, src := range shapes {
		t.Run(name, func(t *testing.T) { checkConverts(t, name, src, Options{InlineImage: fakeImages}) })
	}
}

func FuzzFromHTML(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "html", "*.html"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), true)
	}
	f.Add("<ul><li><ul><li>x</ul></ul><table><tr><td><pre>a<br>b", false)
	f.Fuzz(func(t *testing.T, src string, strip bool) {
		checkConverts(t, "fuzz", src, Options{InlineImage: fakeImages, StripQuotes: strip, StripSignature: strip})
	})
}

func FuzzFromText(f *testing.F) {
	f.Add("a\n\nb\nhttps://x.example/(y).\r\n\t\x00 www.z.org")
	f.Fuzz(func(t *testing.T, text string) {
		if err := Validate(FromText(text)); err != nil {
			t.Fatalf("%v\ninput: %q", err, text)
		}
	})
}
