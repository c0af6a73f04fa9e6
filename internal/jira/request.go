package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"
)

// raw sends a request go-atlassian's services cannot express through its own client
// (NewRequest sets auth and headers, Call checks the status) and decodes the answer into
// out when out is not nil. path is relative to the site and already escaped.
func (c *Client) raw(ctx context.Context, op string, safe bool, method, path string, query url.Values, body, out any) error {
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	res, err := c.call(ctx, op, safe, func() (*models.ResponseScheme, error) {
		req, err := c.api.NewRequest(ctx, method, path, "", body)
		if err != nil {
			return nil, err
		}
		return c.api.Call(req, nil)
	})
	if err != nil {
		return err
	}
	return decode(op, res, out)
}

// decode reads a response's raw bytes into out, so fields go-atlassian's models drop
// (properties, ADF attributes) survive.
func decode(op string, res *models.ResponseScheme, out any) error {
	if out == nil || res == nil {
		return nil
	}
	if err := json.Unmarshal(res.Bytes.Bytes(), out); err != nil {
		return fmt.Errorf("%s: unexpected response: %v", op, err)
	}
	return nil
}

func (c *Client) get(ctx context.Context, op, path string, query url.Values, out any) error {
	return c.raw(ctx, op, true, http.MethodGet, path, query, nil, out)
}
