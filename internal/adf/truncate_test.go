package adf

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// plainText concatenates a document's text in order, for prefix checks.
func plainText(nodes []*Node) string {
	var b strings.Builder
	for _, n := range nodes {
		b.WriteString(n.Text)
		b.WriteString(plainText(n.Content))
	}
	return b.String()
}

func bigDoc(tb testing.TB) *Doc {
	tb.Helper()
	var b strings.Builder
	b.WriteString("<p>Intro with <b>bold</b> and a <a href='https://example.com'>link</a>.</p>")
	for i := range 400 {
		b.WriteString("<ul><li>item <i>" + strings.Repeat("é", i%7) + "</i><ol><li>sub 😀</li></ol></li></ul>")
		b.WriteString("<table><tr><th>h1</th><th>h2</th></tr><tr><td>cell</td><td><pre>code\nline</pre></td></tr></table>")
		b.WriteString("<blockquote><p>" + strings.Repeat("quoted text ", 20) + "</p></blockquote>")
	}
	doc, err := FromHTML(b.String(), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func TestTruncateLeavesSmallDocumentsAlone(t *testing.T) {
	doc := FromText("short mail")
	got, cut := Truncate(doc, MaxChars)
	if cut || got != doc {
		t.Errorf("Truncate cut a %d character document", doc.Size())
	}
}

func TestTruncateAtJiraLimit(t *testing.T) {
	doc := bigDoc(t)
	if doc.Size() < 5*MaxChars {
		t.Fatalf("fixture too small: %d", doc.Size())
	}
	note := TruncationNote("mail.eml")
	got, cut := TruncateWithNote(doc, MaxChars, note)
	if !cut {
		t.Fatal("not reported as cut")
	}
	if err := Validate(got); err != nil {
		t.Fatal(err)
	}
	if size := got.Size(); size > MaxChars || size < MaxChars-200 {
		t.Errorf("Size = %d, want just under %d", size, MaxChars)
	}
	last := got.Content[len(got.Content)-1]
	if diff := cmp.Diff(Note(note), last); diff != "" {
		t.Errorf("last block is not the note (-want +got):\n%s", diff)
	}
	kept := plainText(got.Content[:len(got.Content)-1])
	if !strings.HasPrefix(plainText(doc.Content), kept) {
		t.Error("kept text is not a prefix of the original")
	}
	if doc.Size() <= MaxChars {
		t.Error("Truncate modified its input")
	}
}

func TestTruncateEveryLimitStaysValid(t *testing.T) {
	doc := bigDoc(t)
	doc.Content = doc.Content[:12]
	full := doc.Size()
	for limit := 40; limit < full; limit += 37 {
		got, cut := Truncate(doc, limit)
		if !cut {
			t.Fatalf("limit %d: not cut", limit)
		}
		if err := Validate(got); err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if got.Size() > limit {
			t.Fatalf("limit %d: size %d", limit, got.Size())
		}
	}
}

func TestTruncateShortensTheNoteWhenNothingElseFits(t *testing.T) {
	doc := FromText(strings.Repeat("text ", 100))
	got, cut := TruncateWithNote(doc, 160, TruncationNote("a-very-long-attachment-name.eml"))
	if !cut || got.Size() > 160 {
		t.Fatalf("cut=%v size=%d", cut, got.Size())
	}
	if err := Validate(got); err != nil {
		t.Fatal(err)
	}
	if want := "[... mail"; !strings.HasPrefix(plainText(got.Content), want) {
		t.Errorf("got %q, want the note's start", plainText(got.Content))
	}
}

func TestTruncationNote(t *testing.T) {
	want := "[... mail truncated: the full mail is attached as SD-1 original.eml]"
	if got := TruncationNote("SD-1 original.eml"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
