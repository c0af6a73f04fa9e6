package adf

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeImages resolves content ids by prefix, standing in for the processor's upload map.
func fakeImages(cid string) (Image, bool) {
	name, _, _ := strings.Cut(cid, "@")
	switch {
	case strings.HasPrefix(cid, "media-"):
		return Image{MediaID: "0f3c1e9a-" + name, Name: name + ".png", Width: 120, Height: 40}, true
	case strings.HasPrefix(cid, "ext-"):
		return Image{ExternalURL: "https://example.atlassian.net/rest/api/3/attachment/content/10001", Name: name + ".png"}, true
	case strings.HasPrefix(cid, "link-"):
		return Image{LinkURL: "https://example.atlassian.net/rest/api/3/attachment/content/10002", Name: name + ".png"}, true
	case strings.HasPrefix(cid, "skip-"), strings.HasPrefix(cid, "image001"):
		return Image{}, false // a repeated signature logo that was not uploaded
	}
	return Image{Name: name}, true
}

// goldenOptions names the fixtures that need more than the default options.
var goldenOptions = map[string]Options{
	"gmail-reply-stripped":       {InlineImage: fakeImages, StripQuotes: true, StripSignature: true},
	"outlook-reply-stripped":     {InlineImage: fakeImages, StripQuotes: true, StripSignature: true},
	"owa-reply-stripped":         {InlineImage: fakeImages, StripQuotes: true, StripSignature: true},
	"apple-reply-stripped":       {InlineImage: fakeImages, StripQuotes: true},
	"exchange-prefixed-stripped": {InlineImage: fakeImages, StripQuotes: true, StripSignature: true},
	"images-no-resolver":         {},
}

func TestFromHTMLGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "html", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".html")
		t.Run(name, func(t *testing.T) {
			opts, ok := goldenOptions[name]
			if !ok {
				opts = Options{InlineImage: fakeImages}
			}
			doc, err := FromHTML(readFile(t, file), opts)
			if err != nil {
				t.Fatalf("FromHTML: %v", err)
			}
			if err := Validate(doc); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".html")+".json", doc)
		})
	}
}

func TestFromTextGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "text", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			doc := FromText(readFile(t, file))
			if err := Validate(doc); err != nil {
				t.Errorf("Validate: %v", err)
			}
			checkGolden(t, strings.TrimSuffix(file, ".txt")+".json", doc)
		})
	}
}

func readFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// checkGolden compares doc with the JSON in path, or rewrites path under -update.
func checkGolden(tb testing.TB, path string, doc *Doc) {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		tb.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want := readFile(tb, path)
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		tb.Errorf("%s mismatch (-want +got), rerun with -update if intended:\n%s", path, diff)
	}
	var back Doc
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		tb.Fatalf("golden %s is not JSON: %v", path, err)
	}
	if err := Validate(&back); err != nil {
		tb.Errorf("golden %s: %v", path, err)
	}
}
