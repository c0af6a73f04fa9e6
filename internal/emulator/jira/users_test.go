package jiraemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	v3 "github.com/ctreminiom/go-atlassian/v2/jira/v3"
	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
	"github.com/google/go-cmp/cmp"
)

func TestUserSearch(t *testing.T) {
	s := newSite(t, Options{})
	c := s.jira(t, botID)
	tests := []struct {
		query, accountID string
		want             []string
	}{
		{query: "alice@example.com", want: []string{aliceID}},
		{query: "ALICE@", want: []string{aliceID}},
		{query: "bob@example.com", want: nil}, // hidden email: search by email finds nothing
		{query: "Brown", want: []string{bobID}},
		{query: "carol@example.org", want: []string{customerID}},
		{query: "nobody@example.com", want: nil},
		{accountID: bobID, want: []string{bobID}},
	}
	for _, tt := range tests {
		t.Run(tt.query+tt.accountID, func(t *testing.T) {
			users, res, err := c.User.Search.Do(context.Background(), tt.accountID, tt.query, 0, 50)
			if err != nil {
				t.Fatalf("search: %v %s", err, errorBody(res))
			}
			var got []string
			for _, u := range users {
				got = append(got, u.AccountID)
				if u.AccountID == bobID && u.EmailAddress != "" {
					t.Errorf("bob's hidden email leaked: %q", u.EmailAddress)
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("users (-want +got):\n%s", d)
			}
		})
	}
	t.Run("no query is 400", func(t *testing.T) {
		res := raw(t, s, botID, "GET", "rest/api/3/user/search", nil)
		if res.Code != 400 {
			t.Errorf("status %d", res.Code)
		}
	})
	t.Run("get by account id", func(t *testing.T) {
		u, _, err := c.User.Get(context.Background(), aliceID, nil)
		if err != nil || u.DisplayName != "Alice Adams" {
			t.Errorf("get: %v %+v", err, u)
		}
	})
	t.Run("myself", func(t *testing.T) {
		me, _, err := s.jira(t, aliceID).MySelf.Details(context.Background(), nil)
		if err != nil || me.AccountID != aliceID || me.EmailAddress != "alice@example.com" {
			t.Errorf("myself: %v %+v", err, me)
		}
	})
}

// myPermissions calls GET /rest/api/3/mypermissions, which go-atlassian has no method for.
func myPermissions(t *testing.T, c *v3.Client, query string) (map[string]bool, *models.ResponseScheme, error) {
	t.Helper()
	req, err := c.NewRequest(context.Background(), http.MethodGet, "rest/api/3/mypermissions?"+query, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Permissions map[string]struct {
			HavePermission bool `json:"havePermission"`
		} `json:"permissions"`
	}
	res, err := c.Call(req, &body)
	out := map[string]bool{}
	for k, v := range body.Permissions {
		out[k] = v.HavePermission
	}
	return out, res, err
}

func TestMyPermissions(t *testing.T) {
	s := newSite(t, Options{})
	query := "permissions=MODIFY_REPORTER,MANAGE_WATCHERS,ADD_COMMENTS&projectKey=SUP"
	tests := []struct {
		caller string
		want   map[string]bool
	}{
		{botID, map[string]bool{"MODIFY_REPORTER": true, "MANAGE_WATCHERS": true, "ADD_COMMENTS": true}},
		{agentID, map[string]bool{"MODIFY_REPORTER": false, "MANAGE_WATCHERS": false, "ADD_COMMENTS": true}},
	}
	for _, tt := range tests {
		t.Run(tt.caller, func(t *testing.T) {
			got, res, err := myPermissions(t, s.jira(t, tt.caller), query)
			if err != nil {
				t.Fatalf("mypermissions: %v %s", err, errorBody(res))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("permissions (-want +got):\n%s", d)
			}
		})
	}
	bad := map[string]int{"": 400, "permissions=FLY": 400, "permissions=ADD_COMMENTS&projectKey=NOPE": 404}
	for q, want := range bad {
		t.Run("refused "+q, func(t *testing.T) {
			_, res, err := myPermissions(t, s.jira(t, botID), q)
			if err == nil || code(res) != want {
				t.Errorf("err %v status %d, want %d", err, code(res), want)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	s := newSite(t, Options{})
	tests := []struct{ name, email, token string }{
		{"wrong token", "bot@example.com", "nope"},
		{"unknown email", "who@example.com", botID + "-token"},
		{"account without token", "carol@example.org", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := v3.New(s.httpClient(t), s.srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			c.Auth.SetBasicAuth(tt.email, tt.token)
			_, res, err := c.MySelf.Details(context.Background(), nil)
			if !isErr(err, models.ErrUnauthorized) || code(res) != 401 {
				t.Errorf("err %v status %d, want 401", err, code(res))
			}
		})
	}
}

func TestInjectedFaults(t *testing.T) {
	s := newSite(t, Options{Seed: 7})
	ctx := context.Background()
	c := s.jira(t, botID)
	create := func() *models.ResponseScheme {
		_, res, _ := c.Issue.Create(ctx, &models.IssueScheme{Fields: &models.IssueFieldsScheme{
			Project: &models.ProjectScheme{Key: "SUP"}, IssueType: &models.IssueTypeScheme{Name: "Task"}, Summary: "x",
		}}, nil)
		return res
	}
	s.emu.InjectFault("POST /rest/api/3/issue", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	var got []string
	for range 3 {
		res := create()
		got = append(got, strconv.Itoa(code(res))+" "+res.Response.Header.Get("Retry-After"))
	}
	if d := cmp.Diff([]string{"429 2", "429 2", "201 "}, got); d != "" {
		t.Errorf("answers (-want +got):\n%s", d)
	}
	if n := s.emu.CallCounts()["POST /rest/api/3/issue"]; n != 3 {
		t.Errorf("call count %d, want 3", n)
	}

	s.emu.InjectFault(AllRoutes, Fault{Status: 503, RetryAfter: time.Second, Times: 1})
	_, res, err := c.MySelf.Details(ctx, nil)
	if err == nil || code(res) != 503 || res.Response.Header.Get("Retry-After") != "1" {
		t.Errorf("503: err %v status %d", err, code(res))
	}

	s.emu.ClearFaults()
	s.emu.InjectFault("GET /rest/api/3/myself", Fault{Status: 429, Fraction: 0.5})
	faults := 0
	for range 40 {
		if _, res, _ := c.MySelf.Details(ctx, nil); code(res) == 429 {
			faults++
		}
	}
	if faults == 0 || faults == 40 {
		t.Errorf("fraction 0.5 faulted %d of 40 calls", faults)
	}
	s.emu.ResetCallCounts()
	if len(s.emu.CallCounts()) != 0 {
		t.Error("counts not reset")
	}
}

func TestLatencyOption(t *testing.T) {
	s := newSite(t, Options{Latency: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.jira(t, botID).MySelf.Details(ctx, nil); err == nil {
		t.Error("a cancelled call succeeded")
	}
	if me, _, err := s.jira(t, botID).MySelf.Details(context.Background(), nil); err != nil || me.AccountID != botID {
		t.Errorf("slow call: %v", err)
	}
}

func TestBoardsAndFilters(t *testing.T) {
	s := newSite(t, Options{})
	ctx := context.Background()
	ag := s.agile(t, botID)
	page, _, err := ag.Board.Gets(ctx, &models.GetBoardsOptions{BoardName: "support"}, 0, 50)
	if err != nil || len(page.Values) != 1 {
		t.Fatalf("boards: %v %+v", err, page)
	}
	b := page.Values[0]
	if b.Name != "Support board" || b.Location.ProjectKey != "SUP" || b.Location.ProjectID == 0 {
		t.Errorf("board %+v location %+v", b, b.Location)
	}
	conf, _, err := ag.Board.Configuration(ctx, b.ID)
	if err != nil || conf.Filter == nil {
		t.Fatalf("configuration: %v", err)
	}
	fid, _ := strconv.Atoi(conf.Filter.ID)
	f, _, err := s.jira(t, botID).Filter.Get(ctx, fid, nil)
	if err != nil || f.JQL != "project = SUP ORDER BY Rank ASC" {
		t.Errorf("filter: %v %+v", err, f)
	}
	if _, res, err := s.jira(t, botID).Filter.Get(ctx, 999999, nil); err == nil || code(res) != 400 {
		t.Errorf("unknown filter: err %v status %d, want 400", err, code(res))
	}

	projectsOf := func(name string) []string {
		page, _, err := ag.Board.Gets(ctx, &models.GetBoardsOptions{BoardName: name}, 0, 50)
		if err != nil || len(page.Values) != 1 {
			t.Fatalf("board %q: %v", name, err)
		}
		projects, _, err := ag.Board.Projects(ctx, page.Values[0].ID, 0, 50)
		if err != nil {
			t.Fatalf("projects: %v", err)
		}
		var keys []string
		for _, p := range projects.Values {
			keys = append(keys, p.Key)
		}
		sort.Strings(keys)
		return keys
	}
	if d := cmp.Diff([]string{"SUP"}, projectsOf("Support board")); d != "" {
		t.Errorf("support board projects (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"OPS", "SUP"}, projectsOf("Shared")); d != "" {
		t.Errorf("shared board projects (-want +got):\n%s", d)
	}
	one, _, err := ag.Board.Get(ctx, b.ID)
	if err != nil || one.Name != "Support board" {
		t.Errorf("board get: %v", err)
	}
	if _, _, err := ag.Board.Get(ctx, 999); err == nil {
		t.Error("unknown board found")
	}
}

func TestMetadata(t *testing.T) {
	s := newSite(t, Options{})
	ctx := context.Background()
	c := s.jira(t, botID)
	s.createIssue(t, botID, "labelled", "zeta", "alpha")
	p, _, err := c.Project.Get(ctx, "SUP", nil)
	if err != nil || p.Key != "SUP" || len(p.IssueTypes) == 0 {
		t.Errorf("project: %v %+v", err, p)
	}
	if _, _, err := c.Project.Get(ctx, "NOPE", nil); !isErr(err, models.ErrNotFound) {
		t.Errorf("unknown project: %v", err)
	}
	found, _, err := c.Project.Search(ctx, &models.ProjectSearchOptionsScheme{Query: "oper"}, 0, 50)
	if err != nil || len(found.Values) != 1 || found.Values[0].Key != "OPS" {
		t.Errorf("project search: %v %+v", err, found)
	}
	types, _, err := c.Issue.Type.Gets(ctx)
	if err != nil || len(types) != 5 {
		t.Errorf("issue types: %v %d", err, len(types))
	}
	prios, _, err := c.Issue.Priority.Gets(ctx)
	if err != nil || len(prios) != 5 || prios[1].Name != "High" {
		t.Errorf("priorities: %v", err)
	}
	labels, _, err := c.Issue.Label.Gets(ctx, 0, 50)
	if err != nil || !cmp.Equal(labels.Values, []string{"alpha", "zeta"}) {
		t.Errorf("labels: %v %+v", err, labels)
	}
}

func TestHTMLPage(t *testing.T) {
	s := newSite(t, Options{})
	key := s.createIssue(t, botID, "Shown on the page")
	ctx := context.Background()
	if _, err := s.emu.AddComment(key, aliceID, CommentInput{Body: TextADF("A visible <reply>")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.jira(t, botID).Issue.Attachment.Add(ctx, key, "screenshot.png", strings.NewReader("png")); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := readAll(t, resp)
	for _, want := range []string{key + ": Shown on the page", "A visible &lt;reply&gt;", "screenshot.png", "Alice Adams"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	var meta struct{ ID string }
	res := raw(t, s, botID, "GET", "rest/api/3/issue/"+key+"?fields=attachment", nil)
	var issue struct {
		Fields struct {
			Attachment []struct{ ID string } `json:"attachment"`
		} `json:"fields"`
	}
	_ = json.Unmarshal(res.Bytes.Bytes(), &issue)
	if len(issue.Fields.Attachment) == 1 {
		meta.ID = issue.Fields.Attachment[0].ID
	}
	view, err := http.Get(s.srv.URL + "/view/attachment/" + meta.ID + "/screenshot.png")
	if err != nil {
		t.Fatal(err)
	}
	defer view.Body.Close()
	if got := readAll(t, view); got != "png" {
		t.Errorf("attachment view = %q", got)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
