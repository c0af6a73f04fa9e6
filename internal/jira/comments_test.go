package jira

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/adf"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

func TestPostAndReadComment(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	bot, _ := s.client(t, botID)
	agent, _ := s.client(t, agentID)
	reader, _ := s.client(t, readerID)
	key := createIssue(t, bot, "comments")
	body := adf.NewDoc(adf.Paragraph(adf.Text("See "), adf.Text("this", adf.Em())))

	tests := []struct {
		name       string
		c          *Client
		in         NewComment
		wantErr    error
		errText    string
		wantPublic bool
	}{
		{name: "plain", c: bot, in: NewComment{Body: body}, wantPublic: true},
		{name: "with visibility and properties", c: bot, in: NewComment{Body: body,
			Visibility: &Visibility{Type: "group", Value: "support-team"},
			Properties: map[string]any{"x.note": map[string]string{"a": "b"}, OriginProperty: originValue{Origin: "o-1"}}}, wantPublic: true},
		{name: "internal comment property", c: bot, in: NewComment{Body: body,
			Properties: map[string]any{"sd.public.comment": map[string]bool{"internal": true}}}, wantPublic: false},
		{name: "visibility for a group the account is not in", c: bot,
			in: NewComment{Body: body, Visibility: &Visibility{Type: "group", Value: "nobody"}}, wantErr: errs.ErrInvalid, errText: "commentLevel"},
		{name: "no body", c: bot, in: NewComment{}, wantErr: errs.ErrInvalid},
		{name: "empty text node", c: bot, in: NewComment{Body: adf.NewDoc(adf.Paragraph(&adf.Node{Type: "text"}))}, wantErr: errs.ErrInvalid},
		{name: "an ordinary agent", c: agent, in: NewComment{Body: body}, wantPublic: true},
		{name: "without Add Comments", c: reader, in: NewComment{Body: body}, wantErr: errs.ErrForbidden, errText: "permission to comment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			posted, err := tt.c.PostComment(testCtx(t), key, tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("PostComment: got %v, want %v mentioning %q", err, tt.wantErr, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("PostComment: %v", err)
			}
			got, err := tt.c.Comment(testCtx(t), key, posted.ID, CommentOptions{Rendered: true, Properties: true})
			if err != nil {
				t.Fatalf("Comment: %v", err)
			}
			if got.ID != posted.ID || got.Author == nil || got.Created.IsZero() {
				t.Errorf("comment = %+v", got)
			}
			wantBody, _ := tt.in.Body.JSON()
			if !jsonEqual(t, wantBody, got.Body) {
				t.Errorf("body = %s, want %s", got.Body, wantBody)
			}
			if !strings.Contains(got.RenderedBody, "this</") {
				t.Errorf("renderedBody = %q", got.RenderedBody)
			}
			if diff := cmp.Diff(tt.in.Visibility, got.Visibility); diff != "" {
				t.Errorf("visibility (-want +got):\n%s", diff)
			}
			if got.JSDPublic != tt.wantPublic {
				t.Errorf("JSDPublic = %v, want %v", got.JSDPublic, tt.wantPublic)
			}
			for k, v := range tt.in.Properties {
				want, _ := json.Marshal(v)
				if !jsonEqual(t, want, got.Properties[k]) {
					t.Errorf("property %s = %s, want %s", k, got.Properties[k], want)
				}
			}
		})
	}
}

func TestCommentErrors(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "x")
	tests := []struct {
		name, key, id string
		want          error
	}{
		{"unknown comment", key, "999999", errs.ErrNotFound},
		{"unknown issue", "SUP-404", "1", errs.ErrNotFound},
		{"id with a path", key, "1/../../x", errs.ErrInvalid},
		{"bad key", "../x", "1", errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Comment(testCtx(t), tt.key, tt.id, CommentOptions{}); !errors.Is(err, tt.want) {
				t.Errorf("Comment: got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCommentsPagesAndOrigin(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "busy issue")
	const n = 230 // three pages of commentPageSize
	for i := range n {
		if _, err := s.emu.AddComment(key, aliceID, jiraemu.CommentInput{Body: jiraemu.TextADF(fmt.Sprint("c", i))}); err != nil {
			t.Fatal(err)
		}
	}
	id, err := c.AddComment(testCtx(t), key, mail.NewComment{Body: adf.FromText("from mail"), Origin: "mbx|<m1@example.com>"})
	if err != nil {
		t.Fatal(err)
	}

	s.emu.ResetCallCounts()
	list, err := c.Comments(testCtx(t), key, CommentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != n+1 || list[n].ID != id {
		t.Fatalf("listed %d comments, last %q; want %d ending with %q", len(list), list[len(list)-1].ID, n+1, id)
	}
	if got := s.calls("GET /rest/api/3/issue/{key}/comment"); got != 3 {
		t.Errorf("pages read = %d, want 3", got)
	}

	tests := []struct {
		name, origin string
		want         string
		wantErr      error
	}{
		{"recorded", "mbx|<m1@example.com>", id, nil},
		{"another mail", "mbx|<m2@example.com>", "", errs.ErrNotFound},
		{"empty origin", "", "", errs.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.CommentByOrigin(testCtx(t), key, tt.origin)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("CommentByOrigin = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	must(t, s.emu.DeleteIssue(key))
	if _, err := c.CommentByOrigin(testCtx(t), key, "mbx|<m1@example.com>"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("CommentByOrigin on a deleted issue: %v, want ErrNotFound", err)
	}
}
