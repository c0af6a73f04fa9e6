package jira

import (
	"context"
	"fmt"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// AddWatcher adds an account as a watcher (the body is the account id as a JSON string).
// Adding someone else needs "Manage watchers": errs.ErrForbidden without it. It is not
// retried: a 429 or 503 comes back as *errs.Throttled.
func (c *Client) AddWatcher(ctx context.Context, key, accountID string) error {
	op := "jira: add watcher to " + key
	if err := checkKey(op, key); err != nil {
		return err
	}
	if accountID == "" {
		return fmt.Errorf("%s: %w: empty account id", op, errs.ErrInvalid)
	}
	_, err := c.call(ctx, op, false, func() (*models.ResponseScheme, error) {
		return c.api.Issue.Watcher.Add(ctx, key, accountID)
	})
	return err
}

// Watchers lists an issue's watchers.
func (c *Client) Watchers(ctx context.Context, key string) ([]User, error) {
	op := "jira: list watchers of " + key
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	res, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		_, res, err := c.api.Issue.Watcher.Gets(ctx, key)
		return res, err
	})
	if err != nil {
		return nil, err
	}
	var w struct {
		Watchers []userBean `json:"watchers"`
	}
	if err := decode(op, res, &w); err != nil {
		return nil, err
	}
	out := make([]User, 0, len(w.Watchers))
	for i := range w.Watchers {
		if u := w.Watchers[i].user(); u != nil {
			out = append(out, *u)
		}
	}
	return out, nil
}
