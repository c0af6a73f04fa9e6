package jiraemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// internalCommentProperty marks a Jira Service Management comment as internal when its value is
// {"internal": true}:
// https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-post
// https://confluence.atlassian.com/jirakb/how-to-add-an-internal-comment-to-jira-service-management-issue-via-rest-api-1142440521.html
const internalCommentProperty = "sd.public.comment"

// Visibility restricts a comment to a group or project role.
type Visibility struct {
	Type  string // "group" or "role"
	Value string
}

// CommentInput is a comment added through the Go API (as if a person wrote it in Jira).
type CommentInput struct {
	Body       json.RawMessage // ADF document
	Visibility *Visibility
	// Internal makes it a Jira Service Management internal comment (sd.public.comment).
	Internal bool
}

// TextADF wraps plain text in a one-paragraph ADF document.
func TextADF(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"type": "doc", "version": 1,
		"content": []any{map[string]any{"type": "paragraph", "content": []any{map[string]any{"type": "text", "text": text}}}},
	})
	return b
}

// AddComment adds a comment to an issue as the given account and fires comment_created
// webhooks, as when that person comments in Jira. It returns the comment id.
func (e *Emulator) AddComment(key, authorAccountID string, in CommentInput) (string, error) {
	if _, err := parseADF(in.Body); err != nil {
		return "", fmt.Errorf("add comment to %s: %w: %w", key, errs.ErrInvalid, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	is := e.issueLocked(key)
	if is == nil {
		return "", fmt.Errorf("add comment: issue %s: %w", key, errs.ErrNotFound)
	}
	if e.userLocked(authorAccountID) == nil {
		return "", fmt.Errorf("add comment: user %s: %w", authorAccountID, errs.ErrNotFound)
	}
	c := &comment{issue: is, author: authorAccountID, body: in.Body}
	if in.Visibility != nil {
		c.visibility = &visibility{Type: in.Visibility.Type, Value: in.Visibility.Value}
	}
	if in.Internal {
		setProp(&c.propKeys, &c.props, internalCommentProperty, json.RawMessage(`{"internal":true}`))
	}
	e.addCommentLocked(is, c)
	return strconv.Itoa(c.id), nil
}

func (e *Emulator) addCommentLocked(is *issue, c *comment) {
	c.id = e.newIDLocked()
	c.created = e.opts.Now()
	c.updated = c.created
	is.comments = append(is.comments, c)
	is.updated = c.created
	e.fireLocked("comment_created", is, c)
}

type commentRequest struct {
	Body       json.RawMessage `json:"body"`
	Visibility *visibility     `json:"visibility"`
	Properties []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"properties"`
}

// handleAddComment implements POST /rest/api/3/issue/{issueIdOrKey}/comment:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post
func (e *Emulator) handleAddComment(w http.ResponseWriter, r *http.Request, caller *User) {
	var req commentRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, []string{"Invalid request payload. Refer to the REST API documentation and try again."}, nil)
		return
	}
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	if !caller.has(PermAddComments) {
		writeErrors(w, http.StatusForbidden, []string{"You do not have the permission to comment on this issue."}, nil)
		return
	}
	if status, msgs, fields := validateCommentBody(req.Body); status != 0 {
		writeErrors(w, status, msgs, fields)
		return
	}
	if v := req.Visibility; v != nil {
		if (v.Type != "group" && v.Type != "role") || v.Value == "" {
			writeErrors(w, http.StatusBadRequest, nil, map[string]string{"commentLevel": "Visibility type must be 'group' or 'role' with a value."})
			return
		}
		if !caller.inGroup(v.Value) {
			writeErrors(w, http.StatusBadRequest, nil, map[string]string{"commentLevel": fmt.Sprintf("You are currently not a member of the %s: %s.", v.Type, v.Value)})
			return
		}
	}
	c := &comment{issue: is, author: caller.AccountID, body: slices.Clone(req.Body), visibility: req.Visibility}
	for _, p := range req.Properties {
		setProp(&c.propKeys, &c.props, p.Key, p.Value)
	}
	e.addCommentLocked(is, c)
	writeJSON(w, http.StatusCreated, e.commentJSONLocked(base, c, splitList(r.URL.Query().Get("expand"))))
}

// validateCommentBody returns a non-zero status with Jira's error when the body is refused.
func validateCommentBody(body json.RawMessage) (int, []string, map[string]string) {
	if body == nil || string(body) == "null" {
		return http.StatusBadRequest, nil, map[string]string{"comment": "Comment body can not be empty!"}
	}
	_, err := parseADF(body)
	switch {
	case errors.Is(err, errNotADF):
		return http.StatusBadRequest, nil, map[string]string{"comment": "Comment body is not valid!"}
	case err != nil:
		return http.StatusBadRequest, []string{"INVALID_INPUT"}, nil
	case adfLength(body) > maxTextLength:
		return http.StatusBadRequest, nil, map[string]string{"comment": "The entered text is too long. It exceeds the allowed limit of 32,767 characters."}
	}
	return 0, nil, nil
}

// canSee applies comment visibility: restricted comments are hidden from non-members.
func (c *comment) canSee(u *User) bool {
	return c.visibility == nil || (u != nil && (u.AccountID == c.author || u.inGroup(c.visibility.Value)))
}

func (c *comment) public() bool {
	var v struct {
		Internal bool `json:"internal"`
	}
	raw, ok := c.props[internalCommentProperty]
	return !ok || json.Unmarshal(raw, &v) != nil || !v.Internal
}

func (e *Emulator) commentJSONLocked(base string, c *comment, expand []string) map[string]any {
	m := map[string]any{
		"self":         base + "/rest/api/3/issue/" + strconv.Itoa(c.issue.id) + "/comment/" + strconv.Itoa(c.id),
		"id":           strconv.Itoa(c.id),
		"author":       e.userRefLocked(base, c.author),
		"updateAuthor": e.userRefLocked(base, c.author),
		"body":         c.body,
		"created":      jiraTime(c.created),
		"updated":      jiraTime(c.updated),
		"jsdPublic":    c.public(),
	}
	if c.visibility != nil {
		m["visibility"] = map[string]any{"type": c.visibility.Type, "value": c.visibility.Value, "identifier": c.visibility.Value}
	}
	if slices.Contains(expand, "renderedBody") {
		m["renderedBody"] = e.renderer(base).render(c.body)
	}
	if slices.Contains(expand, "properties") {
		props := make([]any, 0, len(c.propKeys))
		for _, k := range c.propKeys {
			props = append(props, map[string]any{"key": k, "value": c.props[k]})
		}
		m["properties"] = props
	}
	return m
}

func (e *Emulator) commentPageLocked(base string, is *issue, caller *User, expand []string, startAt, maxResults int) map[string]any {
	var visible []*comment
	for _, c := range is.comments {
		if c.canSee(caller) {
			visible = append(visible, c)
		}
	}
	startAt = min(max(startAt, 0), len(visible))
	end := min(startAt+maxResults, len(visible))
	list := make([]any, 0, end-startAt)
	for _, c := range visible[startAt:end] {
		list = append(list, e.commentJSONLocked(base, c, expand))
	}
	return map[string]any{"comments": list, "startAt": startAt, "maxResults": maxResults, "total": len(visible)}
}

// handleGetComments implements GET /rest/api/3/issue/{issueIdOrKey}/comment.
func (e *Emulator) handleGetComments(w http.ResponseWriter, r *http.Request, caller *User) {
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults := 5000
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
		maxResults = min(m, 5000)
	}
	orderBy := q.Get("orderBy")
	if orderBy != "" && strings.TrimLeft(orderBy, "+-") != "created" {
		writeErrors(w, http.StatusBadRequest, []string{"Invalid orderBy value. Only 'created' is supported."}, nil)
		return
	}
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	page := e.commentPageLocked(base, is, caller, splitList(q.Get("expand")), startAt, maxResults)
	if strings.HasPrefix(orderBy, "-") {
		list := page["comments"].([]any)
		slices.Reverse(list)
	}
	writeJSON(w, http.StatusOK, page)
}

func (e *Emulator) commentLocked(is *issue, id string) *comment {
	for _, c := range is.comments {
		if strconv.Itoa(c.id) == id {
			return c
		}
	}
	return nil
}

func (e *Emulator) commentByIDLocked(id string) *comment {
	for _, is := range e.issues {
		if c := e.commentLocked(is, id); c != nil {
			return c
		}
	}
	return nil
}

// handleGetComment implements GET /rest/api/3/issue/{issueIdOrKey}/comment/{id}.
func (e *Emulator) handleGetComment(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	c := e.commentLocked(is, r.PathValue("id"))
	if c == nil || !c.canSee(caller) {
		writeErrors(w, http.StatusNotFound, []string{"Can not find a comment for the id: " + r.PathValue("id") + "."}, nil)
		return
	}
	writeJSON(w, http.StatusOK, e.commentJSONLocked(base, c, splitList(r.URL.Query().Get("expand"))))
}

// handleCommentProperty serves GET and PUT /rest/api/3/comment/{commentId}/properties/{propertyKey}:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comment-properties/
func (e *Emulator) handleCommentProperty(w http.ResponseWriter, r *http.Request, caller *User) {
	var body json.RawMessage
	if r.Method == http.MethodPut {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeErrors(w, http.StatusBadRequest, []string{"The property value must be valid JSON."}, nil)
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.commentByIDLocked(r.PathValue("id"))
	if c == nil || !c.canSee(caller) || !caller.has(PermBrowseProjects) {
		writeErrors(w, http.StatusNotFound, []string{"Can not find a comment for the id: " + r.PathValue("id") + "."}, nil)
		return
	}
	key := r.PathValue("prop")
	if r.Method == http.MethodPut {
		if existed := setProp(&c.propKeys, &c.props, key, body); existed {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
		return
	}
	v, ok := c.props[key]
	if !ok {
		writeErrors(w, http.StatusNotFound, []string{"The property with key '" + key + "' does not exist."}, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "value": v})
}
