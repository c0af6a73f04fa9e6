package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/logging"
)

// board resolves a configured board key to its Jira board (and so its project), once per
// process: boards are renamed or moved rarely, and a restart picks that up.
func (s *Service) board(ctx context.Context, key string) (jira.Board, error) {
	s.mu.Lock()
	b, ok := s.boards[key]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	cb, ok := s.opts.Config.Board(key)
	if !ok {
		return jira.Board{}, fmt.Errorf("board %q is not configured", key)
	}
	b, err := s.opts.Jira.BoardByName(ctx, cb.Name)
	if errors.Is(err, errs.ErrThrottled) || errors.Is(err, errs.ErrUnavailable) {
		return jira.Board{}, fmt.Errorf("resolve board %s (%q): %w", key, cb.Name, err)
	}
	if err != nil {
		// A configured board Jira does not have is the operator's problem, not the
		// client's: no sentinel, so the client sees a 500 and the log says why.
		return jira.Board{}, fmt.Errorf("resolve board %s (%q): %v", key, cb.Name, err)
	}
	s.mu.Lock()
	s.boards[key] = b
	s.mu.Unlock()
	return b, nil
}

// boardRef is a configured board with what Jira says about it.
type boardRef struct {
	Key string
	jira.Board
}

// allBoards resolves the boards named by keys, or every configured board when keys is
// empty. Asked for every board, it leaves out (and logs) one Jira does not have, so one
// misconfigured board does not take the whole API down; a board asked for by name fails.
func (s *Service) allBoards(ctx context.Context, keys []string) ([]boardRef, error) {
	all := len(keys) == 0
	if all {
		keys = s.boardKeys()
	}
	out := make([]boardRef, 0, len(keys))
	for _, k := range keys {
		b, err := s.board(ctx, k)
		switch {
		case err == nil:
			out = append(out, boardRef{Key: k, Board: b})
		case all && !errors.Is(err, errs.ErrThrottled) && !errors.Is(err, errs.ErrUnavailable):
			logging.From(ctx).Warn("board left out", "board", k, "err", err)
		default:
			return nil, err
		}
	}
	return out, nil
}

// owned reports whether the service owns an issue: it carries every configured label and
// lives in a configured board's project.
func (s *Service) owned(ctx context.Context, is jira.Issue) (bool, error) {
	for _, l := range s.opts.Config.Labels {
		if !slices.ContainsFunc(is.Labels, func(x string) bool { return strings.EqualFold(x, l) }) {
			return false, nil
		}
	}
	boards, err := s.allBoards(ctx, nil)
	if err != nil {
		return false, err
	}
	return boardOf(boards, is.Project.Key) != "", nil
}

// ticket shapes an issue for a response.
func (s *Service) ticket(is jira.Issue, boards []boardRef) Ticket {
	cfg := s.opts.Config
	t := Ticket{
		Key: is.Key, ID: is.ID, URL: s.link(is.Key), JiraURL: s.opts.Jira.BrowseURL(is.Key),
		Title: is.Summary, Description: is.Description, Project: is.Project.Key, Type: is.IssueType,
		Status: is.Status, StatusCategory: is.StatusCategory, Priority: is.Priority,
		Labels: is.Labels, Reporter: person(is.Reporter), Assignee: person(is.Assignee),
		Created: is.Created, Updated: is.Updated,
	}
	if t.Labels == nil {
		t.Labels = []string{}
	}
	if len(t.Description) == 0 {
		t.Description = json.RawMessage("null")
	}
	if h, ok := is.Rendered["description"]; ok {
		t.DescriptionHTML = &h
	}
	t.Board = boardOf(boards, is.Project.Key)
	for _, l := range is.Labels {
		if c, ok := findFold(cfg.Categories, l); ok {
			t.Category = c
			break
		}
	}
	for _, a := range is.Attachments {
		t.Attachments = append(t.Attachments, attachment(a))
	}
	for _, c := range is.Comments {
		t.Comments = append(t.Comments, comment(c))
	}
	return t
}

// link is where people open a ticket: the support portal when TICKET_CLIENT_APP is set
// (the key appended, as in the acknowledgement mails), else Jira.
func (s *Service) link(key string) string {
	if app := s.opts.Config.TicketClientApp; app != "" {
		return app + key
	}
	return s.opts.Jira.BrowseURL(key)
}

// boardOf names the board whose project holds an issue, "" when none does.
func boardOf(boards []boardRef, project string) string {
	for _, b := range boards {
		if strings.EqualFold(b.Project.Key, project) {
			return b.Key
		}
	}
	return ""
}

func findFold(list []string, s string) (string, bool) {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return v, true
		}
	}
	return "", false
}
