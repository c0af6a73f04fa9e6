package jira

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// boardPageSize is the agile API's largest page.
const boardPageSize = 50

// maxBoardPages bounds the board listing.
const maxBoardPages = 40

// BoardByName finds the board with exactly this name (any case) and returns it with the
// project it lives in (its location) and its filter. Tickets are created in that project, so
// a board whose filter spans several projects is refused with errs.ErrInvalid (the caller
// reports it at start-up), as are a board that no project holds and a name two boards share.
// https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/
func (c *Client) BoardByName(ctx context.Context, name string) (Board, error) {
	op := "jira: board " + strconv.Quote(name)
	if strings.TrimSpace(name) == "" {
		return Board{}, fmt.Errorf("%s: %w: empty board name", op, errs.ErrInvalid)
	}
	b, err := c.findBoard(ctx, op, name)
	if err != nil {
		return Board{}, err
	}
	board := Board{ID: b.ID, Name: b.Name, Type: b.Type}
	if b.Location == nil || b.Location.ProjectKey == "" {
		return Board{}, fmt.Errorf("%s: %w: the board is not located in a project", op, errs.ErrInvalid)
	}
	board.Project = Project{ID: strconv.Itoa(b.Location.ProjectID), Key: b.Location.ProjectKey, Name: b.Location.ProjectName}
	if err := c.boardFilter(ctx, op, &board); err != nil {
		return Board{}, err
	}
	if err := c.singleProject(ctx, op, board); err != nil {
		return Board{}, err
	}
	return board, nil
}

// findBoard pages through the boards whose name contains name (the API's filter) and keeps
// the exact match.
func (c *Client) findBoard(ctx context.Context, op, name string) (*models.BoardScheme, error) {
	var match []*models.BoardScheme
	for page, start := 0, 0; page < maxBoardPages; page++ {
		var list *models.BoardPageScheme
		_, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
			var res *models.ResponseScheme
			var err error
			list, res, err = c.agile.Board.Gets(ctx, &models.GetBoardsOptions{BoardName: name}, start, boardPageSize)
			return res, err
		})
		if err != nil {
			return nil, err
		}
		for _, b := range list.Values {
			if b != nil && strings.EqualFold(strings.TrimSpace(b.Name), strings.TrimSpace(name)) {
				match = append(match, b)
			}
		}
		start += len(list.Values)
		if list.IsLast || len(list.Values) == 0 {
			break
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("%s: %w: no board has that name, or the account cannot see it", op, errs.ErrNotFound)
	case 1:
		return match[0], nil
	default:
		return nil, fmt.Errorf("%s: %w: %d boards have that name", op, errs.ErrInvalid, len(match))
	}
}

// boardFilter reads the board's filter id (configuration) and its JQL.
func (c *Client) boardFilter(ctx context.Context, op string, b *Board) error {
	var conf *models.BoardConfigurationScheme
	_, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		var res *models.ResponseScheme
		var err error
		conf, res, err = c.agile.Board.Configuration(ctx, b.ID)
		return res, err
	})
	if err != nil {
		return err
	}
	if conf.Filter == nil || conf.Filter.ID == "" {
		return fmt.Errorf("%s: %w: the board has no filter", op, errs.ErrInvalid)
	}
	b.FilterID = conf.Filter.ID
	id, err := strconv.Atoi(b.FilterID)
	if err != nil {
		return fmt.Errorf("%s: unexpected filter id %q", op, b.FilterID)
	}
	var f *models.FilterScheme
	_, err = c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		var res *models.ResponseScheme
		var err error
		f, res, err = c.api.Filter.Get(ctx, id, nil)
		return res, err
	})
	if err != nil {
		return err
	}
	b.FilterJQL = f.JQL
	return nil
}

// singleProject refuses a board whose filter selects issues of several projects.
func (c *Client) singleProject(ctx context.Context, op string, b Board) error {
	var page *models.BoardProjectPageScheme
	_, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		var res *models.ResponseScheme
		var err error
		page, res, err = c.agile.Board.Projects(ctx, b.ID, 0, boardPageSize)
		return res, err
	})
	if err != nil {
		return err
	}
	var keys []string
	for _, p := range page.Values {
		if p != nil {
			keys = append(keys, p.Key)
		}
	}
	if len(keys) > 1 || (len(keys) == 1 && !strings.EqualFold(keys[0], b.Project.Key)) {
		return fmt.Errorf("%s: %w: the board spans projects %s; tickets need one project (%s)",
			op, errs.ErrInvalid, strings.Join(keys, ", "), b.Project.Key)
	}
	return nil
}
