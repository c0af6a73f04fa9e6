package jiraemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// createIssueRequest is the body of POST /rest/api/3/issue:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
type createIssueRequest struct {
	Fields     map[string]json.RawMessage `json:"fields"`
	Update     map[string]json.RawMessage `json:"update"`
	Properties []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"properties"`
}

type ref struct {
	ID        string `json:"id"`
	Key       string `json:"key"`
	Name      string `json:"name"`
	AccountID string `json:"accountId"`
}

// cannotSet is Jira's answer for a field the caller may not set or that is not on the screen.
func cannotSet(field string) string {
	return fmt.Sprintf("Field '%s' cannot be set. It is not on the appropriate screen, or unknown.", field)
}

func (e *Emulator) handleCreateIssue(w http.ResponseWriter, r *http.Request, caller *User) {
	var req createIssueRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Fields == nil {
		writeErrors(w, http.StatusBadRequest, []string{"Unexpected character or missing 'fields' in the request body."}, nil)
		return
	}
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	is, fieldErrs, msgs := e.buildIssueLocked(req, caller)
	if len(fieldErrs) > 0 || len(msgs) > 0 {
		writeErrors(w, http.StatusBadRequest, msgs, fieldErrs)
		return
	}
	for _, p := range req.Properties {
		setProp(&is.propKeys, &is.props, p.Key, p.Value)
	}
	e.keyCounters[is.project.Key]++
	is.id = e.newIDLocked()
	is.key = fmt.Sprintf("%s-%d", is.project.Key, e.keyCounters[is.project.Key])
	e.issues = append(e.issues, is)
	writeJSON(w, http.StatusCreated, map[string]any{
		"id": strconv.Itoa(is.id), "key": is.key, "self": base + "/rest/api/3/issue/" + strconv.Itoa(is.id),
	})
}

// buildIssueLocked validates the create request field by field, collecting every error the
// way Jira reports them together.
func (e *Emulator) buildIssueLocked(req createIssueRequest, caller *User) (*issue, map[string]string, []string) {
	errs := map[string]string{}
	now := e.opts.Now()
	is := &issue{
		creator: caller.AccountID, reporter: caller.AccountID, created: now, updated: now,
		status: e.statuses[0], props: map[string]json.RawMessage{},
	}
	is.priority, _ = e.priorityLocked("3", "")
	for name := range req.Fields {
		switch name {
		case "project", "issuetype", "summary", "description", "labels", "priority", "reporter", "assignee":
		default:
			errs[name] = cannotSet(name)
		}
	}
	var pr ref
	if json.Unmarshal(req.Fields["project"], &pr) != nil || e.projectLocked(firstNonEmpty(pr.ID, pr.Key)) == nil {
		errs["project"] = "Specify a valid project ID or key"
	} else {
		is.project = e.projectLocked(firstNonEmpty(pr.ID, pr.Key))
		if !caller.has(PermCreateIssues) || !caller.has(PermBrowseProjects) {
			errs["project"] = "You do not have permission to create issues in this project."
		}
	}
	var it ref
	if json.Unmarshal(req.Fields["issuetype"], &it) != nil {
		errs["issuetype"] = "Specify an issue type"
	} else if t, ok := e.issueTypeLocked(it.ID, it.Name); !ok {
		errs["issuetype"] = "Specify a valid issue type"
	} else {
		is.issueType = t
	}
	e.summaryField(req.Fields["summary"], is, errs)
	e.descriptionField(req.Fields["description"], is, errs)
	e.labelsField(req.Fields["labels"], is, errs)
	if raw, ok := req.Fields["priority"]; ok {
		var p ref
		if json.Unmarshal(raw, &p) != nil {
			errs["priority"] = "Specify a valid 'id' or 'name' for Priority"
		} else if pv, ok := e.priorityLocked(p.ID, p.Name); !ok {
			errs["priority"] = "Specify a valid 'id' or 'name' for Priority"
		} else {
			is.priority = pv
		}
	}
	e.userField("reporter", req.Fields, caller, &is.reporter, errs)
	e.userField("assignee", req.Fields, caller, &is.assignee, errs)
	// Jira's autowatch adds the creator and the reporter as watchers by default:
	// https://support.atlassian.com/jira-software-cloud/docs/what-is-autowatch/
	is.watchers = appendUnique(is.watchers, is.creator)
	is.watchers = appendUnique(is.watchers, is.reporter)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	if is.description != nil {
		if _, err := parseADF(is.description); err != nil {
			// A well-formed doc that breaks ADF's schema is refused without naming the field.
			return nil, nil, []string{"INVALID_INPUT"}
		}
	}
	return is, nil, nil
}

func (e *Emulator) summaryField(raw json.RawMessage, is *issue, errs map[string]string) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
		if raw != nil && json.Unmarshal(raw, &s) != nil {
			errs["summary"] = "Operation value must be a string"
			return
		}
		errs["summary"] = "You must specify a summary of the issue."
		return
	}
	switch {
	case utf8.RuneCountInString(s) > 255:
		errs["summary"] = "Summary must be less than 255 characters."
	case strings.ContainsAny(s, "\r\n"):
		errs["summary"] = "The summary is invalid because it contains newline characters."
	default:
		is.summary = s
	}
}

func (e *Emulator) descriptionField(raw json.RawMessage, is *issue, errs map[string]string) {
	if raw == nil || string(raw) == "null" {
		return
	}
	if _, err := parseADF(raw); errors.Is(err, errNotADF) {
		errs["description"] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
		return
	}
	if adfLength(raw) > maxTextLength {
		errs["description"] = "The entered text is too long. It exceeds the allowed limit of 32,767 characters."
		return
	}
	is.description = slices.Clone(raw)
}

func (e *Emulator) labelsField(raw json.RawMessage, is *issue, errs map[string]string) {
	if raw == nil {
		return
	}
	var labels []string
	if json.Unmarshal(raw, &labels) != nil {
		errs["labels"] = "Operation value must be a string"
		return
	}
	for _, l := range labels {
		switch {
		case l == "":
			errs["labels"] = "The label must not be empty."
		case strings.ContainsAny(l, " \t\r\n"):
			errs["labels"] = fmt.Sprintf("The label '%s' contains spaces which is invalid.", l)
		case utf8.RuneCountInString(l) > 255:
			errs["labels"] = "The label must not exceed 255 characters."
		default:
			is.labels = appendUnique(is.labels, l)
		}
	}
}

// userField sets reporter or assignee; the reporter needs the Modify Reporter permission:
// https://support.atlassian.com/jira-cloud-administration/docs/manage-project-permissions/
func (e *Emulator) userField(name string, fields map[string]json.RawMessage, caller *User, dst *string, errs map[string]string) {
	raw, ok := fields[name]
	if !ok {
		return
	}
	if name == "reporter" && !caller.has(PermModifyReporter) {
		errs[name] = cannotSet(name)
		return
	}
	if name == "assignee" && !caller.has(PermAssignIssues) {
		errs[name] = cannotSet(name)
		return
	}
	if string(raw) == "null" {
		*dst = ""
		return
	}
	var u ref
	if json.Unmarshal(raw, &u) != nil || e.userLocked(u.AccountID) == nil {
		errs[name] = fmt.Sprintf("Specify a valid value for %s", name)
		return
	}
	*dst = u.AccountID
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func setProp(keys *[]string, props *map[string]json.RawMessage, key string, value json.RawMessage) bool {
	if *props == nil {
		*props = map[string]json.RawMessage{}
	}
	_, existed := (*props)[key]
	if !existed {
		*keys = append(*keys, key)
	}
	(*props)[key] = slices.Clone(value)
	return existed
}

// --- get and delete ---

func (e *Emulator) handleGetIssue(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	sel := parseFieldSelection(r.URL.Query().Get("fields"), true)
	expand := splitList(r.URL.Query().Get("expand"))
	out := e.issueJSONLocked(base, is, sel, expand, caller)
	addProperties(out, is, splitList(r.URL.Query().Get("properties")))
	writeJSON(w, http.StatusOK, out)
}

// writeIssueNotFound is Jira's answer for an issue that does not exist or cannot be seen.
func writeIssueNotFound(w http.ResponseWriter) {
	writeErrors(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
}

func (e *Emulator) handleDeleteIssue(w http.ResponseWriter, r *http.Request, caller *User) {
	e.mu.Lock()
	defer e.mu.Unlock()
	is := e.issueLocked(r.PathValue("key"))
	if is == nil {
		writeIssueNotFound(w)
		return
	}
	if !caller.has(PermDeleteIssues) {
		writeErrors(w, http.StatusForbidden, []string{"You do not have permission to delete issues in this project."}, nil)
		return
	}
	e.deleteIssueLocked(is.key)
	w.WriteHeader(http.StatusNoContent)
}

// fieldSelection is the parsed "fields" parameter: *all, *navigable, names, -exclusions.
type fieldSelection struct {
	all     bool
	include map[string]bool
	exclude map[string]bool
}

func parseFieldSelection(s string, defaultAll bool) fieldSelection {
	sel := fieldSelection{include: map[string]bool{}, exclude: map[string]bool{}}
	items := splitList(s)
	if len(items) == 0 {
		sel.all = defaultAll
	}
	for _, f := range items {
		switch {
		case f == "*all" || f == "*navigable":
			sel.all = true
		case strings.HasPrefix(f, "-"):
			sel.exclude[f[1:]] = true
		default:
			sel.include[f] = true
		}
	}
	return sel
}

func (s fieldSelection) wants(f string) bool {
	if s.exclude[f] {
		return false
	}
	return s.all || s.include[f]
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (e *Emulator) renderer(base string) adfRenderer {
	return adfRenderer{
		base: base,
		userName: func(id string) string {
			if u := e.userLocked(id); u != nil {
				return u.DisplayName
			}
			return id
		},
		attachments: func(id string) (int, string, bool) {
			n, err := strconv.Atoi(id)
			if a, ok := e.attachments[n]; err == nil && ok {
				return a.id, a.filename, true
			}
			return 0, "", false
		},
	}
}

// issueJSONLocked renders an IssueBean with the selected fields.
func (e *Emulator) issueJSONLocked(base string, is *issue, sel fieldSelection, expand []string, caller *User) map[string]any {
	all := map[string]any{
		"summary":     is.summary,
		"description": rawOrNil(is.description),
		"labels":      orEmpty(is.labels),
		"project":     projectJSON(base, is.project, nil),
		"issuetype":   issueTypeJSON(base, is.issueType),
		"priority":    priorityJSON(base, is.priority),
		"status":      statusJSON(base, is.status),
		"reporter":    e.userRefLocked(base, is.reporter),
		"assignee":    e.userRefLocked(base, is.assignee),
		"creator":     e.userRefLocked(base, is.creator),
		"created":     jiraTime(is.created),
		"updated":     jiraTime(is.updated),
		"watches": map[string]any{
			"self":       base + "/rest/api/3/issue/" + is.key + "/watchers",
			"watchCount": len(is.watchers), "isWatching": slices.Contains(is.watchers, caller.AccountID),
		},
		"comment":    e.commentPageLocked(base, is, caller, nil, 0, 5000),
		"attachment": e.attachmentsJSONLocked(base, is.attachments),
	}
	fields := map[string]any{}
	for k, v := range all {
		if sel.wants(k) {
			fields[k] = v
		}
	}
	out := map[string]any{
		"expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
		"id":     strconv.Itoa(is.id), "key": is.key,
		"self":   base + "/rest/api/3/issue/" + strconv.Itoa(is.id),
		"fields": fields,
	}
	if slices.Contains(expand, "renderedFields") {
		rendered := map[string]any{}
		if sel.wants("description") {
			rendered["description"] = e.renderer(base).render(is.description)
		}
		if sel.wants("created") {
			rendered["created"] = humanTime(is.created)
		}
		out["renderedFields"] = rendered
	}
	if slices.Contains(expand, "names") {
		names := map[string]any{}
		for k := range fields {
			names[k] = fieldName(k)
		}
		out["names"] = names
	}
	if slices.Contains(expand, "schema") {
		schema := map[string]any{}
		for k := range fields {
			schema[k] = map[string]any{"type": fieldType(k), "system": k}
		}
		out["schema"] = schema
	}
	return out
}

// addProperties returns the requested issue properties in IssueBean.properties ("*all" for
// every one), as GET issue and search do with their properties parameter.
func addProperties(out map[string]any, is *issue, keys []string) {
	if len(keys) == 0 {
		return
	}
	props := map[string]any{}
	for _, k := range is.propKeys {
		if slices.Contains(keys, k) || slices.Contains(keys, "*all") {
			props[k] = is.props[k]
		}
	}
	out["properties"] = props
}

func rawOrNil(raw json.RawMessage) any {
	if raw == nil {
		return nil
	}
	return raw
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func fieldName(k string) string {
	switch k {
	case "issuetype":
		return "Issue Type"
	case "attachment":
		return "Attachment"
	case "watches":
		return "Watchers"
	}
	return strings.ToUpper(k[:1]) + k[1:]
}

func fieldType(k string) string {
	switch k {
	case "summary":
		return "string"
	case "description":
		return "string"
	case "labels", "attachment":
		return "array"
	case "reporter", "assignee", "creator":
		return "user"
	case "created", "updated":
		return "datetime"
	case "comment":
		return "comments-page"
	}
	return k
}

// --- search ---

// handleOldSearch answers the removed /rest/api/3/search the way Jira Cloud does since the
// enhanced search replaced it: https://developer.atlassian.com/changelog/#CHANGE-2046
func (e *Emulator) handleOldSearch(w http.ResponseWriter, _ *http.Request, _ *User) {
	writeErrors(w, http.StatusGone, []string{"The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"}, nil)
}

type searchRequest struct {
	JQL           string          `json:"jql"`
	NextPageToken string          `json:"nextPageToken"`
	MaxResults    *int            `json:"maxResults"`
	Fields        []string        `json:"fields"`
	Expand        json.RawMessage `json:"expand"`
	Properties    []string        `json:"properties"`
}

// handleSearchJQL implements the enhanced search with token paging:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
func (e *Emulator) handleSearchJQL(w http.ResponseWriter, r *http.Request, caller *User) {
	req, err := readSearchRequest(r)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, []string{err.Error()}, nil)
		return
	}
	q, err := parseJQL(req.JQL)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, []string{err.Error()}, nil)
		return
	}
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx := &evalCtx{e: e, caller: caller}
	if err := ctx.check(q.where); err != nil {
		writeErrors(w, http.StatusBadRequest, []string{err.Error()}, nil)
		return
	}
	offset, err := decodePageToken(req.NextPageToken, req.JQL)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, []string{err.Error()}, nil)
		return
	}
	matched := e.searchLocked(ctx, q)
	offset = min(offset, len(matched))
	limit := 50
	if req.MaxResults != nil && *req.MaxResults > 0 {
		limit = min(*req.MaxResults, 100)
	}
	end := min(offset+limit, len(matched))
	sel := parseFieldSelection(strings.Join(req.Fields, ","), false)
	expand := expandList(req.Expand)
	idsOnly := (len(req.Fields) == 0 || slices.Equal(req.Fields, []string{"id"})) && len(req.Properties) == 0 && len(expand) == 0
	issues := make([]any, 0, end-offset)
	for _, is := range matched[offset:end] {
		if idsOnly {
			// "By default, this resource returns IDs only", unlike GET issue:
			// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post
			issues = append(issues, map[string]any{"id": strconv.Itoa(is.id)})
			continue
		}
		out := e.issueJSONLocked(base, is, sel, expand, caller)
		addProperties(out, is, req.Properties)
		issues = append(issues, out)
	}
	out := map[string]any{"issues": issues, "isLast": end >= len(matched)}
	if end < len(matched) {
		out["nextPageToken"] = encodePageToken(end, req.JQL)
	}
	e.addSearchMeta(out, issues, expand)
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) addSearchMeta(out map[string]any, issues []any, expand []string) {
	names, schema := map[string]any{}, map[string]any{}
	for _, is := range issues {
		m := is.(map[string]any)
		if n, ok := m["names"].(map[string]any); ok {
			for k, v := range n {
				names[k] = v
			}
			delete(m, "names")
		}
		if s, ok := m["schema"].(map[string]any); ok {
			for k, v := range s {
				schema[k] = v
			}
			delete(m, "schema")
		}
	}
	if slices.Contains(expand, "names") {
		out["names"] = names
	}
	if slices.Contains(expand, "schema") {
		out["schema"] = schema
	}
}

// readSearchRequest accepts both POST bodies and GET query parameters.
func readSearchRequest(r *http.Request) (searchRequest, error) {
	var req searchRequest
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		req.JQL = q.Get("jql")
		req.NextPageToken = q.Get("nextPageToken")
		if m := q.Get("maxResults"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil {
				return req, fmt.Errorf("The value '%s' is invalid for maxResults.", m)
			}
			req.MaxResults = &n
		}
		req.Fields = splitList(q.Get("fields"))
		req.Properties = splitList(q.Get("properties"))
		if x := q.Get("expand"); x != "" {
			req.Expand, _ = json.Marshal(x)
		}
		return req, nil
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return req, fmt.Errorf("Invalid request payload. Refer to the REST API documentation and try again.")
	}
	return req, nil
}

// expandList accepts expand as a comma-separated string or an array of strings.
func expandList(raw json.RawMessage) []string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return splitList(s)
	}
	var list []string
	_ = json.Unmarshal(raw, &list)
	return list
}

func (e *Emulator) searchLocked(ctx *evalCtx, q *query) []*issue {
	now := e.opts.Now()
	var out []*issue
	for _, is := range e.issues {
		if !ctx.caller.has(PermBrowseProjects) || now.Sub(is.updated) < e.opts.SearchDelay {
			continue
		}
		if ctx.match(q.where, is) {
			out = append(out, is)
		}
	}
	order := q.order
	if len(order) == 0 {
		order = []orderBy{{field: "created", desc: true}}
	}
	slices.SortStableFunc(out, func(a, b *issue) int {
		for _, o := range order {
			c := compareIssues(a, b, o.field)
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return a.id - b.id
	})
	return out
}

func compareIssues(a, b *issue, field string) int {
	switch field {
	case "created":
		return a.created.Compare(b.created)
	case "updated":
		return a.updated.Compare(b.updated)
	}
	return a.id - b.id
}

type pageToken struct {
	Offset int    `json:"o"`
	Query  string `json:"q"`
}

func queryHash(jql string) string {
	h := sha256.Sum256([]byte(jql))
	return hex.EncodeToString(h[:8])
}

func encodePageToken(offset int, jql string) string {
	b, _ := json.Marshal(pageToken{Offset: offset, Query: queryHash(jql)})
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken refuses a token minted for another query, as Jira's opaque tokens are tied
// to the search that produced them.
func decodePageToken(tok, jql string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	var pt pageToken
	if err != nil || json.Unmarshal(b, &pt) != nil || pt.Query != queryHash(jql) || pt.Offset < 0 {
		return 0, errors.New("The provided next page token is invalid or expired.")
	}
	return pt.Offset, nil
}
