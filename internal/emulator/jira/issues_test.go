package jiraemu

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
	"github.com/google/go-cmp/cmp"
)

// TestMain fails a full run in which some covered operation never had its response checked
// against the OpenAPI schemas.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" && validator != nil {
		if missing := validator.unchecked(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "operations never validated against the OpenAPI schemas: %v\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

// stepClock advances one second on every reading, so creation order is strict.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newClock() *stepClock {
	return &stepClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

type errorCollection struct {
	ErrorMessages []string          `json:"errorMessages"`
	Errors        map[string]string `json:"errors"`
}

func decodeErrors(t *testing.T, res *models.ResponseScheme) errorCollection {
	t.Helper()
	var ec errorCollection
	if err := json.Unmarshal(res.Bytes.Bytes(), &ec); err != nil {
		t.Fatalf("error body %q: %v", res.Bytes.String(), err)
	}
	return ec
}

// raw sends a JSON body through the go-atlassian client's own request plumbing, for payloads
// its typed models cannot express.
func raw(t *testing.T, s *site, accountID, method, path string, body any) *models.ResponseScheme {
	t.Helper()
	c := s.jira(t, accountID)
	req, err := c.NewRequest(context.Background(), method, path, "", body)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := c.Call(req, nil)
	if res == nil {
		t.Fatalf("%s %s: no response", method, path)
	}
	return res
}

func TestIssueCreateGetDelete(t *testing.T) {
	s := newSite(t, Options{Now: newClock().now})
	ctx := context.Background()
	c := s.jira(t, botID)
	created, res, err := c.Issue.Create(ctx, &models.IssueScheme{Fields: &models.IssueFieldsScheme{
		Project:     &models.ProjectScheme{Key: "SUP"},
		IssueType:   &models.IssueTypeScheme{Name: "Task"},
		Summary:     "Printer on fire",
		Description: adfText("It is really burning."),
		Labels:      []string{"mail2jira", "cat-hardware"},
		Priority:    &models.PriorityScheme{Name: "High"},
		Reporter:    &models.UserScheme{AccountID: aliceID},
	}}, nil)
	if err != nil {
		t.Fatalf("create: %v %s", err, errorBody(res))
	}
	if created.Key != "SUP-1" || code(res) != 201 {
		t.Fatalf("created %+v status %d", created, code(res))
	}
	got, _, err := c.Issue.Get(ctx, "SUP-1", nil, []string{"renderedFields"})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	type view struct {
		Summary, Reporter, Creator, Priority, Status, Type, Project, Text string
		Labels                                                            []string
	}
	f := got.Fields
	gotView := view{
		Summary: f.Summary, Reporter: f.Reporter.AccountID, Creator: f.Creator.AccountID, Priority: f.Priority.Name,
		Status: f.Status.Name, Type: f.IssueType.Name, Project: f.Project.Key, Labels: f.Labels,
		Text: f.Description.Content[0].Content[0].Text,
	}
	want := view{
		Summary: "Printer on fire", Reporter: aliceID, Creator: botID, Priority: "High", Status: "To Do",
		Type: "Task", Project: "SUP", Labels: []string{"mail2jira", "cat-hardware"}, Text: "It is really burning.",
	}
	if d := cmp.Diff(want, gotView); d != "" {
		t.Errorf("issue (-want +got):\n%s", d)
	}
	if r, _ := got.RenderedFields["description"].(string); r != "<p>It is really burning.</p>" {
		t.Errorf("rendered description = %q", r)
	}
	names := raw(t, s, botID, "GET", "rest/api/3/issue/SUP-1?fields=summary,issuetype&expand=names", nil)
	if !strings.Contains(names.Bytes.String(), `"names":{`) || !strings.Contains(names.Bytes.String(), `"issuetype":"Issue Type"`) {
		t.Errorf("expand=names: %s", names.Bytes.String())
	}
	if f.Created == nil || time.Time(*f.Created).IsZero() {
		t.Error("created not parsed by the client")
	}

	if res, err := c.Issue.Delete(ctx, "SUP-1", false); err != nil || code(res) != 204 {
		t.Fatalf("delete: %v %d", err, code(res))
	}
	_, res, err = c.Issue.Get(ctx, "SUP-1", nil, nil)
	if !isErr(err, models.ErrNotFound) {
		t.Errorf("get after delete: err %v status %d, want not found", err, code(res))
	}
	// Deleting needs the permission.
	key := s.createIssue(t, agentID, "Keep me")
	if res, err := s.jira(t, agentID).Issue.Delete(ctx, key, false); err == nil || code(res) != 403 {
		t.Errorf("agent delete: err %v status %d, want 403", err, code(res))
	}
	if err := s.emu.DeleteIssue(key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issue.Get(ctx, key, nil, nil); !isErr(err, models.ErrNotFound) {
		t.Errorf("get after Go delete: %v", err)
	}
}

func TestIssueCreateRefusals(t *testing.T) {
	s := newSite(t, Options{})
	doc := func(content ...any) map[string]any {
		return map[string]any{"type": "doc", "version": 1, "content": content}
	}
	para := func(inline ...any) map[string]any { return map[string]any{"type": "paragraph", "content": inline} }
	text := func(s string, marks ...any) map[string]any {
		m := map[string]any{"type": "text", "text": s}
		if len(marks) > 0 {
			m["marks"] = marks
		}
		return m
	}
	fields := func(extra map[string]any) map[string]any {
		f := map[string]any{
			"project": map[string]any{"key": "SUP"}, "issuetype": map[string]any{"name": "Task"}, "summary": "Hello",
		}
		for k, v := range extra {
			f[k] = v
		}
		return map[string]any{"fields": f}
	}
	longText := strings.Repeat("x", 32700)
	tests := []struct {
		name   string
		caller string
		body   map[string]any
		want   errorCollection
	}{
		{"summary too long", botID, fields(map[string]any{"summary": strings.Repeat("s", 256)}),
			errorCollection{[]string{}, map[string]string{"summary": "Summary must be less than 255 characters."}}},
		{"summary missing", botID, fields(map[string]any{"summary": ""}),
			errorCollection{[]string{}, map[string]string{"summary": "You must specify a summary of the issue."}}},
		{"summary with newline", botID, fields(map[string]any{"summary": "a\nb"}),
			errorCollection{[]string{}, map[string]string{"summary": "The summary is invalid because it contains newline characters."}}},
		{"description as string", botID, fields(map[string]any{"description": "plain"}),
			errorCollection{[]string{}, map[string]string{"description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}}},
		{"description too long", botID, fields(map[string]any{"description": doc(para(text(longText)))}),
			errorCollection{[]string{}, map[string]string{"description": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."}}},
		{"empty text node", botID, fields(map[string]any{"description": doc(para(text("")))}),
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"unknown node", botID, fields(map[string]any{"description": doc(map[string]any{"type": "marquee"})}),
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"unknown mark", botID, fields(map[string]any{"description": doc(para(text("x", map[string]any{"type": "blink"})))}),
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"code with strong", botID, fields(map[string]any{"description": doc(para(text("x", map[string]any{"type": "code"}, map[string]any{"type": "strong"})))}),
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"wrong version", botID, fields(map[string]any{"description": map[string]any{"type": "doc", "version": 2, "content": []any{}}}),
			errorCollection{[]string{"INVALID_INPUT"}, map[string]string{}}},
		{"reporter without Modify Reporter", agentID, fields(map[string]any{"reporter": map[string]any{"accountId": aliceID}}),
			errorCollection{[]string{}, map[string]string{"reporter": "Field 'reporter' cannot be set. It is not on the appropriate screen, or unknown."}}},
		{"unknown field", botID, fields(map[string]any{"customfield_10099": "x"}),
			errorCollection{[]string{}, map[string]string{"customfield_10099": "Field 'customfield_10099' cannot be set. It is not on the appropriate screen, or unknown."}}},
		{"label with space", botID, fields(map[string]any{"labels": []string{"two words"}}),
			errorCollection{[]string{}, map[string]string{"labels": "The label 'two words' contains spaces which is invalid."}}},
		{"unknown project", botID, fields(map[string]any{"project": map[string]any{"key": "NOPE"}}),
			errorCollection{[]string{}, map[string]string{"project": "Specify a valid project ID or key"}}},
		{"unknown priority", botID, fields(map[string]any{"priority": map[string]any{"name": "Urgent!!"}}),
			errorCollection{[]string{}, map[string]string{"priority": "Specify a valid 'id' or 'name' for Priority"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := raw(t, s, tt.caller, "POST", "rest/api/3/issue", tt.body)
			if res.Code != 400 {
				t.Fatalf("status %d, want 400: %s", res.Code, res.Bytes.String())
			}
			if d := cmp.Diff(tt.want, decodeErrors(t, res)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}
	if keys := s.emu.IssueKeys(); len(keys) != 0 {
		t.Errorf("refused creates left issues %v", keys)
	}
	t.Run("media types", func(t *testing.T) {
		c := s.jira(t, botID)
		for _, tt := range []struct {
			token  bool
			status int
		}{{true, 415}, {false, 403}} {
			req, err := c.NewRequest(context.Background(), "POST", "rest/api/3/issue", "text/plain", bytes.NewBufferString(`{"fields":{}}`))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.token {
				req.Header.Del("X-Atlassian-Token")
			}
			if res, _ := c.Call(req, nil); code(res) != tt.status {
				t.Errorf("text/plain with token=%v: status %d, want %d", tt.token, code(res), tt.status)
			}
		}
	})
	t.Run("a doc of every allowed kind is accepted", func(t *testing.T) {
		body := fields(map[string]any{"description": doc(
			map[string]any{"type": "heading", "attrs": map[string]any{"level": 2}, "content": []any{text("Title")}},
			para(text("bold", map[string]any{"type": "strong"}), map[string]any{"type": "hardBreak"},
				text("link", map[string]any{"type": "link", "attrs": map[string]any{"href": "https://example.com"}}),
				text("code", map[string]any{"type": "code"}),
				map[string]any{"type": "mention", "attrs": map[string]any{"id": aliceID, "text": "@Alice"}}),
			map[string]any{"type": "bulletList", "content": []any{map[string]any{"type": "listItem", "content": []any{para(text("item"))}}}},
			map[string]any{"type": "codeBlock", "content": []any{text("x := 1")}},
			map[string]any{"type": "table", "content": []any{map[string]any{"type": "tableRow", "content": []any{
				map[string]any{"type": "tableCell", "content": []any{para(text("cell"))}}}}}},
			map[string]any{"type": "rule"},
		)})
		res := raw(t, s, botID, "POST", "rest/api/3/issue", body)
		if res.Code != 201 {
			t.Fatalf("status %d: %s", res.Code, res.Bytes.String())
		}
	})
}

func TestSearchJQL(t *testing.T) {
	s := newSite(t, Options{Now: newClock().now})
	ctx := context.Background()
	var keys []string
	for i := range 7 {
		keys = append(keys, s.createIssue(t, botID, fmt.Sprintf("Request %d about the printer", i), "mail2jira"))
	}
	other := s.createIssue(t, botID, `Odd " OR project = OPS summary`, "other")
	c := s.jira(t, botID)
	if _, err := c.Issue.Watcher.Add(ctx, keys[2], bobID); err != nil {
		t.Fatal(err)
	}
	if err := s.emu.SetStatus(keys[3], "In Progress"); err != nil {
		t.Fatal(err)
	}
	if err := s.emu.SetAssignee(keys[4], aliceID); err != nil {
		t.Fatal(err)
	}
	opsKey := func() string {
		got, _, err := c.Issue.Create(ctx, &models.IssueScheme{Fields: &models.IssueFieldsScheme{
			Project: &models.ProjectScheme{Key: "OPS"}, IssueType: &models.IssueTypeScheme{Name: "Bug"}, Summary: "Server down",
			Labels: []string{"mail2jira"}, Reporter: &models.UserScheme{AccountID: aliceID},
		}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return got.Key
	}()

	t.Run("paging with nextPageToken", func(t *testing.T) {
		var got []string
		token := ""
		pages := 0
		for {
			page, _, err := c.Issue.Search.SearchJQL(ctx, "project = SUP AND labels = mail2jira ORDER BY created ASC", []string{"summary", "labels"}, nil, 3, token)
			if err != nil {
				t.Fatalf("search: %v", err)
			}
			pages++
			for _, is := range page.Issues {
				got = append(got, is.Key)
				if is.Fields == nil || !strings.HasPrefix(is.Fields.Summary, "Request") {
					t.Errorf("%s: summary field missing", is.Key)
				}
			}
			if page.NextPageToken == "" {
				break
			}
			token = page.NextPageToken
		}
		if d := cmp.Diff(keys, got); d != "" {
			t.Errorf("keys (-want +got):\n%s", d)
		}
		if pages != 3 {
			t.Errorf("pages = %d, want 3", pages)
		}
	})

	filterID := func() int {
		id, err := s.emu.AddFilter(Filter{Name: "Assigned", JQL: "assignee = " + aliceID})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}()
	tests := []struct {
		jql  string
		want []string
	}{
		{"key = " + keys[1], []string{keys[1]}},
		{fmt.Sprintf("key in (%s, %s) ORDER BY key ASC", keys[0], other), []string{keys[0], other}},
		{"labels = other", []string{other}},
		{"labels in (other, nothing) OR key = " + keys[6] + " ORDER BY created ASC", []string{keys[6], other}},
		{"project = OPS", []string{opsKey}},
		{"project = Operations", []string{opsKey}},
		{"reporter = " + aliceID, []string{opsKey}},
		{"assignee = " + aliceID, []string{keys[4]}},
		{fmt.Sprintf("filter = %d", filterID), []string{keys[4]}},
		{`filter = "Assigned"`, []string{keys[4]}},
		{`status = "In Progress"`, []string{keys[3]}},
		{"watcher = " + bobID, []string{keys[2]}},
		{"watcher = currentUser() AND project = OPS", []string{opsKey}},
		{`summary ~ "request 5"`, []string{keys[5]}},
		{`summary ~ "print*" AND (labels = other OR key = ` + keys[0] + `)`, []string{keys[0]}},
		{`summary ~ "\" OR project = OPS"`, []string{other}},
		{`labels = "\" OR labels = mail2jira"`, nil},
		{"project = SUP AND NOT labels = mail2jira", []string{other}},
		{"assignee IS EMPTY AND project = OPS", []string{opsKey}},
		{"project = OPS ORDER BY updated DESC", []string{opsKey}},
	}
	for _, tt := range tests {
		t.Run(tt.jql, func(t *testing.T) {
			page, res, err := c.Issue.Search.SearchJQL(ctx, tt.jql, []string{"summary"}, nil, 100, "")
			if err != nil {
				t.Fatalf("search: %v %s", err, errorBody(res))
			}
			var got []string
			for _, is := range page.Issues {
				got = append(got, is.Key)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("keys (-want +got):\n%s", d)
			}
		})
	}

	refused := []struct{ jql, want string }{
		{"issue.property[mail2jira].claim = abc", "Field 'issue.property[mail2jira].claim' does not exist or you do not have permission to view it."},
		{"project = NOPE", "The value 'NOPE' does not exist for the field 'project'."},
		{"key = SUP-999", "An issue with key 'SUP-999' does not exist for field 'key'."},
		{`summary ~ "unterminated`, "Error in the JQL Query: The quoted string has not been completed. (line 1, character 11)"},
		{"labels = a b", "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'b'. (line 1, character 12)"},
		{"summary = x", "The operator '=' is not supported by the 'summary' field."},
		{"project = SUP ORDER BY summary", "Not able to sort using field 'summary'."},
	}
	for _, tt := range refused {
		t.Run("refused "+tt.jql, func(t *testing.T) {
			_, res, err := c.Issue.Search.SearchJQL(ctx, tt.jql, nil, nil, 10, "")
			if !isErr(err, models.ErrBadRequest) {
				t.Fatalf("err = %v, want bad request", err)
			}
			if d := cmp.Diff(errorCollection{[]string{tt.want}, map[string]string{}}, decodeErrors(t, res)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
		})
	}

	t.Run("without fields only ids come back", func(t *testing.T) {
		page, _, err := c.Issue.Search.SearchJQL(ctx, "project = OPS", nil, nil, 10, "")
		if err != nil || len(page.Issues) != 1 {
			t.Fatalf("search: %v", err)
		}
		if is := page.Issues[0]; is.ID == "" || is.Key != "" || is.Fields != nil {
			t.Errorf("issue %+v, want only an id", is)
		}
	})
	t.Run("a token from another query is refused", func(t *testing.T) {
		page, _, err := c.Issue.Search.SearchJQL(ctx, "project = SUP", nil, nil, 1, "")
		if err != nil || page.NextPageToken == "" {
			t.Fatalf("first page: %v %+v", err, page)
		}
		if _, _, err := c.Issue.Search.SearchJQL(ctx, "project = OPS", nil, nil, 1, page.NextPageToken); !isErr(err, models.ErrBadRequest) {
			t.Errorf("err = %v, want bad request", err)
		}
	})
	t.Run("GET form", func(t *testing.T) {
		res := raw(t, s, botID, "GET", "rest/api/3/search/jql?jql=project%3DOPS&fields=summary", nil)
		var page struct {
			Issues []struct{ Key string } `json:"issues"`
			IsLast bool                   `json:"isLast"`
		}
		if err := json.Unmarshal(res.Bytes.Bytes(), &page); err != nil || len(page.Issues) != 1 || !page.IsLast {
			t.Errorf("GET search: %v %s", err, res.Bytes.String())
		}
	})
	t.Run("expand=schema breaks go-atlassian's SearchJQL as documented", func(t *testing.T) {
		_, res, err := c.Issue.Search.SearchJQL(ctx, "project = OPS", []string{"summary"}, []string{"schema"}, 10, "")
		if err == nil || code(res) != 200 {
			t.Errorf("err %v status %d: the client should fail to decode the schema objects", err, code(res))
		}
	})
	t.Run("the old search answers 410", func(t *testing.T) {
		_, res, err := c.Issue.Search.Get(ctx, "project = SUP", nil, nil, 0, 10, "")
		if err == nil || code(res) != 410 {
			t.Errorf("GET: err %v status %d, want 410", err, code(res))
		}
		_, res, err = c.Issue.Search.Post(ctx, "project = SUP", nil, nil, 0, 10, "")
		if err == nil || code(res) != 410 {
			t.Errorf("POST: err %v status %d, want 410", err, code(res))
		}
		if ec := decodeErrors(t, res); len(ec.ErrorMessages) != 1 || !strings.Contains(ec.ErrorMessages[0], "/rest/api/3/search/jql") {
			t.Errorf("410 body %+v", ec)
		}
	})
}

func TestSearchIsEventuallyConsistent(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newSite(t, Options{Now: clock, SearchDelay: 5 * time.Second})
	key := s.createIssue(t, botID, "Fresh", "marker-1")
	c := s.jira(t, botID)
	count := func() int {
		page, _, err := c.Issue.Search.SearchJQL(context.Background(), "labels = marker-1", nil, nil, 10, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Issues)
	}
	if n := count(); n != 0 {
		t.Errorf("fresh issue found %d times before the index caught up", n)
	}
	mu.Lock()
	now = now.Add(6 * time.Second)
	mu.Unlock()
	if n := count(); n != 1 {
		t.Errorf("issue %s found %d times after the delay, want 1", key, n)
	}
}
