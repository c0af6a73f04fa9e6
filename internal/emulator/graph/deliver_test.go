package graphemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// post delivers a fixture through the HTTP endpoint.
func (h *harness) post(t *testing.T, mailbox, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(h.srv.URL+"/sandbox/deliver?mailbox="+mailbox, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (h *harness) deliverFixture(t *testing.T, name string) Delivered {
	t.Helper()
	resp, b := h.post(t, support, "message/rfc822", fixture(t, name))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("deliver %s: %d %s", name, resp.StatusCode, b)
	}
	var d Delivered
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeliverEndpointRefusals(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, mailbox, ctype string
		body                 []byte
		status               int
	}{
		{"wrong content type", support, "text/plain", fixture(t, "outlook-new.eml"), 415},
		{"unknown mailbox", "nobody@x.test", "message/rfc822", fixture(t, "outlook-new.eml"), 404},
		{"no mailbox", "", "message/rfc822", fixture(t, "outlook-new.eml"), 400},
		{"not a mail", support, "message/rfc822", []byte("\x00\x01 not a header\r\n\r\n"), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := h.post(t, tt.mailbox, tt.ctype, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			errCode(t, b)
		})
	}
}

// TestDeliverThreading checks Outlook's grouping: Thread-Index first, then In-Reply-To and
// References naming a message in the mailbox, else a new conversation.
func TestDeliverThreading(t *testing.T) {
	h := newHarness(t, Options{})
	got := map[string]Delivered{}
	for _, name := range []string{"customer-new.eml", "customer-reply.eml", "outlook-new.eml", "outlook-reply.eml", "stranger-reply.eml"} {
		got[name] = h.deliverFixture(t, name)
	}
	same := func(a, b string) bool { return got[a].ConversationID == got[b].ConversationID }
	tests := []struct {
		a, b string
		want bool
	}{
		{"customer-new.eml", "customer-reply.eml", true},
		{"outlook-new.eml", "outlook-reply.eml", true},
		{"customer-new.eml", "outlook-new.eml", false},
		{"stranger-reply.eml", "customer-new.eml", false},
		{"stranger-reply.eml", "outlook-new.eml", false},
	}
	for _, tt := range tests {
		if same(tt.a, tt.b) != tt.want {
			t.Errorf("%s and %s in one conversation = %v, want %v", tt.a, tt.b, !tt.want, tt.want)
		}
	}
}

func TestDeliveredFieldsThroughGraph(t *testing.T) {
	h := newHarness(t, Options{})
	d := h.deliverFixture(t, "customer-new.eml")
	m := h.obj(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d.ID+"?$select=subject,from,ccRecipients,internetMessageId,internetMessageHeaders,hasAttachments,body&$expand=attachments", nil, 200)
	from := m["from"].(map[string]any)["emailAddress"].(map[string]any)
	var names []string
	for _, h := range m["internetMessageHeaders"].([]any) {
		names = append(names, h.(map[string]any)["name"].(string))
	}
	var atts []string
	for _, a := range m["attachments"].([]any) {
		am := a.(map[string]any)
		atts = append(atts, am["name"].(string)+" inline="+map[bool]string{true: "yes", false: "no"}[am["isInline"].(bool)])
	}
	checks := []struct {
		name string
		want any
		got  any
	}{
		{"subject", "Drucker läuft nicht", m["subject"]},
		{"from", "priya@customer.test", from["address"]},
		{"internetMessageId", "<c1@customer.test>", m["internetMessageId"]},
		{"hasAttachments", true, m["hasAttachments"]},
		{"X-Mailer header kept", true, strings.Contains(strings.Join(names, ","), "X-Mailer")},
		{"cid reference kept", true, strings.Contains(m["body"].(map[string]any)["content"].(string), "cid:logo@customer.test")},
		{"attachments", "logo.png inline=yes,log.txt inline=no", strings.Join(atts, ",")},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got)\n%s", c.name, diff)
		}
	}
	resp, raw := h.do(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d.ID+"/$value", nil)
	if resp.StatusCode != 200 || !bytes.Equal(raw, fixture(t, "customer-new.eml")) {
		t.Errorf("$value does not return the delivered MIME: %d", resp.StatusCode)
	}
}

func TestHTMLPage(t *testing.T) {
	h := newHarness(t, Options{})
	h.deliver(support, mail(alice, support, "<script>alert(1)</script> printer"), Delivery{})
	resp, err := http.Get(h.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, want := range []string{support, "Inbox", "Sent Items", "&lt;script&gt;alert(1)&lt;/script&gt; printer", "/sandbox/deliver"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") {
		t.Error("page does not escape subjects")
	}
}
