package jira

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/adf"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestSearchPages(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	var want []string
	for i := range 7 {
		want = append(want, createIssue(t, c, fmt.Sprint("paged ", i), "paged"))
	}
	createIssue(t, c, "not labelled")
	jql := (&Query{}).Labels("paged").OrderBy(OrderKey, false).String()

	var got []string
	var sizes []int
	token := ""
	for range 10 {
		page, err := c.Search(testCtx(t), SearchRequest{JQL: jql, Limit: 3, PageToken: token,
			Options: IssueOptions{Fields: []string{"summary", "labels"}}})
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Issues))
		for _, is := range page.Issues {
			if is.Key == "" || !strings.HasPrefix(is.Summary, "paged ") || !slices.Equal(is.Labels, []string{"paged"}) {
				t.Errorf("issue without the named fields: %+v", is)
			}
			got = append(got, is.Key)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if diff := cmp.Diff([]int{3, 3, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	var all []string
	if err := c.SearchAll(testCtx(t), jql, IssueOptions{Fields: []string{"summary"}}, func(is Issue) error {
		all = append(all, is.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("SearchAll (-want +got):\n%s", diff)
	}
	counts := s.emu.CallCounts()
	if counts["GET /rest/api/3/search"]+counts["POST /rest/api/3/search"] != 0 {
		t.Errorf("the removed /rest/api/3/search was called: %v", counts)
	}
}

func TestSearchOptions(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	created, err := c.Create(testCtx(t), NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "rich",
		Labels: []string{"opt"}, Description: adf.NewDoc(adf.Paragraph(adf.Text("hello", adf.Strong())))})
	if err != nil {
		t.Fatal(err)
	}
	must(t, c.AddWatcher(testCtx(t), created.Key, aliceID))
	jql := (&Query{}).Labels("opt").String()
	tests := []struct {
		name  string
		opts  IssueOptions
		check func(t *testing.T, is Issue)
	}{
		{"defaults", IssueOptions{}, func(t *testing.T, is Issue) {
			if is.Summary != "rich" || is.Reporter == nil || is.Status != "To Do" || is.Description == nil || is.Rendered != nil {
				t.Errorf("default fields: %+v", is)
			}
		}},
		{"rendered", IssueOptions{Rendered: true}, func(t *testing.T, is Issue) {
			if !strings.Contains(is.Rendered["description"], "hello</") {
				t.Errorf("rendered = %v", is.Rendered)
			}
		}},
		{"extra watches", IssueOptions{Extra: []string{"watches"}}, func(t *testing.T, is Issue) {
			if is.WatchCount != 2 || is.Summary != "rich" {
				t.Errorf("watchCount = %d, summary %q", is.WatchCount, is.Summary)
			}
		}},
		{"only the key", IssueOptions{Fields: []string{"key"}}, func(t *testing.T, is Issue) {
			if is.Key != created.Key || is.Summary != "" {
				t.Errorf("issue = %+v", is)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := c.Search(testCtx(t), SearchRequest{JQL: jql, Options: tt.opts})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Issues) != 1 || page.Issues[0].Key != created.Key {
				t.Fatalf("issues = %+v", page.Issues)
			}
			tt.check(t, page.Issues[0])
		})
	}
}

func TestSearchErrors(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	tests := []struct {
		name    string
		req     SearchRequest
		want    error
		errText string
	}{
		{"empty JQL", SearchRequest{JQL: "  "}, errs.ErrInvalid, "empty JQL"},
		{"limit too big", SearchRequest{JQL: "project = SUP", Limit: 101}, errs.ErrInvalid, "limit"},
		{"negative limit", SearchRequest{JQL: "project = SUP", Limit: -1}, errs.ErrInvalid, "limit"},
		{"unknown field", SearchRequest{JQL: "nosuchfield = 1"}, errs.ErrInvalid, "Field 'nosuchfield' does not exist"},
		{"unknown project", SearchRequest{JQL: (&Query{}).Project("NOPE").String()}, errs.ErrInvalid, "NOPE"},
		{"token of another query", SearchRequest{JQL: "project = SUP", PageToken: "bogus"}, errs.ErrInvalid, "HTTP 400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Search(testCtx(t), tt.req)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("Search: got %v, want %v mentioning %q", err, tt.want, tt.errText)
			}
		})
	}
}

// TestQueryAgainstJira runs built queries, hostile input included, through the emulator's
// JQL parser: the input must stay a value, matching only what it literally says.
func TestQueryAgainstJira(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	plain := createIssue(t, c, "Printer on fire", "mail", "hardware")
	quoted := createIssue(t, c, `Say "hello" to C:\temp`, "mail")
	other := createIssue(t, c, "Unrelated", "other")
	must(t, s.emu.SetStatus(quoted, "Done"))
	must(t, c.AddWatcher(testCtx(t), plain, aliceID))
	must(t, s.emu.SetAssignee(other, aliceID))

	tests := []struct {
		name    string
		q       *Query
		want    []string
		wantErr error
	}{
		{"label", (&Query{}).Labels("mail"), []string{plain, quoted}, nil},
		{"labels all", (&Query{}).Labels("mail").Labels("hardware"), []string{plain}, nil},
		{"labels any", (&Query{}).Labels("hardware", "other"), []string{plain, other}, nil},
		{"key", (&Query{}).Key(quoted, other), []string{quoted, other}, nil},
		{"project", (&Query{}).Project("SUP").Labels("other"), []string{other}, nil},
		{"status", (&Query{}).Status("Done"), []string{quoted}, nil},
		{"watcher", (&Query{}).Watcher(aliceID), []string{plain}, nil},
		{"assignee", (&Query{}).Assignee(aliceID), []string{other}, nil},
		{"reporter", (&Query{}).Reporter(botID).Labels("other"), []string{other}, nil},
		{"summary words", (&Query{}).SummaryContains("fire printer"), []string{plain}, nil},
		{"summary with quotes and backslash", (&Query{}).SummaryContains(`"hello" C:\temp`), []string{quoted}, nil},
		{"label injection", (&Query{}).Labels(`mail" OR labels is not EMPTY OR labels = "x`), nil, nil},
		{"OR 1=1", (&Query{}).Labels("nothing OR 1=1"), nil, nil},
		{"label with backslash escape", (&Query{}).Labels(`mail\" OR project = SUP OR labels = \"x`), nil, nil},
		{"newline", (&Query{}).Labels("mail\n OR project = SUP"), nil, nil},
		{"summary injection", (&Query{}).Labels("other").SummaryContains(`x" OR summary ~ "Printer`), nil, nil},
		{"summary wildcard stays text", (&Query{}).SummaryContains(`Print*`), nil, nil},
		{"status injection is an unknown status", (&Query{}).Status(`Done" OR status != "x`), nil, errs.ErrInvalid},
		{"key injection is an unknown key", (&Query{}).Key(`SUP-1" OR key != "SUP-2`), nil, errs.ErrInvalid},
		{"order by created", (&Query{}).Labels("mail").OrderBy(OrderCreated, true), []string{quoted, plain}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := c.SearchAll(testCtx(t), tt.q.String(), IssueOptions{Fields: []string{"key"}}, func(is Issue) error {
				got = append(got, is.Key)
				return nil
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("search %s: got %v, want %v", tt.q, err, tt.wantErr)
			}
			if !strings.Contains(tt.name, "order") {
				slices.Sort(got)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("search %s (-want +got):\n%s", tt.q, diff)
			}
		})
	}
}
