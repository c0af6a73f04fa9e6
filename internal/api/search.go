package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// Search paging and the reporter filter's bound.
const (
	defaultLimit = 20
	// maxReporterTickets bounds the marker labels one query names (the newest tickets win),
	// keeping the JQL within Jira's size limits.
	maxReporterTickets = 500
)

// searchParams are the validated query parameters of GET /tickets.
type searchParams struct {
	boards, categories, statuses []string
	reporter, assignee, watcher  string
	text                         string
	extras                       extras
	limit                        int
	order                        jira.OrderField
	desc                         bool
	token                        pageToken
}

// pageToken is the cursor handed to clients: Jira's own token and, for the reporter filter,
// how many of the reporter's stored tickets the query named, so that a ticket the reporter
// opens meanwhile does not change the query under Jira's token (which is bound to it).
type pageToken struct {
	Jira     string `json:"j"`
	Reported int    `json:"r,omitempty"`
}

func (t pageToken) encode() string {
	if t.Jira == "" {
		return ""
	}
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// search serves GET /tickets.
func (s *Service) search(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, err := s.parseSearch(r.URL.Query())
	if err != nil {
		return err
	}
	q, reported, empty, err := s.query(ctx, p)
	if err != nil {
		return err
	}
	out := SearchResult{Tickets: []Ticket{}}
	if !empty {
		if out, err = s.runSearch(ctx, p, q, reported); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Service) runSearch(ctx context.Context, p searchParams, q *jira.Query, reported int) (SearchResult, error) {
	page, err := s.opts.Jira.Search(ctx, jira.SearchRequest{JQL: q.String(), Options: p.extras.options(), Limit: p.limit, PageToken: p.token.Jira})
	if errors.Is(err, errs.ErrInvalid) {
		return SearchResult{}, searchRefused(err, p)
	}
	if err != nil {
		return SearchResult{}, s.jiraError(err, "search")
	}
	boards, err := s.allBoards(ctx, nil)
	if err != nil {
		return SearchResult{}, s.jiraError(err, "resolve boards")
	}
	out := SearchResult{Tickets: make([]Ticket, 0, len(page.Issues))}
	for _, is := range page.Issues {
		out.Tickets = append(out.Tickets, s.ticket(is, boards))
	}
	if err := s.perIssue(ctx, p.extras, out.Tickets); err != nil {
		return SearchResult{}, err
	}
	out.NextPageToken = pageToken{Jira: page.NextPageToken, Reported: reported}.encode()
	return out, nil
}

// searchRefused explains a query Jira refused. The JQL is built from quoted values only, so
// what Jira can refuse is a value it does not know: a status name, or a page token that
// belongs to another query.
func searchRefused(err error, p searchParams) error {
	v := &errs.Validation{}
	switch {
	case p.token.Jira != "":
		v.Add("pageToken", "does not belong to this query; start again without it")
	case len(p.statuses) > 0:
		v.Add("status", "names a status Jira does not know")
	default:
		return errs.WithPublic(err, "Jira refused the search")
	}
	return errors.Join(v, err)
}

// query builds the JQL: the tickets the service owns (its labels, its boards' projects)
// narrowed by the filters. Every value goes through jira.Query, which quotes and escapes
// it. empty is true when a filter cannot match anything (an address without a Jira account,
// a reporter with no tickets), so Jira is not asked.
func (s *Service) query(ctx context.Context, p searchParams) (q *jira.Query, reported int, empty bool, err error) {
	cfg := s.opts.Config
	boards, err := s.allBoards(ctx, p.boards)
	if err != nil {
		return nil, 0, false, s.jiraError(err, "resolve boards")
	}
	q = jira.NewQuery()
	for _, l := range cfg.Labels {
		q.Labels(l)
	}
	var projects []string
	for _, b := range boards {
		projects = append(projects, b.Project.Key)
	}
	if len(projects) == 0 {
		return nil, 0, true, nil // no usable board: never widen the query to every project
	}
	q.Project(projects...).Labels(p.categories...).Status(p.statuses...).SummaryContains(p.text)
	if p.reporter != "" {
		var markers []string
		if markers, reported, err = s.reporterMarkers(ctx, p.reporter, p.token.Reported); err != nil || len(markers) == 0 {
			return nil, 0, err == nil, err
		}
		q.Labels(markers...)
	}
	for _, f := range []struct {
		email string
		add   func(...string) *jira.Query
	}{{p.assignee, q.Assignee}, {p.watcher, q.Watcher}} {
		if f.email == "" {
			continue
		}
		u, err := s.lookup(ctx, f.email)
		if err != nil || u.AccountID == "" {
			return nil, 0, err == nil, err
		}
		f.add(u.AccountID)
	}
	return q.OrderBy(p.order, p.desc), reported, false, nil
}

// reporterMarkers returns the marker labels of the reporter's stored tickets: the first
// `upTo` of them when continuing a search (0: all), the newest maxReporterTickets at most.
func (s *Service) reporterMarkers(ctx context.Context, reporter string, upTo int) ([]string, int, error) {
	refs, err := s.opts.Store.TicketsByReporter(ctx, reporter, time.Time{})
	if err != nil {
		return nil, 0, errs.WithPublic(err, "the ticket store is not available; retry later")
	}
	if upTo > 0 && upTo < len(refs) {
		refs = refs[:upTo]
	}
	n := len(refs)
	if len(refs) > maxReporterTickets {
		refs = refs[len(refs)-maxReporterTickets:]
	}
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		out = append(out, mail.MarkerLabel(r.Mailbox, r.ConversationID))
	}
	return out, n, nil
}

// parseSearch validates every query parameter, reporting all problems at once.
func (s *Service) parseSearch(q url.Values) (searchParams, error) {
	cfg := s.opts.Config
	v := &errs.Validation{}
	checkParams(v, q, "boards", "categories", "reporter", "assignee", "status", "watcher", "q", "fields", "limit", "sort", "order", "pageToken")
	p := searchParams{limit: defaultLimit, order: jira.OrderCreated, desc: true}
	for _, b := range splitList(q["boards"]) {
		if _, ok := cfg.Board(b); !ok {
			v.Add("boards", "each must be one of the supported boards (%s)", strings.Join(s.boardKeys(), ", "))
			continue
		}
		p.boards = append(p.boards, b)
	}
	for _, c := range splitList(q["categories"]) {
		found, ok := findFold(cfg.Categories, c)
		if !ok {
			v.Add("categories", "each must be one of the supported categories (%s)", strings.Join(cfg.Categories, ", "))
			continue
		}
		p.categories = append(p.categories, found)
	}
	p.reporter = checkEmail(v, "reporter", q.Get("reporter"), false)
	p.assignee = checkEmail(v, "assignee", q.Get("assignee"), false)
	p.watcher = checkEmail(v, "watcher", q.Get("watcher"), false)
	for _, st := range q["status"] {
		if st = strings.TrimSpace(st); st == "" || utf8.RuneCountInString(st) > 60 {
			v.Add("status", "must be a status name of 1 to 60 characters")
			continue
		}
		p.statuses = append(p.statuses, st)
	}
	if p.text = strings.TrimSpace(q.Get("q")); utf8.RuneCountInString(p.text) > maxQuery {
		v.Add("q", "must be at most %d characters", maxQuery)
	}
	p.extras = parseFields(v, q["fields"])
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > jira.MaxPageSize {
			v.Add("limit", "must be a whole number from 1 to %d", jira.MaxPageSize)
		}
		p.limit = n
	}
	switch q.Get("sort") {
	case "", "created":
	case "updated":
		p.order = jira.OrderUpdated
	default:
		v.Add("sort", "must be created or updated")
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		p.desc = false
	default:
		v.Add("order", "must be desc or asc")
	}
	if t := q.Get("pageToken"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || json.Unmarshal(b, &p.token) != nil || p.token.Jira == "" || p.token.Reported < 0 {
			v.Add("pageToken", "is not a token this API handed out")
		}
	}
	return p, v.Err()
}
