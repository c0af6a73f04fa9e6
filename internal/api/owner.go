package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/jira"
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
	if err != nil {
		return jira.Board{}, fmt.Errorf("resolve board %s (%q): %w", key, cb.Name, err)
	}
	s.mu.Lock()
	s.boards[key] = b
	s.mu.Unlock()
	return b, nil
}

// allBoards resolves every configured board, in configuration order.
func (s *Service) allBoards(ctx context.Context, keys []string) ([]jira.Board, error) {
	if len(keys) == 0 {
		for _, b := range s.opts.Config.Boards {
			keys = append(keys, b.Key)
		}
	}
	out := make([]jira.Board, 0, len(keys))
	for _, k := range keys {
		b, err := s.board(ctx, k)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
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
	return slices.ContainsFunc(boards, func(b jira.Board) bool { return strings.EqualFold(b.Project.Key, is.Project.Key) }), nil
}

// ticket shapes an issue for a response.
func (s *Service) ticket(is jira.Issue, boards []jira.Board) Ticket {
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
	t.Board = boardOf(cfg, boards, is.Project.Key)
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

func boardOf(cfg *config.Config, boards []jira.Board, project string) string {
	for i, b := range boards {
		if strings.EqualFold(b.Project.Key, project) && i < len(cfg.Boards) {
			return cfg.Boards[i].Key
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
