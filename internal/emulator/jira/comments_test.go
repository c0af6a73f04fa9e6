package jiraemu

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
	"github.com/google/go-cmp/cmp"
)

func TestComments(t *testing.T) {
	s := newSite(t, Options{Now: newClock().now})
	ctx := context.Background()
	key := s.createIssue(t, botID, "Needs answers")
	bot, alice, agent := s.jira(t, botID), s.jira(t, aliceID), s.jira(t, agentID)

	added, res, err := bot.Issue.Comment.Add(ctx, key, &models.CommentPayloadScheme{Body: adfText("First <answer>")}, []string{"renderedBody"})
	if err != nil || code(res) != 201 {
		t.Fatalf("add: %v %s", err, errorBody(res))
	}
	if added.RenderedBody != "<p>First &lt;answer&gt;</p>" || added.Author.AccountID != botID || !added.JSDPublic {
		t.Errorf("added comment %+v", added)
	}
	restricted, _, err := alice.Issue.Comment.Add(ctx, key, &models.CommentPayloadScheme{
		Body: adfText("Admins only"), Visibility: &models.CommentVisibilityScheme{Type: "role", Value: "Administrators"},
	}, nil)
	if err != nil {
		t.Fatalf("add restricted: %v", err)
	}
	internal := raw(t, s, botID, "POST", "rest/api/3/issue/"+key+"/comment", map[string]any{
		"body":       json.RawMessage(TextADF("Internal note")),
		"properties": []any{map[string]any{"key": "sd.public.comment", "value": map[string]any{"internal": true}}},
	})
	if internal.Code != 201 {
		t.Fatalf("add internal: %d %s", internal.Code, internal.Bytes.String())
	}
	var internalComment struct {
		ID        string `json:"id"`
		JSDPublic bool   `json:"jsdPublic"`
	}
	_ = json.Unmarshal(internal.Bytes.Bytes(), &internalComment)
	if internalComment.JSDPublic {
		t.Error("internal comment reported public")
	}

	visible := func(c interface {
		Gets(context.Context, string, string, []string, int, int) (*models.IssueCommentPageScheme, *models.ResponseScheme, error)
	}) []string {
		page, _, err := c.Gets(ctx, key, "created", nil, 0, 50)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		var ids []string
		for _, c := range page.Comments {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if d := cmp.Diff([]string{added.ID, restricted.ID, internalComment.ID}, visible(alice.Issue.Comment)); d != "" {
		t.Errorf("alice sees (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{added.ID, internalComment.ID}, visible(agent.Issue.Comment)); d != "" {
		t.Errorf("agent sees (-want +got):\n%s", d)
	}
	if _, res, err := agent.Issue.Comment.Get(ctx, key, restricted.ID); !isErr(err, models.ErrNotFound) {
		t.Errorf("agent get restricted: %v %d", err, code(res))
	}
	one, _, err := alice.Issue.Comment.Get(ctx, key, restricted.ID)
	if err != nil || one.Visibility == nil || one.Visibility.Value != "Administrators" {
		t.Errorf("get restricted: %v %+v", err, one)
	}

	t.Run("internal flag through the comment property", func(t *testing.T) {
		res := raw(t, s, botID, "GET", "rest/api/3/comment/"+internalComment.ID+"/properties/sd.public.comment", nil)
		if res.Code != 200 || !strings.Contains(res.Bytes.String(), `"internal":true`) {
			t.Errorf("property: %d %s", res.Code, res.Bytes.String())
		}
		res = raw(t, s, botID, "PUT", "rest/api/3/comment/"+added.ID+"/properties/sd.public.comment", map[string]any{"internal": true})
		if res.Code != 201 {
			t.Fatalf("put: %d %s", res.Code, res.Bytes.String())
		}
		got, _, err := bot.Issue.Comment.Get(ctx, key, added.ID)
		if err != nil || got.JSDPublic {
			t.Errorf("after property: %v public=%v", err, got != nil && got.JSDPublic)
		}
	})
	t.Run("properties expand", func(t *testing.T) {
		res := raw(t, s, botID, "GET", "rest/api/3/issue/"+key+"/comment/"+internalComment.ID+"?expand=renderedBody,properties", nil)
		if !strings.Contains(res.Bytes.String(), `"key":"sd.public.comment"`) || !strings.Contains(res.Bytes.String(), "<p>Internal note</p>") {
			t.Errorf("expanded comment: %s", res.Bytes.String())
		}
	})

	refusals := []struct {
		name   string
		caller string
		body   any
		status int
		want   errorCollection
	}{
		{"not ADF", botID, map[string]any{"body": "plain text"}, 400,
			errorCollection{[]string{}, map[string]string{"comment": "Comment body is not valid!"}}},
		{"missing body", botID, map[string]any{}, 400,
			errorCollection{[]string{}, map[string]string{"comment": "Comment body can not be empty!"}}},
		{"empty text node", botID, map[string]any{"body": map[string]any{"type": "doc", "version": 1, "content": []any{
			map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": ""}}}}}}, 400,
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"too long", botID, map[string]any{"body": json.RawMessage(TextADF(strings.Repeat("é", 32760)))}, 400,
			errorCollection{[]string{}, map[string]string{"comment": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."}}},
		{"visibility for a group the caller is not in", agentID, map[string]any{"body": json.RawMessage(TextADF("x")),
			"visibility": map[string]any{"type": "group", "value": "Administrators"}}, 400,
			errorCollection{[]string{}, map[string]string{"commentLevel": "You are currently not a member of the group: Administrators."}}},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			res := raw(t, s, tt.caller, "POST", "rest/api/3/issue/"+key+"/comment", tt.body)
			if res.Code != tt.status {
				t.Fatalf("status %d: %s", res.Code, res.Bytes.String())
			}
			if d := cmp.Diff(tt.want, decodeErrors(t, res)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	t.Run("no comment permission", func(t *testing.T) {
		if err := s.emu.SetPermissions(bobID, PermBrowseProjects); err != nil {
			t.Fatal(err)
		}
		_, res, err := s.jira(t, bobID).Issue.Comment.Add(ctx, key, &models.CommentPayloadScheme{Body: adfText("hi")}, nil)
		if err == nil || code(res) != 403 {
			t.Errorf("err %v status %d, want 403", err, code(res))
		}
	})
	t.Run("deleted issue", func(t *testing.T) {
		if err := s.emu.DeleteIssue(key); err != nil {
			t.Fatal(err)
		}
		if _, _, err := bot.Issue.Comment.Add(ctx, key, &models.CommentPayloadScheme{Body: adfText("late")}, nil); !isErr(err, models.ErrNotFound) {
			t.Errorf("comment on deleted issue: %v", err)
		}
	})
}

func TestAttachments(t *testing.T) {
	s := newSite(t, Options{MaxAttachmentSize: 1024})
	ctx := context.Background()
	key := s.createIssue(t, botID, "With files")
	bot := s.jira(t, botID)

	list, res, err := bot.Issue.Attachment.Add(ctx, key, "report.txt", strings.NewReader("hello attachment"))
	if err != nil || code(res) != 200 || len(list) != 1 {
		t.Fatalf("add: %v %s", err, errorBody(res))
	}
	a := list[0]
	if a.Filename != "report.txt" || a.Size != len("hello attachment") || !strings.HasPrefix(a.MimeType, "text/plain") {
		t.Errorf("attachment %+v", a)
	}
	if name, mt, data, ok := s.emu.Attachment(a.ID); !ok || name != "report.txt" || !strings.HasPrefix(mt, "text/plain") || string(data) != "hello attachment" {
		t.Errorf("Attachment(%s) = %q %q %q %v", a.ID, name, mt, data, ok)
	}
	meta, _, err := bot.Issue.Attachment.Metadata(ctx, a.ID)
	if err != nil || meta.Filename != "report.txt" {
		t.Errorf("metadata: %v %+v", err, meta)
	}
	for _, redirect := range []bool{false, true} {
		res, err := bot.Issue.Attachment.Download(ctx, a.ID, redirect)
		if err != nil || res.Bytes.String() != "hello attachment" {
			t.Errorf("download redirect=%v: %v %q", redirect, err, res.Bytes.String())
		}
	}
	issue, _, err := bot.Issue.Get(ctx, key, []string{"attachment"}, nil)
	if err != nil || len(issue.Fields.Attachment) != 1 {
		t.Errorf("issue attachments: %v", err)
	}

	t.Run("oversized file is 413", func(t *testing.T) {
		_, res, err := bot.Issue.Attachment.Add(ctx, key, "big.bin", bytes.NewReader(make([]byte, 2048)))
		if err == nil || code(res) != 413 {
			t.Errorf("err %v status %d, want 413", err, code(res))
		}
	})
	t.Run("no permission is 403", func(t *testing.T) {
		_, res, err := s.jira(t, agentID).Issue.Attachment.Add(ctx, key, "a.txt", strings.NewReader("x"))
		if err == nil || code(res) != 403 {
			t.Errorf("err %v status %d, want 403", err, code(res))
		}
	})
	t.Run("missing X-Atlassian-Token is an XSRF 403", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "x.txt")
		_, _ = io.WriteString(fw, "x")
		_ = mw.Close()
		req, err := bot.NewRequest(ctx, http.MethodPost, "rest/api/3/issue/"+key+"/attachments", mw.FormDataContentType(), &buf)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Del("X-Atlassian-Token")
		res, err := bot.Call(req, nil)
		if err == nil || code(res) != 403 || res.Bytes.String() != "XSRF check failed" {
			t.Errorf("err %v status %d body %q", err, code(res), errorBody(res))
		}
	})
	t.Run("a part not named file is ignored", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("attachment", "x.txt")
		_, _ = io.WriteString(fw, "x")
		_ = mw.Close()
		req, _ := bot.NewRequest(ctx, http.MethodPost, "rest/api/3/issue/"+key+"/attachments", mw.FormDataContentType(), &buf)
		if res, err := bot.Call(req, nil); err == nil || code(res) != 400 {
			t.Errorf("err %v status %d, want 400", err, code(res))
		}
	})
}

func TestWatchers(t *testing.T) {
	s := newSite(t, Options{})
	ctx := context.Background()
	key := s.createIssue(t, botID, "Watch me")
	bot, agent := s.jira(t, botID), s.jira(t, agentID)

	for _, id := range []string{aliceID, bobID, aliceID} {
		if res, err := bot.Issue.Watcher.Add(ctx, key, id); err != nil || code(res) != 204 {
			t.Fatalf("add %s: %v %s", id, err, errorBody(res))
		}
	}
	if res, err := agent.Issue.Watcher.Add(ctx, key, aliceID); err == nil || code(res) != 403 {
		t.Errorf("agent adds alice: err %v status %d, want 403", err, code(res))
	}
	if res, err := agent.Issue.Watcher.Add(ctx, key); err != nil || code(res) != 204 {
		t.Errorf("agent adds self: err %v status %d", err, code(res))
	}
	if res, err := bot.Issue.Watcher.Add(ctx, key, "ghost"); !isErr(err, models.ErrNotFound) {
		t.Errorf("unknown user: err %v status %d", err, code(res))
	}
	res := raw(t, s, botID, "POST", "rest/api/3/issue/"+key+"/watchers", map[string]string{"accountId": aliceID})
	if res.Code != 400 {
		t.Errorf("object body: status %d, want 400 (the body is a JSON string)", res.Code)
	}
	got, _, err := bot.Issue.Watcher.Gets(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var ids, emails []string
	for _, u := range got.Watchers {
		ids = append(ids, u.AccountID)
		emails = append(emails, u.EmailAddress)
	}
	if d := cmp.Diff([]string{botID, aliceID, bobID, agentID}, ids); d != "" {
		t.Errorf("watchers (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"bot@example.com", "alice@example.com", "", "agent@example.com"}, emails); d != "" {
		t.Errorf("emails, bob's hidden (-want +got):\n%s", d)
	}
	if !got.IsWatching || got.WatchCount != 4 {
		t.Errorf("isWatching %v count %d", got.IsWatching, got.WatchCount)
	}
	if res, err := bot.Issue.Watcher.Delete(ctx, key, bobID); err != nil || code(res) != 204 {
		t.Errorf("delete: %v %d", err, code(res))
	}
}

func TestIssueProperties(t *testing.T) {
	s := newSite(t, Options{})
	ctx := context.Background()
	key := s.createIssue(t, botID, "With a claim marker")
	bot := s.jira(t, botID)
	if res, err := bot.Issue.Property.Set(ctx, key, "mail2jira", map[string]string{"claim": "abc"}); err != nil || code(res) != 201 {
		t.Fatalf("set: %v %d", err, code(res))
	}
	if res, err := bot.Issue.Property.Set(ctx, key, "mail2jira", map[string]string{"claim": "def"}); err != nil || code(res) != 200 {
		t.Fatalf("update: %v %d", err, code(res))
	}
	got, _, err := bot.Issue.Property.Get(ctx, key, "mail2jira")
	if err != nil || !strings.Contains(string(mustJSON(t, got.Value)), `"def"`) {
		t.Errorf("get: %v %+v", err, got)
	}
	for _, path := range []string{"rest/api/3/issue/" + key + "?fields=summary&properties=mail2jira", "rest/api/3/search/jql?jql=key%3D" + key + "&properties=*all"} {
		if res := raw(t, s, botID, "GET", path, nil); !strings.Contains(res.Bytes.String(), `"properties":{"mail2jira":{"claim":"def"}}`) {
			t.Errorf("GET %s: %s", path, res.Bytes.String())
		}
	}
	keys, _, err := bot.Issue.Property.Gets(ctx, key)
	if err != nil || len(keys.Keys) != 1 || keys.Keys[0].Key != "mail2jira" {
		t.Errorf("keys: %v %+v", err, keys)
	}
	if res, err := bot.Issue.Property.Delete(ctx, key, "mail2jira"); err != nil || code(res) != 204 {
		t.Errorf("delete: %v %d", err, code(res))
	}
	res := raw(t, s, botID, "POST", "rest/api/3/search/jql", map[string]any{"jql": "key = " + key, "properties": []string{"other"}})
	if !strings.Contains(res.Bytes.String(), `"properties":{}`) {
		t.Errorf("search properties after delete: %s", res.Bytes.String())
	}
	if _, _, err := bot.Issue.Property.Get(ctx, key, "mail2jira"); !isErr(err, models.ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRenderedImageCanBeFetched follows the relay's path: a comment showing an attached image
// renders an <img> whose URL the API client can download.
func TestRenderedImageCanBeFetched(t *testing.T) {
	s := newSite(t, Options{})
	ctx := context.Background()
	key := s.createIssue(t, botID, "Screenshot inside")
	bot := s.jira(t, botID)
	list, _, err := bot.Issue.Attachment.Add(ctx, key, "shot.png", strings.NewReader("\x89PNG fake"))
	if err != nil {
		t.Fatal(err)
	}
	body := json.RawMessage(`{"type":"doc","version":1,"content":[
		{"type":"paragraph","content":[{"type":"text","text":"See:"}]},
		{"type":"mediaSingle","attrs":{"layout":"center"},"content":[{"type":"media","attrs":{"type":"file","id":"` + list[0].ID + `","collection":""}}]}]}`)
	id, err := s.emu.AddComment(key, aliceID, CommentInput{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := bot.Issue.Comment.Get(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	res := raw(t, s, botID, "GET", "rest/api/3/issue/"+key+"/comment/"+id+"?expand=renderedBody", nil)
	var c struct {
		RenderedBody string `json:"renderedBody"`
	}
	if err := json.Unmarshal(res.Bytes.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	src := s.srv.URL + "/rest/api/3/attachment/content/" + list[0].ID
	if want := `<p>See:</p><span class="image-wrap"><img src="` + src + `" alt="shot.png"/></span>`; c.RenderedBody != want {
		t.Errorf("renderedBody = %q, want %q (comment %s)", c.RenderedBody, want, got.ID)
	}
	req, err := bot.NewRequest(ctx, http.MethodGet, src, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	img, err := bot.Call(req, nil)
	if err != nil || img.Bytes.String() != "\x89PNG fake" || img.Response.Header.Get("Content-Type") != "image/png" {
		t.Errorf("image download: %v %q", err, img.Bytes.String())
	}
}
