package api

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Input limits. Titles follow Jira's summary limit; bodies leave room in Jira's 32,767
// character document limit for the From:/Cc: lines the service adds.
const (
	minText     = 5
	maxTitle    = 255
	maxBody     = 30000
	maxWatchers = 20
	maxQuery    = 200
)

// createRequest is the body of POST /tickets, JSON or multipart.
type createRequest struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"`
	BodyFormat string   `json:"bodyFormat"`
	Reporter   string   `json:"reporter"`
	Board      string   `json:"board"`
	Category   string   `json:"category"`
	Watchers   []string `json:"watchers"`
	Priority   string   `json:"priority"`
}

// commentRequest is the body of POST /tickets/{key}/comments.
type commentRequest struct {
	Body       string `json:"body"`
	BodyFormat string `json:"bodyFormat"`
	Author     string `json:"author"`
}

// validateCreate checks every field, fills the defaults from the configuration and reports
// all problems at once.
func (s *Service) validateCreate(in createRequest) (createRequest, error) {
	cfg := s.opts.Config
	v := &errs.Validation{}
	in.Title = strings.Join(strings.Fields(in.Title), " ")
	checkText(v, "title", in.Title, minText, maxTitle)
	checkText(v, "body", strings.TrimSpace(in.Body), minText, maxBody)
	in.BodyFormat = checkFormat(v, in.BodyFormat)
	in.Reporter = checkEmail(v, "reporter", in.Reporter, true)
	if in.Board = strings.TrimSpace(in.Board); in.Board == "" {
		in.Board = cfg.DefaultBoard
	}
	if _, ok := cfg.Board(in.Board); !ok {
		v.Add("board", "must be one of the supported boards (%s)", strings.Join(s.boardKeys(), ", "))
	}
	in.Category = s.checkCategory(v, in.Category)
	if len(in.Watchers) > maxWatchers {
		v.Add("watchers", "at most %d addresses", maxWatchers)
	}
	for i, w := range in.Watchers {
		in.Watchers[i] = checkEmail(v, "watchers", w, true)
	}
	switch p := strings.ToLower(strings.TrimSpace(in.Priority)); p {
	case "", "low", "high":
		in.Priority = p
	default:
		v.Add("priority", "must be low or high")
	}
	return in, v.Err()
}

func (s *Service) checkCategory(v *errs.Validation, c string) string {
	cfg := s.opts.Config
	if c = strings.TrimSpace(c); c == "" {
		return cfg.DefaultCategory
	}
	if found, ok := findFold(cfg.Categories, c); ok {
		return found
	}
	if len(cfg.Categories) == 0 {
		v.Add("category", "no categories are configured")
	} else {
		v.Add("category", "must be one of the supported categories (%s)", strings.Join(cfg.Categories, ", "))
	}
	return c
}

// validateComment checks a comment request.
func validateComment(in commentRequest) (commentRequest, error) {
	v := &errs.Validation{}
	checkText(v, "body", strings.TrimSpace(in.Body), 1, maxBody)
	in.BodyFormat = checkFormat(v, in.BodyFormat)
	in.Author = checkEmail(v, "author", in.Author, true)
	return in, v.Err()
}

func checkText(v *errs.Validation, name, s string, minLen, maxLen int) {
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		v.Add(name, "is required")
	case n < minLen:
		v.Add(name, "must be at least %d characters", minLen)
	case n > maxLen:
		v.Add(name, "must be at most %d characters", maxLen)
	}
}

func checkFormat(v *errs.Validation, f string) string {
	switch f = strings.ToLower(strings.TrimSpace(f)); f {
	case "", "text":
		return "text"
	case "html":
		return f
	}
	v.Add("bodyFormat", "must be text or html")
	return f
}

// checkEmail accepts a bare address (no display name), returned lower-case.
func checkEmail(v *errs.Validation, name, s string, required bool) string {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			v.Add(name, "is required")
		}
		return s
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		v.Add(name, "must be an email address such as someone@example.com")
		return s
	}
	return strings.ToLower(s)
}

func (s *Service) boardKeys() []string {
	out := make([]string, 0, len(s.opts.Config.Boards))
	for _, b := range s.opts.Config.Boards {
		out = append(out, b.Key)
	}
	return out
}
