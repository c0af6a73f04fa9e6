package jiraemu

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseADF(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string // substring; "" means valid; "notADF" means errNotADF
	}{
		{"empty doc", `{"type":"doc","version":1,"content":[]}`, ""},
		{"paragraph", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"hi"}]}]}`, ""},
		{"empty paragraph", `{"type":"doc","version":1,"content":[{"type":"paragraph"}]}`, ""},
		{"string", `"hello"`, "notADF"},
		{"not a doc", `{"type":"paragraph","content":[]}`, "notADF"},
		{"no version", `{"type":"doc","content":[]}`, "version"},
		{"empty text", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":""}]}]}`, "must not be empty"},
		{"missing text", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text"}]}]}`, "must not be empty"},
		{"text at top level", `{"type":"doc","version":1,"content":[{"type":"text","text":"x"}]}`, "may not contain"},
		{"unknown node", `{"type":"doc","version":1,"content":[{"type":"blink"}]}`, "unknown node type"},
		{"unknown mark", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"shout"}]}]}]}`, "not allowed"},
		{"link without href", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"link","attrs":{}}]}]}]}`, "href"},
		{"code and link", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"code"},{"type":"link","attrs":{"href":"https://a"}}]}]}]}`, ""},
		{"code and em", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"code"},{"type":"em"}]}]}]}`, "combines only with link"},
		{"repeated mark", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"x","marks":[{"type":"em"},{"type":"em"}]}]}]}`, "repeated"},
		{"marks in code block", `{"type":"doc","version":1,"content":[{"type":"codeBlock","content":[{"type":"text","text":"x","marks":[{"type":"strong"}]}]}]}`, "no marks"},
		{"heading level", `{"type":"doc","version":1,"content":[{"type":"heading","attrs":{"level":7},"content":[]}]}`, "level"},
		{"empty list", `{"type":"doc","version":1,"content":[{"type":"bulletList","content":[]}]}`, "needs content"},
		{"list item starting with list", `{"type":"doc","version":1,"content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph"}]}]}]}]}]}`, "must start with a paragraph"},
		{"mention needs id", `{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"mention","attrs":{}}]}]}`, "attrs.id"},
		{"media single", `{"type":"doc","version":1,"content":[{"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"type":"external","url":"https://a/b.png"}}]}]}`, ""},
		{"rule with content", `{"type":"doc","version":1,"content":[{"type":"rule","content":[{"type":"paragraph"}]}]}`, "takes no content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseADF(json.RawMessage(tt.doc))
			switch {
			case tt.wantErr == "":
				if err != nil {
					t.Errorf("unexpected error %v", err)
				}
			case tt.wantErr == "notADF":
				if !errors.Is(err, errNotADF) {
					t.Errorf("err = %v, want errNotADF", err)
				}
			case err == nil || !strings.Contains(err.Error(), tt.wantErr) || errors.Is(err, errNotADF):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestADFLengthCountsUTF16(t *testing.T) {
	ascii := adfLength(TextADF("ab"))
	if got := adfLength(TextADF("a😀")); got != ascii+1 {
		t.Errorf("emoji counted as %d more units, want 1 (a surrogate pair)", got-ascii)
	}
}

func TestRenderADF(t *testing.T) {
	e := New(Options{})
	_ = e.AddUser(User{AccountID: "u1", DisplayName: "Dana"})
	doc := `{"type":"doc","version":1,"content":[
		{"type":"heading","attrs":{"level":2},"content":[{"type":"text","text":"Hi & bye"}]},
		{"type":"paragraph","content":[{"type":"text","text":"bold","marks":[{"type":"strong"}]},{"type":"hardBreak"},
			{"type":"text","text":"site","marks":[{"type":"link","attrs":{"href":"https://example.com/?a=1&b=2"}}]},
			{"type":"mention","attrs":{"id":"u1"}}]},
		{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"one"}]}]}]},
		{"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"type":"external","url":"https://img.example/x.png","alt":"x"}}]}]}`
	got := e.renderer("https://jira.example").render(json.RawMessage(doc))
	want := `<h2>Hi &amp; bye</h2>` +
		`<p><b>bold</b><br/><a href="https://example.com/?a=1&amp;b=2" class="external-link" rel="nofollow noreferrer">site</a>` +
		`<a href="https://jira.example/secure/ViewProfile.jspa?accountId=u1" class="user-hover" data-account-id="u1">@Dana</a></p>` +
		`<ul><li><p>one</p></li></ul>` +
		`<span class="image-wrap"><img src="https://img.example/x.png" alt="x"/></span>`
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rendered (-want +got):\n%s", d)
	}
	if wiki := adfWiki(json.RawMessage(doc)); wiki != "Hi & bye\nbold\nsite[~accountid:u1]\none" {
		t.Errorf("wiki = %q", wiki)
	}
}
