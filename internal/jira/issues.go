package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// OriginProperty is the issue (and comment) property that records which mail, or which
// API request, created it, so a retry after a crash can recognise its own work.
const OriginProperty = "mail2jira.origin"

// DefaultFields are the issue fields read unless more are asked for.
var DefaultFields = []string{
	"summary", "description", "labels", "project", "issuetype", "status", "priority",
	"reporter", "assignee", "creator", "created", "updated",
}

// NewIssue is an issue to create.
type NewIssue struct {
	ProjectKey  string
	IssueType   string // name, e.g. "Task"
	Summary     string
	Description *adf.Doc
	Labels      []string
	Priority    string // name; empty leaves Jira's default
	Reporter    string // account id; empty leaves Jira's default (the service account)
	// Properties are stored with the issue atomically (values marshalled as JSON).
	Properties map[string]any
}

// Created names a newly created issue.
type Created struct {
	ID  string
	Key string
}

// IssueOptions selects what reading an issue returns.
type IssueOptions struct {
	// Fields replaces DefaultFields when set; "key" is always returned.
	Fields []string
	// Extra fields on top of the defaults, e.g. "watches", "comment", "attachment".
	Extra []string
	// Rendered asks for renderedFields (HTML).
	Rendered bool
	// Properties are issue property keys to return.
	Properties []string
}

func (o IssueOptions) fields() []string {
	f := o.Fields
	if len(f) == 0 {
		f = DefaultFields
	}
	out := slices.Clone(f)
	for _, x := range o.Extra {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

type property struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
}

func properties(m map[string]any) []property {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]property, 0, len(keys))
	for _, k := range keys {
		out = append(out, property{Key: k, Value: m[k]})
	}
	return out
}

// Create creates an issue. It is never retried: a 429 or 503 comes back as *errs.Throttled,
// and after a timeout or 5xx the issue may or may not exist.
func (c *Client) Create(ctx context.Context, in NewIssue) (Created, error) {
	op := "jira: create issue in " + in.ProjectKey
	fields := map[string]any{
		"project":   map[string]string{"key": in.ProjectKey},
		"issuetype": map[string]string{"name": in.IssueType},
		"summary":   in.Summary,
	}
	if in.Description != nil {
		fields["description"] = in.Description
	}
	if len(in.Labels) > 0 {
		fields["labels"] = in.Labels
	}
	if in.Priority != "" {
		fields["priority"] = map[string]string{"name": in.Priority}
	}
	if in.Reporter != "" {
		fields["reporter"] = map[string]string{"accountId": in.Reporter}
	}
	body := map[string]any{"fields": fields}
	if len(in.Properties) > 0 {
		body["properties"] = properties(in.Properties)
	}
	var out struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	if err := c.raw(ctx, op, false, http.MethodPost, "rest/api/3/issue", nil, body, &out); err != nil {
		return Created{}, err
	}
	return Created{ID: out.ID, Key: out.Key}, nil
}

// GetIssue reads an issue. A deleted issue, or one the account cannot see, is
// errs.ErrNotFound.
func (c *Client) GetIssue(ctx context.Context, key string, o IssueOptions) (Issue, error) {
	op := "jira: get issue " + key
	if err := checkKey(op, key); err != nil {
		return Issue{}, err
	}
	q := url.Values{"fields": {strings.Join(o.fields(), ",")}}
	if o.Rendered {
		q.Set("expand", "renderedFields")
	}
	if len(o.Properties) > 0 {
		q.Set("properties", strings.Join(o.Properties, ","))
	}
	var b issueBean
	if err := c.get(ctx, op, "rest/api/3/issue/"+url.PathEscape(key), q, &b); err != nil {
		return Issue{}, err
	}
	return b.issue(), nil
}

// IssueAttachments lists the files on an issue.
func (c *Client) IssueAttachments(ctx context.Context, key string) ([]Attachment, error) {
	is, err := c.GetIssue(ctx, key, IssueOptions{Fields: []string{"attachment"}})
	if err != nil {
		return nil, err
	}
	return is.Attachments, nil
}

// origin reads the OriginProperty value of an issue or comment.
func origin(props map[string]json.RawMessage) string {
	raw, ok := props[OriginProperty]
	if !ok {
		return ""
	}
	var v originValue
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.Origin
}

// originValue is OriginProperty's JSON value (Jira stores objects best).
type originValue struct {
	Origin string `json:"origin"`
}

// --- mail.Jira ---

// CreateIssue creates the issue for a mail, recording its origin as OriginProperty.
func (c *Client) CreateIssue(ctx context.Context, in mail.NewIssue) (mail.Issue, error) {
	ni := NewIssue{
		ProjectKey: in.ProjectKey, IssueType: in.IssueType, Summary: in.Summary,
		Description: in.Description, Labels: in.Labels, Priority: in.Priority, Reporter: in.Reporter,
	}
	if in.Origin != "" {
		ni.Properties = map[string]any{OriginProperty: originValue{Origin: in.Origin}}
	}
	created, err := c.Create(ctx, ni)
	if err != nil {
		return mail.Issue{}, err
	}
	return mail.Issue{Key: created.Key, Origin: in.Origin, Labels: slices.Clone(in.Labels)}, nil
}

// Issue reads an issue's labels and origin.
func (c *Client) Issue(ctx context.Context, key string) (mail.Issue, error) {
	is, err := c.GetIssue(ctx, key, IssueOptions{Fields: []string{"labels"}, Properties: []string{OriginProperty}})
	if err != nil {
		return mail.Issue{}, err
	}
	return mail.Issue{Key: is.Key, Origin: origin(is.Properties), Labels: is.Labels}, nil
}

// Attachments lists an issue's attachments.
func (c *Client) Attachments(ctx context.Context, key string) ([]mail.JiraAttachment, error) {
	list, err := c.IssueAttachments(ctx, key)
	if err != nil {
		return nil, err
	}
	out := make([]mail.JiraAttachment, 0, len(list))
	for _, a := range list {
		out = append(out, mailAttachment(a))
	}
	return out, nil
}

func mailAttachment(a Attachment) mail.JiraAttachment {
	return mail.JiraAttachment{ID: a.ID, Filename: a.Filename, Size: a.Size, MimeType: a.MimeType, ContentURL: a.ContentURL}
}

// SearchLabel finds the issues carrying a label, with their origin. Search returns no issue
// properties through go-atlassian, so each hit's origin is read from the issue itself; a
// label is a per-thread marker, so hits are few.
func (c *Client) SearchLabel(ctx context.Context, label string) ([]mail.Issue, error) {
	op := "jira: search label"
	if label == "" {
		return nil, fmt.Errorf("%s: %w: empty label", op, errs.ErrInvalid)
	}
	jql := (&Query{}).Labels(label).OrderBy(OrderCreated, false).String()
	var out []mail.Issue
	err := c.SearchAll(ctx, jql, IssueOptions{Fields: []string{"labels"}}, func(is Issue) error {
		got, err := c.Issue(ctx, is.Key)
		if errors.Is(err, errs.ErrNotFound) {
			return nil // deleted since the index saw it
		}
		if err != nil {
			return err
		}
		out = append(out, got)
		return nil
	})
	return out, err
}

// SetIssueProperty stores a property on an issue (PUT: idempotent, so retried on 429/503).
func (c *Client) SetIssueProperty(ctx context.Context, key, prop string, value any) error {
	op := "jira: set property " + prop + " of " + key
	if err := checkKey(op, key); err != nil {
		return err
	}
	if prop == "" || len(prop) > 255 {
		return fmt.Errorf("%s: %w: property key must be 1..255 characters", op, errs.ErrInvalid)
	}
	path := "rest/api/3/issue/" + url.PathEscape(key) + "/properties/" + url.PathEscape(prop)
	return c.raw(ctx, op, true, http.MethodPut, path, nil, value, nil)
}
