package adf

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/mail2jira/mail2jira/internal/errs"
)

const site = "https://example.atlassian.net"

func TestMailSafeHTML(t *testing.T) {
	att := func(id, name string, thumb bool, url string) ImageRef {
		return ImageRef{ContentID: "jira-attachment-" + id + "@mail2jira", AttachmentID: id, FileName: name, Thumbnail: thumb, URL: url}
	}
	tests := []struct {
		name       string
		in         string
		want       string
		wantImages []ImageRef
	}{
		{"scripts, styles and handlers go",
			`<p onclick="steal()" style="color:red" class="x">Hi <script>alert(1)</script><style>p{}</style><b onmouseover="x()">there</b></p>`,
			`<p>Hi <b>there</b></p>`, nil},
		{"relative links become absolute, unsafe ones lose their href",
			`<p><a href="/browse/SD-1" class="issue-link">SD-1</a> <a href="javascript:alert(1)">x</a> <a href="#anchor">top</a> <a href="mailto:a@example.com">mail</a> <a href="https://other.example/x?a=1&amp;b=2" target="_blank" rel="nofollow">ext</a></p>`,
			`<p><a href="https://example.atlassian.net/browse/SD-1">SD-1</a> <a>x</a> <a>top</a> <a href="mailto:a@example.com">mail</a> <a href="https://other.example/x?a=1&amp;b=2">ext</a></p>`, nil},
		{"jira images become cid references, once per attachment",
			`<p><span class="image-wrap" style=""><img src="/rest/api/3/attachment/content/10001" alt="screen.png" height="250" width="400" style="border: 0px solid black" /></span></p>` +
				`<p><img src="https://example.atlassian.net/rest/api/3/attachment/content/10001" alt="again"></p>` +
				`<p><a href="/secure/attachment/10002/10002_diagram.png" title="diagram.png" file-preview-type="image"><img src="/secure/thumbnail/10002/_thumb_10002.png" alt="diagram.png"></a></p>` +
				`<p><img src="/secure/attachment/10003/log%20file.png"></p>`,
			`<p><span><img src="cid:jira-attachment-10001@mail2jira" alt="screen.png" height="250" width="400"/></span></p>` +
				`<p><img src="cid:jira-attachment-10001@mail2jira" alt="again"/></p>` +
				`<p><a href="https://example.atlassian.net/secure/attachment/10002/10002_diagram.png" title="diagram.png"><img src="cid:jira-attachment-10002@mail2jira" alt="diagram.png"/></a></p>` +
				`<p><img src="cid:jira-attachment-10003@mail2jira"/></p>`,
			[]ImageRef{
				att("10001", "screen.png", false, site+"/rest/api/3/attachment/content/10001"),
				att("10002", "diagram.png", true, site+"/secure/thumbnail/10002/_thumb_10002.png"),
				att("10003", "log file.png", false, site+"/secure/attachment/10003/log%20file.png"),
			}},
		{"other images stay, data and script images go",
			`<p><img class="emoticon" src="/images/icons/emoticons/smile.png" alt="(smile)"><img src="https://cdn.example.org/a.png"><img src="data:image/png;base64,AAAA" alt="pasted"><img src="javascript:x"><img src="https://other.example/rest/api/3/attachment/content/5"></p>`,
			`<p><img src="https://example.atlassian.net/images/icons/emoticons/smile.png" alt="(smile)"/><img src="https://cdn.example.org/a.png"/>pasted<img src="https://other.example/rest/api/3/attachment/content/5"/></p>`, nil},
		{"active and unknown elements",
			`<div><iframe src="https://x"></iframe><form><input value="x"></form><custom-el>kept text</custom-el><svg><text>no</text></svg><object>o</object></div>`,
			`<div>kept text</div>`, nil},
		{"code and tables keep their structure",
			`<div class="code panel" style="border-width: 1px;"><div class="codeContent panelContent"><pre class="code-java">if (a &lt; b) {}</pre></div></div><div class="table-wrap"><table class="confluenceTable"><tbody><tr><th class="confluenceTh">A</th></tr><tr><td class="confluenceTd" colspan="2" onclick="x">1</td></tr></tbody></table></div>`,
			`<div><div><pre>if (a &lt; b) {}</pre></div></div><div><table border="1" cellpadding="4" cellspacing="0"><tbody><tr><th>A</th></tr><tr><td colspan="2">1</td></tr></tbody></table></div>`, nil},
		{"mentions and text with entities",
			`<p><a href="/secure/ViewProfile.jspa?accountId=557058%3Aabc" class="user-hover" rel="557058:abc" data-account-id="557058:abc">Ann Lee</a> wrote: caf&eacute; &amp; “quotes” — 你好</p><!-- comment -->`,
			`<p><a href="https://example.atlassian.net/secure/ViewProfile.jspa?accountId=557058%3Aabc">Ann Lee</a> wrote: café &amp; “quotes” — 你好</p>`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, images, err := MailSafeHTML(tt.in, MailSafeOptions{SiteURL: site})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("html (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantImages, images); diff != "" {
				t.Errorf("images (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMailSafeHTMLSiteUnderAPath(t *testing.T) {
	got, images, err := MailSafeHTML(`<img src="/jira/secure/attachment/7/a.png"><a href="rel">r</a>`,
		MailSafeOptions{SiteURL: "https://intranet.example.com/jira/", ContentIDDomain: "sd.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	want := `<img src="cid:jira-attachment-7@sd.example.com"/><a href="https://intranet.example.com/jira/rel">r</a>`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("html (-want +got):\n%s", diff)
	}
	if len(images) != 1 || images[0].AttachmentID != "7" || images[0].FileName != "a.png" {
		t.Errorf("images = %+v", images)
	}
}

func TestMailSafeHTMLDeepNesting(t *testing.T) {
	in := "<p>top</p>" + strings.Repeat("<div>", 600) + "deep"
	out, _, err := MailSafeHTML(in, MailSafeOptions{SiteURL: site})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "<p>top</p>") || !strings.Contains(out, "deep") {
		t.Errorf("lost text: %.80q", out)
	}
}

func TestMailSafeHTMLRejectsBadSite(t *testing.T) {
	for _, s := range []string{"", "example.atlassian.net", "ftp://example.net", "https://"} {
		if _, _, err := MailSafeHTML("<p>x</p>", MailSafeOptions{SiteURL: s}); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("site %q: err = %v, want ErrInvalid", s, err)
		}
	}
}

func TestMailSafeHTMLRandomInputStaysSafe(t *testing.T) {
	evil := []string{`<script>x</script>`, `<img src=x onerror=alert(1)>`, `<a href="jAvAsCrIpT:x">j</a>`,
		`<a href=" javascript:x">s</a>`, `<iframe srcdoc="<script>x</script>">`, `<svg onload=x>`, `<style>@import "x"</style>`,
		`<p style="background:url(javascript:x)">s</p>`, `<math><mi xlink:href="javascript:x">m</mi></math>`,
		`<img src="/rest/api/3/attachment/content/42">`, `<table><tr><td onclick=x>c</td></tr></table>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, `<base href="javascript:x">`, `<form action=x><button formaction=x>b</button></form>`}
	for seed := uint64(1); seed <= 500; seed++ {
		r := rand.New(rand.NewPCG(seed, 17))
		src := randomHTML(r, 4) + evil[r.IntN(len(evil))] + randomHTML(r, 3)
		out, _, err := MailSafeHTML(src, MailSafeOptions{SiteURL: site})
		if err != nil {
			t.Fatal(err)
		}
		checkMailSafe(t, src, out)
	}
}

// checkMailSafe re-parses out and fails on any element, attribute or URL the sanitizer
// should have removed.
func checkMailSafe(tb testing.TB, src, out string) {
	tb.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		tb.Fatal(err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !mailAllowed[n.Data] {
				tb.Fatalf("element %s survived\ninput: %q\noutput: %q", n.Data, src, out)
			}
			for _, a := range n.Attr {
				if !allowedAttr("*", a.Key) && !allowedAttr(n.Data, a.Key) {
					tb.Fatalf("attribute %s on %s survived\ninput: %q", a.Key, n.Data, src)
				}
				if a.Key == "href" || a.Key == "src" {
					u, err := url.Parse(a.Val)
					if err != nil || !map[string]bool{"http": true, "https": true, "mailto": true, "cid": true}[u.Scheme] {
						tb.Fatalf("%s=%q survived\ninput: %q", a.Key, a.Val, src)
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}
