package jira

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// commentPageSize is how many comments one page of the listing asks for.
const commentPageSize = 100

// maxComments bounds a listing (Jira itself caps an issue at 5,000 comments).
const maxComments = 10_000

// NewComment is a comment to add.
type NewComment struct {
	Body       *adf.Doc
	Visibility *Visibility // nil: visible to everyone who can see the issue
	// Properties are stored with the comment atomically (values marshalled as JSON).
	Properties map[string]any
}

// CommentOptions selects what reading comments returns.
type CommentOptions struct {
	Rendered   bool // renderedBody (HTML)
	Properties bool // the comment's properties
}

func (o CommentOptions) expand() string {
	var e []string
	if o.Rendered {
		e = append(e, "renderedBody")
	}
	if o.Properties {
		e = append(e, "properties")
	}
	return strings.Join(e, ",")
}

// PostComment adds a comment. It is never retried: a 429 or 503 comes back as
// *errs.Throttled.
func (c *Client) PostComment(ctx context.Context, key string, in NewComment) (Comment, error) {
	op := "jira: add comment to " + key
	if err := checkKey(op, key); err != nil {
		return Comment{}, err
	}
	if in.Body == nil {
		return Comment{}, fmt.Errorf("%s: %w: empty body", op, errs.ErrInvalid)
	}
	body := map[string]any{"body": in.Body}
	if in.Visibility != nil {
		body["visibility"] = in.Visibility
	}
	if len(in.Properties) > 0 {
		body["properties"] = properties(in.Properties)
	}
	var b commentBean
	path := "rest/api/3/issue/" + url.PathEscape(key) + "/comment"
	if err := c.raw(ctx, op, false, http.MethodPost, path, nil, body, &b); err != nil {
		return Comment{}, err
	}
	return b.comment(), nil
}

// Comment reads one comment of an issue.
func (c *Client) Comment(ctx context.Context, key, id string, o CommentOptions) (Comment, error) {
	op := "jira: get comment " + id + " of " + key
	if err := checkKey(op, key); err != nil {
		return Comment{}, err
	}
	if err := checkID(op, "comment", id); err != nil {
		return Comment{}, err
	}
	q := url.Values{}
	if e := o.expand(); e != "" {
		q.Set("expand", e)
	}
	var b commentBean
	if err := c.get(ctx, op, "rest/api/3/issue/"+url.PathEscape(key)+"/comment/"+id, q, &b); err != nil {
		return Comment{}, err
	}
	return b.comment(), nil
}

// Comments lists an issue's comments, oldest first, every page.
func (c *Client) Comments(ctx context.Context, key string, o CommentOptions) ([]Comment, error) {
	op := "jira: list comments of " + key
	if err := checkKey(op, key); err != nil {
		return nil, err
	}
	var out []Comment
	for start := 0; start < maxComments; {
		q := url.Values{
			"startAt": {strconv.Itoa(start)}, "maxResults": {strconv.Itoa(commentPageSize)}, "orderBy": {"created"},
		}
		if e := o.expand(); e != "" {
			q.Set("expand", e)
		}
		var page commentPageBean
		if err := c.get(ctx, op, "rest/api/3/issue/"+url.PathEscape(key)+"/comment", q, &page); err != nil {
			return nil, err
		}
		for _, b := range page.Comments {
			out = append(out, b.comment())
		}
		start += len(page.Comments)
		if len(page.Comments) == 0 || start >= page.Total {
			return out, nil
		}
	}
	return out, nil
}

// --- mail.Jira ---

// AddComment adds a mail's comment, recording its origin as OriginProperty.
func (c *Client) AddComment(ctx context.Context, key string, nc mail.NewComment) (string, error) {
	in := NewComment{Body: nc.Body}
	if nc.Origin != "" {
		in.Properties = map[string]any{OriginProperty: originValue{Origin: nc.Origin}}
	}
	cm, err := c.PostComment(ctx, key, in)
	if err != nil {
		return "", err
	}
	return cm.ID, nil
}

// CommentByOrigin finds the comment recorded with origin by reading the comments
// (not the search index, which lags), or fails with errs.ErrNotFound.
func (c *Client) CommentByOrigin(ctx context.Context, key, orig string) (string, error) {
	list, err := c.Comments(ctx, key, CommentOptions{Properties: true})
	if err != nil {
		return "", err
	}
	for _, cm := range list {
		if orig != "" && origin(cm.Properties) == orig {
			return cm.ID, nil
		}
	}
	return "", fmt.Errorf("jira: comment with origin on %s: %w", key, errs.ErrNotFound)
}
