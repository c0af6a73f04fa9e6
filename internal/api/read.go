package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
)

// Extra fields a client can ask for with fields=.
const (
	fieldWatchers    = "watchers"
	fieldComments    = "comments"
	fieldAttachments = "attachments"
	fieldRendered    = "rendered"
)

var extraFields = []string{fieldWatchers, fieldComments, fieldAttachments, fieldRendered}

// extras is the set of extra fields asked for.
type extras map[string]bool

func (e extras) options() jira.IssueOptions {
	var o jira.IssueOptions
	if e[fieldComments] {
		o.Extra = append(o.Extra, "comment")
	}
	if e[fieldAttachments] {
		o.Extra = append(o.Extra, "attachment")
	}
	o.Rendered = e[fieldRendered]
	return o
}

// get serves GET /tickets/{key}: only tickets the service owns; anything else is 404, so
// the API cannot be used to read other Jira issues.
func (s *Service) get(w http.ResponseWriter, r *http.Request, rawKey string) error {
	ctx := r.Context()
	key, err := checkKey(rawKey)
	if err != nil {
		return err
	}
	v := &errs.Validation{}
	q := r.URL.Query()
	checkParams(v, q, "fields")
	ex := parseFields(v, q["fields"])
	if err := v.Err(); err != nil {
		return err
	}
	is, err := s.opts.Jira.GetIssue(ctx, key, ex.options())
	if errors.Is(err, errs.ErrNotFound) {
		return errs.WithPublic(err, "no ticket %s", key)
	}
	if err != nil {
		return s.jiraError(err, "read "+key)
	}
	if ok, err := s.owned(ctx, is); err != nil {
		return s.jiraError(err, "check owner of "+key)
	} else if !ok {
		return errs.WithPublic(errs.ErrNotFound, "no ticket %s", key)
	}
	boards, err := s.allBoards(ctx, nil)
	if err != nil {
		return s.jiraError(err, "resolve boards")
	}
	out := []Ticket{s.ticket(is, boards)}
	if err := s.perIssue(ctx, ex, out); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out[0])
	return nil
}

// perIssue reads what a search or issue read does not return: watchers, and comments
// with their HTML (the issue's renderedFields do not carry it), a few issues at a time.
func (s *Service) perIssue(ctx context.Context, ex extras, ts []Ticket) error {
	watchers, rendered := ex[fieldWatchers], ex[fieldComments] && ex[fieldRendered]
	if !watchers && !rendered {
		return nil
	}
	var wg sync.WaitGroup
	errc := make([]error, len(ts))
	sem := make(chan struct{}, 4)
	for i := range ts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if watchers {
				errc[i] = s.fillWatchers(ctx, &ts[i])
			}
			if rendered && errc[i] == nil {
				errc[i] = s.fillComments(ctx, &ts[i])
			}
		})
	}
	wg.Wait()
	return errors.Join(errc...)
}

func (s *Service) fillWatchers(ctx context.Context, t *Ticket) error {
	us, err := s.opts.Jira.Watchers(ctx, t.Key)
	if err != nil {
		return s.jiraError(err, "watchers of "+t.Key)
	}
	t.Watchers = []Person{}
	for _, u := range us {
		if p := person(&u); p != nil {
			t.Watchers = append(t.Watchers, *p)
		}
	}
	return nil
}

func (s *Service) fillComments(ctx context.Context, t *Ticket) error {
	cs, err := s.opts.Jira.Comments(ctx, t.Key, jira.CommentOptions{Rendered: true})
	if err != nil {
		return s.jiraError(err, "comments of "+t.Key)
	}
	t.Comments = nil
	for _, c := range cs {
		t.Comments = append(t.Comments, comment(c))
	}
	return nil
}

// parseFields reads fields= (repeatable, comma-separated).
func parseFields(v *errs.Validation, raw []string) extras {
	ex := extras{}
	for _, f := range splitList(raw) {
		if _, ok := findFold(extraFields, f); !ok {
			v.Add("fields", "each must be one of %s", strings.Join(extraFields, ", "))
			continue
		}
		ex[strings.ToLower(f)] = true
	}
	return ex
}

// checkParams refuses query parameters the operation does not know, so a misspelt filter
// is an error rather than silently ignored. "code" is the Functions key.
func checkParams(v *errs.Validation, q map[string][]string, known ...string) {
	for name := range q {
		if name != "code" && !containsString(known, name) {
			v.Add(name, "is not a known query parameter")
		}
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// splitList flattens repeated and comma-separated values.
func splitList(raw []string) []string {
	var out []string
	for _, r := range raw {
		for _, item := range strings.Split(r, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// supportedBoards serves GET /tickets/supported-boards.
func (s *Service) supportedBoards(w http.ResponseWriter) error {
	cfg := s.opts.Config
	out := BoardList{Boards: []BoardInfo{}}
	for _, b := range cfg.Boards {
		out.Boards = append(out.Boards, BoardInfo{Key: b.Key, Name: b.Name, Default: b.Key == cfg.DefaultBoard})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// supportedCategories serves GET /tickets/supported-categories.
func (s *Service) supportedCategories(w http.ResponseWriter) error {
	cfg := s.opts.Config
	out := CategoryList{Categories: append([]string{}, cfg.Categories...), Default: cfg.DefaultCategory}
	writeJSON(w, http.StatusOK, out)
	return nil
}
