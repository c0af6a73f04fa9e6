package adf

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromHTMLDeepReplyChain(t *testing.T) {
	// Each reply nests the previous mail one level deeper; the parser stops at 512.
	var b strings.Builder
	b.WriteString("<div>Newest answer</div>")
	for i := range 700 {
		b.WriteString(`<blockquote type="cite"><div>reply ` + strings.Repeat("x", i%3+1) + "</div>")
	}
	tests := []struct {
		name string
		opts Options
		want func(*Doc) bool
	}{
		{"quotes stripped", Options{StripQuotes: true}, func(d *Doc) bool {
			return cmp.Equal(d, NewDoc(Paragraph(Text("Newest answer"))))
		}},
		{"quotes kept", Options{}, func(d *Doc) bool {
			text := plainText(d.Content)
			return strings.HasPrefix(text, "Newest answer") && strings.Count(text, "reply") == 700
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := FromHTML(b.String(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(doc); err != nil {
				t.Fatal(err)
			}
			if !tt.want(doc) {
				t.Errorf("unexpected document: %s", plainText(doc.Content)[:80])
			}
		})
	}
}

func TestDropDeepTags(t *testing.T) {
	tests := []struct {
		name, in, want string
		limit          int
	}{
		{"shallow unchanged", "<div><b>x</b><br></div>", "<div><b>x</b><br></div>", 5},
		{"deep tags dropped, text kept", "<div><p><b>x</b></p>y</div>", "<div><p>x</p>y</div>", 2},
		{"stray end tag ignored", "</span><div>a</div></i>", "<div>a</div>", 5},
		{"misnested closes inner", "<b><i>x</b>y</i>", "<b><i>x</b>y", 5},
		{"no tags at limit zero", "<div><img src=a>t<!-- c --></div>", "<img src=a>t<!-- c -->", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dropDeepTags(tt.in, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("dropDeepTags = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFromHTMLInlineImageSizes(t *testing.T) {
	// The image's own size is used when the resolver does not know it.
	doc, err := FromHTML(`<img src="cid:a@b" width="300" height="100">`, Options{
		InlineImage: func(cid string) (Image, bool) { return Image{MediaID: "m-" + cid}, true },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := NewDoc(mediaSingle(&Node{Type: TypeMedia, Attrs: map[string]any{
		"type": "file", "id": "m-a@b", "collection": "", "alt": "image", "width": 300, "height": 100}}))
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
