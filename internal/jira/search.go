package jira

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// MaxPageSize is the most issues one search page returns when fields are named.
const MaxPageSize = 100

// maxSearchPages bounds SearchAll so a query that keeps matching cannot run forever.
const maxSearchPages = 100

// SearchRequest is one page of a JQL search.
type SearchRequest struct {
	// JQL is the query; build it with Query so user input is quoted.
	JQL string
	// Options selects the fields; "key" is always included.
	Options IssueOptions
	// Limit is the page size, 1..MaxPageSize; zero means 50.
	Limit int
	// PageToken continues a search from the NextPageToken of the previous page.
	PageToken string
}

// SearchPage is one page of results; NextPageToken is empty on the last page.
type SearchPage struct {
	Issues        []Issue
	NextPageToken string
}

// Search runs JQL through /rest/api/3/search/jql (the enhanced search; the old
// /rest/api/3/search is gone). Search is eventually consistent: a just-created issue may be
// missing for a while.
func (c *Client) Search(ctx context.Context, r SearchRequest) (SearchPage, error) {
	op := "jira: search"
	if strings.TrimSpace(r.JQL) == "" {
		return SearchPage{}, fmt.Errorf("%s: %w: empty JQL", op, errs.ErrInvalid)
	}
	limit := r.Limit
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > MaxPageSize:
		return SearchPage{}, fmt.Errorf("%s: %w: limit %d outside 1..%d", op, errs.ErrInvalid, limit, MaxPageSize)
	}
	// The enhanced search returns only ids unless fields are named, so key is always named.
	fields := r.Options.fields()
	if !slices.Contains(fields, "key") {
		fields = append([]string{"key"}, fields...)
	}
	var expand []string
	if r.Options.Rendered {
		expand = []string{"renderedFields"} // never "schema": SearchJQL fails on it in v2.8.0
	}
	res, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		_, res, err := c.api.Issue.Search.SearchJQL(ctx, r.JQL, fields, expand, limit, r.PageToken)
		return res, err
	})
	if err != nil {
		return SearchPage{}, err
	}
	var page struct {
		Issues        []issueBean `json:"issues"`
		NextPageToken string      `json:"nextPageToken"`
	}
	if err := decode(op, res, &page); err != nil {
		return SearchPage{}, err
	}
	out := SearchPage{NextPageToken: page.NextPageToken, Issues: make([]Issue, 0, len(page.Issues))}
	for i := range page.Issues {
		out.Issues = append(out.Issues, page.Issues[i].issue())
	}
	return out, nil
}

// SearchAll runs a search to its last page, calling fn for each issue; an error from fn stops
// it.
func (c *Client) SearchAll(ctx context.Context, jql string, o IssueOptions, fn func(Issue) error) error {
	token := ""
	for range maxSearchPages {
		page, err := c.Search(ctx, SearchRequest{JQL: jql, Options: o, Limit: MaxPageSize, PageToken: token})
		if err != nil {
			return err
		}
		for _, is := range page.Issues {
			if err := fn(is); err != nil {
				return err
			}
		}
		if page.NextPageToken == "" {
			return nil
		}
		token = page.NextPageToken
	}
	return fmt.Errorf("jira: search: %w: more than %d pages", errs.ErrInvalid, maxSearchPages)
}
