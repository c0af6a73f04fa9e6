package graphemu

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/emulator/eml"
)

func TestSplitPath(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"users/a%40b.test/mailFolders('inbox')/messages", []string{"users", "a@b.test", "mailFolders", "inbox", "messages"}},
		{"users('x')/mailFolders/sentitems/messages/delta()", []string{"users", "x", "mailFolders", "sentitems", "messages", "delta"}},
		{"users/x/messages/1/microsoft.graph.createReplyAll", []string{"users", "x", "messages", "1", "createReplyAll"}},
		{"users/x/messages/1/attachments/2/$value", []string{"users", "x", "messages", "1", "attachments", "2", "$value"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := splitPath(tt.in)
			if !ok {
				t.Fatal("not ok")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	verify := func(bearer string) ([]string, error) {
		switch bearer {
		case "read":
			return []string{"Mail.ReadWrite"}, nil
		case "send":
			return []string{"Mail.Send"}, nil
		}
		return nil, errors.New("bad token")
	}
	h := newHarness(t, Options{Verify: verify})
	list := "/v1.0/users/" + support + "/mailFolders/inbox/messages"
	tests := []struct {
		name, method, path, auth string
		body                     any
		status                   int
		code                     string
	}{
		{"no token", http.MethodGet, list, "", nil, 401, "InvalidAuthenticationToken"},
		{"not bearer", http.MethodGet, list, "Basic abc", nil, 401, "InvalidAuthenticationToken"},
		{"rejected token", http.MethodGet, list, "Bearer nope", nil, 401, "InvalidAuthenticationToken"},
		{"read without Mail.ReadWrite", http.MethodGet, list, "Bearer send", nil, 403, "ErrorAccessDenied"},
		{"send without Mail.Send", http.MethodPost, "/v1.0/users/" + support + "/sendMail", "Bearer read", map[string]any{}, 403, "ErrorAccessDenied"},
		{"read allowed", http.MethodGet, list, "Bearer read", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := h.do(tt.method, tt.path, tt.body, "Authorization", tt.auth)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if tt.code != "" {
				if got := errCode(t, b); got != tt.code {
					t.Errorf("code %q, want %q", got, tt.code)
				}
			}
		})
	}
}

func TestSelectDefaultsAndExplicit(t *testing.T) {
	h := newHarness(t, Options{})
	d := h.deliver(support, mail(alice, support, "Printer"), Delivery{})
	base := "/v1.0/users/" + support + "/messages/" + d.ID
	def := h.obj(http.MethodGet, base, nil, 200)
	for _, p := range []string{"subject", "body", "from", "toRecipients", "conversationId", "internetMessageId", "receivedDateTime"} {
		if def[p] == nil {
			t.Errorf("default set lacks %s", p)
		}
	}
	for _, p := range notByDefault {
		if _, ok := def[p]; ok {
			t.Errorf("default set has %s", p)
		}
	}
	sel := h.obj(http.MethodGet, base+"?$select=uniqueBody,internetMessageHeaders,subject", nil, 200)
	got := keys(sel)
	sort.Strings(got)
	want := []string{"@odata.etag", "id", "internetMessageHeaders", "subject", "uniqueBody"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("$select keys (-want +got)\n%s", diff)
	}
	if ub := sel["uniqueBody"].(map[string]any); ub["content"] != "<p>Hello</p>" || ub["contentType"] != "html" {
		t.Errorf("uniqueBody = %v", ub)
	}
	resp, b := h.do(http.MethodGet, base+"?$select=subjekt", nil)
	if resp.StatusCode != 400 || !strings.Contains(string(b), "subjekt") {
		t.Errorf("misspelled $select: %d %s", resp.StatusCode, b)
	}
	text := h.obj(http.MethodGet, base+"?$select=body", nil, 200, "Prefer", `outlook.body-content-type="text"`)
	if body := text["body"].(map[string]any); body["contentType"] != "text" {
		t.Errorf("Prefer text: body %v", body)
	}
}

func seedMany(h *harness, n int, start time.Time) []Delivered {
	var out []Delivered
	for i := range n {
		out = append(out, h.deliver(support, mail(alice, support, fmt.Sprintf("m%02d", i)), Delivery{ReceivedAt: start.Add(time.Duration(i) * time.Hour)}))
	}
	return out
}

func TestListFilterOrderPaging(t *testing.T) {
	h := newHarness(t, Options{})
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	seedMany(h, 25, start)
	q := url.Values{
		"$filter":  {"receivedDateTime ge " + start.Add(5*time.Hour).Format(time.RFC3339)},
		"$orderby": {"receivedDateTime desc"},
		"$top":     {"7"},
		"$select":  {"subject,receivedDateTime"},
	}
	next := "/v1.0/users/" + support + "/mailFolders('inbox')/messages?" + q.Encode()
	var subjects []string
	pages := 0
	for next != "" {
		page := h.obj(http.MethodGet, next, nil, 200)
		for _, m := range values(t, page) {
			subjects = append(subjects, m["subject"].(string))
		}
		next, _ = page["@odata.nextLink"].(string)
		pages++
	}
	var want []string
	for i := 24; i >= 5; i-- {
		want = append(want, fmt.Sprintf("m%02d", i))
	}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("subjects (-want +got)\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}
	resp, b := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders/inbox/messages?"+url.Values{
		"$filter": {"isRead eq false and receivedDateTime ge 2026-01-01T00:00:00Z"}, "$orderby": {"receivedDateTime desc"}}.Encode(), nil)
	if resp.StatusCode != 400 || errCode(t, b) != "InefficientFilter" {
		t.Errorf("orderby not first in filter: %d %s", resp.StatusCode, b)
	}
}

func TestImmutableIDsSurviveMove(t *testing.T) {
	h := newHarness(t, Options{})
	d := h.deliver(support, mail(alice, support, "move me"), Delivery{})
	resp, b := h.do(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d.ID+"?$select=id", nil, "Prefer", `IdType="ImmutableId"`)
	if resp.StatusCode != 200 || resp.Header.Get("Preference-Applied") != `IdType="ImmutableId"` || !strings.Contains(string(b), d.ImmutableID) {
		t.Fatalf("immutable get: %d %q %s", resp.StatusCode, resp.Header.Get("Preference-Applied"), b)
	}
	moved := h.obj(http.MethodPost, "/v1.0/users/"+support+"/messages/"+d.ID+"/move", map[string]string{"destinationId": "deleteditems"}, 201)
	if moved["id"] == d.ID {
		t.Error("ordinary id did not change on move")
	}
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d.ID, nil); resp.StatusCode != 404 {
		t.Errorf("old ordinary id: status %d, want 404", resp.StatusCode)
	}
	again := h.obj(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d.ImmutableID, nil, 200, "Prefer", `IdType="ImmutableId"`)
	if again["id"] != d.ImmutableID {
		t.Errorf("immutable id changed: %v", again["id"])
	}
}

func TestMessageClassAndEventMessage(t *testing.T) {
	h := newHarness(t, Options{})
	oof := mail(alice, support, "Automatic reply: Printer")
	oof.MessageClass = "IPM.Note.Rules.OofTemplate.Microsoft"
	meeting := mail(alice, support, "Sync")
	meeting.IsMeeting = true
	meeting.MessageClass = "IPM.Schedule.Meeting.Request"
	d1 := h.deliver(support, oof, Delivery{})
	d2 := h.deliver(support, meeting, Delivery{})
	exp := "?$expand=" + url.QueryEscape("singleValueExtendedProperties($filter=id eq 'String 0x001A')")
	got := h.obj(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d1.ID+exp, nil, 200)
	want := []any{map[string]any{"id": "String 0x1a", "value": "IPM.Note.Rules.OofTemplate.Microsoft"}}
	if diff := cmp.Diff(want, got["singleValueExtendedProperties"]); diff != "" {
		t.Errorf("extended property (-want +got)\n%s", diff)
	}
	ev := h.obj(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d2.ID, nil, 200)
	if ev["@odata.type"] != "#microsoft.graph.eventMessage" || ev["meetingMessageType"] != "meetingRequest" {
		t.Errorf("meeting: %v %v", ev["@odata.type"], ev["meetingMessageType"])
	}
	resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/messages/"+d1.ID+"?$expand=singleValueExtendedProperties", nil)
	if resp.StatusCode != 400 {
		t.Errorf("expand without filter: %d, want 400", resp.StatusCode)
	}
}

func TestAttachments(t *testing.T) {
	h := newHarness(t, Options{})
	m := mail(alice, support, "files")
	inner := mail("bob@fabrikam.test", alice, "forwarded")
	m.Attachments = []eml.Attachment{
		{Name: "report.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 data")},
		{Name: "logo.png", ContentType: "image/png", ContentID: "logo@x", Inline: true, Data: []byte("PNG")},
		{Name: "fwd.eml", ContentType: "message/rfc822", Data: []byte("Subject: forwarded\r\n\r\nbody"), Message: inner},
	}
	d := h.deliver(support, m, Delivery{References: []string{"plan.docx"}})
	base := "/v1.0/users/" + support + "/messages/" + d.ID
	msg := h.obj(http.MethodGet, base+"?$expand=attachments&$select=hasAttachments", nil, 200)
	atts := msg["attachments"].([]any)
	var kinds []string
	ids := map[string]string{}
	for _, a := range atts {
		am := a.(map[string]any)
		kinds = append(kinds, am["@odata.type"].(string)+" "+am["name"].(string))
		ids[am["name"].(string)] = am["id"].(string)
	}
	wantKinds := []string{"#microsoft.graph.fileAttachment report.pdf", "#microsoft.graph.fileAttachment logo.png",
		"#microsoft.graph.itemAttachment fwd.eml", "#microsoft.graph.referenceAttachment plan.docx"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("attachments (-want +got)\n%s", diff)
	}
	if msg["hasAttachments"] != true {
		t.Error("hasAttachments false")
	}
	if got := atts[0].(map[string]any)["contentBytes"]; got != "JVBERi0xLjQgZGF0YQ==" {
		t.Errorf("contentBytes = %v", got)
	}
	tests := []struct {
		name, id string
		status   int
		body     string
	}{
		{"file", ids["report.pdf"], 200, "%PDF-1.4 data"},
		{"item", ids["fwd.eml"], 200, "Subject: forwarded\r\n\r\nbody"},
		{"reference", ids["plan.docx"], 405, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := h.do(http.MethodGet, base+"/attachments/"+tt.id+"/$value", nil)
			if resp.StatusCode != tt.status || (tt.body != "" && string(b) != tt.body) {
				t.Errorf("$value: %d %q", resp.StatusCode, b)
			}
		})
	}
	slim := h.obj(http.MethodGet, base+"?$select=id&$expand="+url.QueryEscape("attachments($select=name,size,isInline)"), nil, 200)
	first := slim["attachments"].([]any)[0].(map[string]any)
	got := keys(first)
	sort.Strings(got)
	if diff := cmp.Diff([]string{"@odata.mediaContentType", "@odata.type", "id", "isInline", "name", "size"}, got); diff != "" {
		t.Errorf("attachments($select) keys (-want +got)\n%s", diff)
	}
	listed := values(t, h.obj(http.MethodGet, base+"/attachments?$select=name,microsoft.graph.fileAttachment/contentBytes", nil, 200))
	if listed[0]["contentBytes"] == nil || listed[0]["size"] != nil {
		t.Errorf("attachments list with $select = %v", listed[0])
	}
	item := h.obj(http.MethodGet, base+"/attachments/"+ids["fwd.eml"]+"?$expand=microsoft.graph.itemattachment/item", nil, 200)
	if it, _ := item["item"].(map[string]any); it == nil || it["subject"] != "forwarded" {
		t.Errorf("expanded item = %v", item["item"])
	}
}

func TestGzipBodyAndMessageValue(t *testing.T) {
	h := newHarness(t, Options{})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"message":{"subject":"zipped","body":{"contentType":"text","content":"hi"},"toRecipients":[{"emailAddress":{"address":"` + alice + `"}}]}}`))
	_ = zw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/v1.0/users/"+support+"/sendMail", &buf)
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("gzip sendMail: %d", resp.StatusCode)
	}
	got, err := h.e.Messages(alice, "inbox")
	if err != nil || len(got) != 1 || got[0].Subject != "zipped" {
		t.Fatalf("delivered = %+v, %v", got, err)
	}
	resp, b := h.do(http.MethodGet, "/v1.0/users/"+alice+"/messages/"+got[0].ID+"/$value", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "Subject: zipped") || !strings.Contains(string(b), "Message-ID: "+got[0].InternetMessageID) {
		t.Errorf("$value: %d %s", resp.StatusCode, b)
	}
}

func TestUnknownThings(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"unknown user", http.MethodGet, "/v1.0/users/nobody@x.test/messages", 404, "ErrorInvalidUser"},
		{"unknown message", http.MethodGet, "/v1.0/users/" + support + "/messages/AAMkNOPE", 404, "ErrorItemNotFound"},
		{"unknown segment", http.MethodGet, "/v1.0/users/" + support + "/calendar", 400, "BadRequest"},
		{"wrong method", http.MethodPut, "/v1.0/users/" + support + "/mailFolders/inbox/messages", 405, "BadRequest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, b := h.do(tt.method, tt.path, nil)
			if resp.StatusCode != tt.status || errCode(t, b) != tt.code {
				t.Errorf("%d %s", resp.StatusCode, b)
			}
		})
	}
	if h.e.Stats().MailboxCalls["nobody@x.test"] != 1 {
		t.Error("calls for unknown mailboxes are not counted")
	}
}

func TestUpdateAndDelete(t *testing.T) {
	h := newHarness(t, Options{})
	d := h.deliver(support, mail(alice, support, "received"), Delivery{})
	u := "/v1.0/users/" + support + "/messages/"
	if got := h.obj(http.MethodPatch, u+d.ID, map[string]any{"isRead": true}, 200); got["isRead"] != true {
		t.Errorf("isRead = %v", got["isRead"])
	}
	resp, b := h.do(http.MethodPatch, u+d.ID, map[string]any{"subject": "changed"})
	if resp.StatusCode != 400 || errCode(t, b) != "ErrorInvalidPropertyUpdateSentMessage" {
		t.Errorf("subject of a received message: %d %s", resp.StatusCode, b)
	}
	draft := h.obj(http.MethodPost, u+d.ID+"/createReply", nil, 201)
	patched := h.obj(http.MethodPatch, u+draft["id"].(string), map[string]any{"subject": "RE: changed",
		"ccRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "carol@fabrikam.test"}}}}, 200)
	if patched["subject"] != "RE: changed" || len(patched["ccRecipients"].([]any)) != 1 {
		t.Errorf("patched draft = %v", patched)
	}
	h.obj(http.MethodDelete, u+d.ID, nil, 204)
	bin, _ := h.e.Messages(support, "deleteditems")
	if len(bin) != 1 || bin[0].ImmutableID != d.ImmutableID {
		t.Fatalf("deleted items = %+v", bin)
	}
	h.obj(http.MethodDelete, u+d.ImmutableID, nil, 204)
	if resp, _ := h.do(http.MethodGet, u+d.ImmutableID, nil); resp.StatusCode != 404 {
		t.Errorf("deleted twice: %d, want 404", resp.StatusCode)
	}
}

func TestAccessPolicy(t *testing.T) {
	h := newHarness(t, Options{})
	h.e.SetAccessPolicy([]string{"SUPPORT@contoso.test"})
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+support+"/mailFolders/inbox", nil); resp.StatusCode != 200 {
		t.Errorf("allowed mailbox: %d", resp.StatusCode)
	}
	resp, b := h.do(http.MethodGet, "/v1.0/users/"+alice+"/mailFolders/inbox", nil)
	if resp.StatusCode != 403 || errCode(t, b) != "ErrorAccessDenied" {
		t.Errorf("excluded mailbox: %d %s", resp.StatusCode, b)
	}
	h.e.SetAccessPolicy(nil)
	if resp, _ := h.do(http.MethodGet, "/v1.0/users/"+alice+"/mailFolders/inbox", nil); resp.StatusCode != 200 {
		t.Errorf("policy lifted: %d", resp.StatusCode)
	}
}
