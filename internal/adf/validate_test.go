package adf

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestValidateAcceptsJiraShapedJSON(t *testing.T) {
	// Numbers decode as float64 and media needs its collection even when empty.
	const doc = `{"type":"doc","version":1,"content":[
	 {"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Title"}]},
	 {"type":"paragraph","content":[{"type":"mention","attrs":{"id":"5b10ac8d82e05b22cc7d4ef5","text":"@Ann"}},
	  {"type":"text","text":" see "},{"type":"text","text":"x","marks":[{"type":"code"},{"type":"link","attrs":{"href":"https://x"}}]},
	  {"type":"hardBreak"},{"type":"emoji","attrs":{"shortName":":smile:"}},{"type":"inlineCard","attrs":{"url":"https://x"}}]},
	 {"type":"orderedList","attrs":{"order":0},"content":[{"type":"listItem","content":[{"type":"paragraph"},{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"codeBlock","content":[{"type":"text","text":"x"}]}]}]}]}]},
	 {"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"type":"file","id":"abc","collection":""}}]},
	 {"type":"mediaGroup","content":[{"type":"media","attrs":{"type":"external","url":"https://x/a.png"}}]},
	 {"type":"panel","attrs":{"panelType":"info"},"content":[{"type":"paragraph"}]},
	 {"type":"table","content":[{"type":"tableRow","content":[{"type":"tableHeader","content":[{"type":"paragraph"}]},{"type":"tableCell","content":[{"type":"rule"}]}]}]},
	 {"type":"blockquote","content":[{"type":"paragraph","content":[{"type":"text","text":"q","marks":[{"type":"strong"},{"type":"em"},{"type":"subsup","attrs":{"type":"sub"}}]}]}]}
	]}`
	var d Doc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatal(err)
	}
	if err := Validate(&d); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidateRejects(t *testing.T) {
	p := func(inl ...*Node) *Node { return Paragraph(inl...) }
	item := func(b ...*Node) *Node { return &Node{Type: TypeListItem, Content: b} }
	tests := []struct {
		name string
		doc  *Doc
	}{
		{"nil doc", nil},
		{"wrong version", &Doc{Type: TypeDoc, Version: 2}},
		{"wrong type", &Doc{Type: "paragraph", Version: 1}},
		{"empty text", NewDoc(p(Text("")))},
		{"unknown node", NewDoc(&Node{Type: "marquee"})},
		{"unknown mark", NewDoc(p(Text("x", Mark{Type: "blink"})))},
		{"duplicate mark", NewDoc(p(Text("x", Strong(), Strong())))},
		{"code with strong", NewDoc(p(Text("x", Code(), Strong())))},
		{"link without href", NewDoc(p(Text("x", Mark{Type: MarkLink})))},
		{"marks in codeBlock", NewDoc(&Node{Type: TypeCodeBlock, Content: []*Node{Text("x", Strong())}})},
		{"text at top level", NewDoc(Text("x"))},
		{"paragraph in paragraph", NewDoc(p(p()))},
		{"empty list", NewDoc(&Node{Type: TypeBulletList})},
		{"empty list item", NewDoc(&Node{Type: TypeBulletList, Content: []*Node{item()}})},
		{"list first in item", NewDoc(&Node{Type: TypeBulletList, Content: []*Node{item(&Node{Type: TypeBulletList, Content: []*Node{item(p())}})}})},
		{"heading in list item", NewDoc(&Node{Type: TypeBulletList, Content: []*Node{item(Heading(1, Text("x")))}})},
		{"heading level 7", NewDoc(Heading(7, Text("x")))},
		{"heading without level", NewDoc(&Node{Type: TypeHeading})},
		{"negative order", NewDoc(&Node{Type: TypeOrderedList, Attrs: map[string]any{"order": -1}, Content: []*Node{item(p())}})},
		{"nested table", NewDoc(&Node{Type: TypeTable, Content: []*Node{{Type: TypeTableRow, Content: []*Node{{Type: TypeTableCell, Content: []*Node{{Type: TypeTable}}}}}}})},
		{"empty cell", NewDoc(&Node{Type: TypeTable, Content: []*Node{{Type: TypeTableRow, Content: []*Node{{Type: TypeTableCell}}}}})},
		{"mention without id", NewDoc(p(&Node{Type: TypeMention}))},
		{"media without collection", NewDoc(mediaSingle(&Node{Type: TypeMedia, Attrs: map[string]any{"type": "file", "id": "x"}}))},
		{"external media without url", NewDoc(mediaSingle(&Node{Type: TypeMedia, Attrs: map[string]any{"type": "external"}}))},
		{"mediaSingle without layout", NewDoc(&Node{Type: TypeMediaSingle, Content: []*Node{mediaNode(Image{MediaID: "x"}, "a")}})},
		{"two media in mediaSingle", NewDoc(&Node{Type: TypeMediaSingle, Attrs: map[string]any{"layout": "center"},
			Content: []*Node{mediaNode(Image{MediaID: "x"}, "a"), mediaNode(Image{MediaID: "y"}, "b")}})},
		{"blockquote in blockquote", NewDoc(&Node{Type: TypeBlockquote, Content: []*Node{{Type: TypeBlockquote, Content: []*Node{p()}}}})},
		{"marks on paragraph", NewDoc(&Node{Type: TypeParagraph, Marks: []Mark{Strong()}})},
		{"text with content", NewDoc(p(&Node{Type: TypeText, Text: "x", Content: []*Node{Text("y")}}))},
		{"nil node", NewDoc(p(nil))},
		{"rule with content", NewDoc(&Node{Type: TypeRule, Content: []*Node{p()}})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.doc)
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDocJSON(t *testing.T) {
	tests := []struct {
		name string
		doc  *Doc
		want string
	}{
		{"empty content is an array", NewDoc(), `{"type":"doc","version":1,"content":[]}`},
		{"empty paragraph has content", NewDoc(Paragraph(), Paragraph(HardBreak())),
			`{"type":"doc","version":1,"content":[{"type":"paragraph","content":[]},{"type":"paragraph","content":[{"type":"hardBreak"}]}]}`},
		{"no html escaping", NewDoc(Paragraph(Text("a<b>&c", Link("https://x/?a=1&b=2")))),
			`{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"a<b>&c","marks":[{"type":"link","attrs":{"href":"https://x/?a=1&b=2"}}]}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.doc.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON = %s, want %s", got, tt.want)
			}
			if tt.doc.Size() != len(tt.want) {
				t.Errorf("Size = %d, want %d", tt.doc.Size(), len(tt.want))
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	doc, err := FromHTML(readFile(t, "testdata/html/outlook-desktop.html"), Options{InlineImage: fakeImages})
	if err != nil {
		t.Fatal(err)
	}
	first, err := json.Marshal(doc) // through encoding/json, as an SDK would
	if err != nil {
		t.Fatal(err)
	}
	var back Doc
	if err := json.Unmarshal(first, &back); err != nil {
		t.Fatal(err)
	}
	second, err := back.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if own, _ := doc.JSON(); string(own) != string(second) {
		t.Errorf("round trip changed the document:\n%s\n%s", own, second)
	}
}

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x"}]}]}`, true},
		{"unknown field", `{"type":"doc","version":1,"content":[{"type":"paragraph","colour":"red"}]}`, false},
		{"not json", `{"type":"doc"`, false},
		{"invalid adf", `{"type":"doc","version":1,"content":[{"type":"text","text":"x"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.in))
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, errs.ErrInvalid)) {
				t.Errorf("ParseJSON = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSizeCountsUTF16Units(t *testing.T) {
	base := NewDoc(Paragraph(Text("x"))).Size()
	tests := []struct {
		text string
		want int
	}{
		{"é", 1},  // one UTF-16 unit, two UTF-8 bytes
		{"€", 1},  // one unit, three bytes
		{"😀", 2},  // a surrogate pair, four bytes
		{"\n", 2}, // escaped as \n
		{`"`, 2},  // escaped as \"
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := NewDoc(Paragraph(Text(tt.text))).Size() - base + 1
			if got != tt.want {
				t.Errorf("size of %q = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}
