package graphemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

func headerValue(hs []eml.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func TestCreateReplyAllThenSend(t *testing.T) {
	h := newHarness(t, Options{})
	in := mail(alice, support, "Printer broken")
	in.Cc = []eml.Address{{Address: "carol@fabrikam.test"}, {Address: support}}
	d := h.deliver(support, in, Delivery{})
	u := "/v1.0/users/" + support + "/messages/"
	draft := h.obj(http.MethodPost, u+d.ID+"/createReplyAll", map[string]any{
		"message": map[string]any{
			"body":                   map[string]any{"contentType": "html", "content": "<p>Ticket SUP-1 created</p>"},
			"internetMessageHeaders": []map[string]string{{"name": "x-mail2jira", "value": "SUP-1"}},
		},
	}, 201, "Prefer", `IdType="ImmutableId"`)
	if draft["isDraft"] != true || draft["conversationId"] != d.ConversationID || draft["subject"] != "RE: Printer broken" {
		t.Fatalf("draft = %v", draft)
	}
	to := draft["toRecipients"].([]any)
	cc := draft["ccRecipients"].([]any)
	if len(to) != 1 || len(cc) != 1 || !strings.Contains(cc[0].(map[string]any)["emailAddress"].(map[string]any)["address"].(string), "carol") {
		t.Errorf("recipients to=%v cc=%v", to, cc)
	}
	draftID := draft["id"].(string)
	h.obj(http.MethodPost, u+draftID+"/send", nil, 202)
	sent, err := h.e.Messages(support, "sentitems")
	if err != nil || len(sent) != 1 {
		t.Fatalf("sent items = %v, %v", sent, err)
	}
	if sent[0].ImmutableID != draftID {
		t.Errorf("immutable id changed on send: %s vs %s", sent[0].ImmutableID, draftID)
	}
	got, err := h.e.Messages(alice, "inbox")
	if err != nil || len(got) != 1 {
		t.Fatalf("alice inbox = %v, %v", got, err)
	}
	r := got[0]
	checks := []struct{ name, want, got string }{
		{"conversation", d.ConversationID, r.ConversationID},
		{"x- header", "SUP-1", headerValue(r.Headers, "x-mail2jira")},
		{"In-Reply-To", in.MessageID, headerValue(r.Headers, "In-Reply-To")},
		{"unique body", "<p>Ticket SUP-1 created</p>", r.UniqueBody},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !strings.Contains(r.HTMLBody, "quoted history") {
		t.Error("reply body lacks the quoted original")
	}
	if resp, _ := h.do(http.MethodPost, u+draftID+"/send", nil); resp.StatusCode != 400 {
		t.Errorf("second send: %d, want 400", resp.StatusCode)
	}
}

func TestReplyValidation(t *testing.T) {
	h := newHarness(t, Options{})
	d := h.deliver(support, mail(alice, support, "x"), Delivery{})
	u := "/v1.0/users/" + support + "/messages/" + d.ID
	tests := []struct {
		name, action string
		body         any
		status       int
		code         string
	}{
		{"comment and body", "/reply", map[string]any{"comment": "a", "message": map[string]any{"body": map[string]any{"contentType": "text", "content": "b"}}}, 400, "ErrorInvalidRequest"},
		{"header without x-", "/replyAll", map[string]any{"message": map[string]any{"internetMessageHeaders": []map[string]string{{"name": "Auto-Submitted", "value": "auto-replied"}}}}, 400, "InvalidInternetMessageHeader"},
		{"reply ok", "/reply", map[string]any{"comment": "thanks"}, 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := h.do(http.MethodPost, u+tt.action, tt.body)
			if resp.StatusCode != tt.status || (tt.code != "" && errCode(t, b) != tt.code) {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
			if tt.status == 202 && len(b) != 0 {
				t.Errorf("202 with body %s", b)
			}
		})
	}
	got, _ := h.e.Messages(alice, "inbox")
	if len(got) != 1 || got[0].Subject != "RE: x" || got[0].UniqueBody != "thanks" {
		t.Errorf("reply delivered = %+v", got)
	}
}

func TestSendMailSaveAndDeliver(t *testing.T) {
	h := newHarness(t, Options{})
	body := func(save bool) map[string]any {
		return map[string]any{"saveToSentItems": save, "message": map[string]any{
			"subject": "hello", "body": map[string]any{"contentType": "text", "content": "hi"},
			"toRecipients":           []any{map[string]any{"emailAddress": map[string]any{"address": alice}}},
			"ccRecipients":           []any{map[string]any{"emailAddress": map[string]any{"address": "external@else.test"}}},
			"internetMessageHeaders": []map[string]string{{"name": "X-Auto-Response-Suppress", "value": "All"}},
		}}
	}
	h.obj(http.MethodPost, "/v1.0/users/"+support+"/sendMail", body(true), 202)
	h.obj(http.MethodPost, "/v1.0/users/"+support+"/sendMail", body(false), 202)
	sent, _ := h.e.Messages(support, "sentitems")
	inbox, _ := h.e.Messages(alice, "inbox")
	if len(sent) != 1 || len(inbox) != 2 {
		t.Fatalf("sent %d, delivered %d", len(sent), len(inbox))
	}
	if inbox[0].ConversationID == inbox[1].ConversationID {
		t.Error("two new mails share a conversation")
	}
	if diff := cmp.Diff("All", headerValue(inbox[0].Headers, "X-Auto-Response-Suppress")); diff != "" {
		t.Errorf("custom header (-want +got)\n%s", diff)
	}
	if resp, b := h.do(http.MethodPost, "/v1.0/users/"+support+"/sendMail", map[string]any{"message": map[string]any{"subject": "none"}}); resp.StatusCode != 400 || errCode(t, b) != "ErrorInvalidRecipients" {
		t.Errorf("no recipients: %d %s", resp.StatusCode, b)
	}
}
