package jiraemu

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// --- users ---

// handleUserSearch implements GET /rest/api/3/user/search: query matches the start of the
// display name (or of one of its words) or of the email address, where the email is visible.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-search-get
func (e *Emulator) handleUserSearch(w http.ResponseWriter, r *http.Request, _ *User) {
	q := r.URL.Query()
	query, accountID := strings.ToLower(strings.TrimSpace(q.Get("query"))), q.Get("accountId")
	if query == "" && accountID == "" {
		writeErrors(w, http.StatusBadRequest, []string{"One of 'query' or 'accountId' query parameters must be provided."}, nil)
		return
	}
	if query != "" && accountID != "" {
		writeErrors(w, http.StatusBadRequest, []string{"Only one of 'query' or 'accountId' query parameters can be provided."}, nil)
		return
	}
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults := 50
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
		maxResults = min(m, 1000)
	}
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	var found []any
	for _, u := range e.users {
		if u.Inactive {
			continue
		}
		if (accountID != "" && u.AccountID == accountID) || (query != "" && userMatches(u, query)) {
			found = append(found, userJSON(base, u))
		}
	}
	startAt = min(max(startAt, 0), len(found))
	end := min(startAt+maxResults, len(found))
	writeJSON(w, http.StatusOK, append([]any{}, found[startAt:end]...))
}

func userMatches(u *User, query string) bool {
	name := strings.ToLower(u.DisplayName)
	if strings.HasPrefix(name, query) {
		return true
	}
	for _, word := range strings.Fields(name) {
		if strings.HasPrefix(word, query) {
			return true
		}
	}
	return !u.HideEmail && u.Email != "" && strings.HasPrefix(strings.ToLower(u.Email), query)
}

// handleGetUser implements GET /rest/api/3/user?accountId=.
func (e *Emulator) handleGetUser(w http.ResponseWriter, r *http.Request, _ *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userLocked(r.URL.Query().Get("accountId"))
	if u == nil {
		writeErrors(w, http.StatusNotFound, []string{"Specified user does not exist or you do not have required permissions"}, nil)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(base, u))
}

// handleMyself implements GET /rest/api/3/myself (User schema).
func (e *Emulator) handleMyself(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	m := userJSON(base, caller)
	m["locale"] = "en_US"
	groups := make([]any, 0, len(caller.Groups))
	for _, g := range caller.Groups {
		groups = append(groups, map[string]any{"name": g})
	}
	m["groups"] = map[string]any{"size": len(groups), "items": groups}
	m["applicationRoles"] = map[string]any{"size": 1, "items": []any{map[string]any{"key": "jira-software", "name": "Jira Software"}}}
	writeJSON(w, http.StatusOK, m)
}

// handleMyPermissions implements GET /rest/api/3/mypermissions; permissions is required and
// every key must be known.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/#api-rest-api-3-mypermissions-get
func (e *Emulator) handleMyPermissions(w http.ResponseWriter, r *http.Request, caller *User) {
	q := r.URL.Query()
	keys := splitList(q.Get("permissions"))
	if len(keys) == 0 {
		writeErrors(w, http.StatusBadRequest, []string{"The 'permissions' query parameter is required."}, nil)
		return
	}
	for _, k := range keys {
		if _, ok := permissionInfo[k]; !ok {
			writeErrors(w, http.StatusBadRequest, []string{"Unrecognized permission keys: " + k + "."}, nil)
			return
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if pk := firstNonEmpty(q.Get("projectKey"), q.Get("projectId")); pk != "" && e.projectLocked(pk) == nil {
		writeErrors(w, http.StatusNotFound, []string{"No project could be found with key '" + pk + "'."}, nil)
		return
	}
	if ik := firstNonEmpty(q.Get("issueKey"), q.Get("issueId")); ik != "" && e.issueLocked(ik) == nil {
		writeErrors(w, http.StatusNotFound, []string{"Issue does not exist or you do not have permission to see it."}, nil)
		return
	}
	out := map[string]any{}
	for _, k := range keys {
		info := permissionInfo[k]
		out[k] = map[string]any{
			"id": info.id, "key": k, "name": info.name, "type": "PROJECT",
			"description": info.desc, "havePermission": caller.has(k),
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"permissions": out})
}

// --- projects, issue types, priorities, labels, filters ---

func (e *Emulator) handleGetProject(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.projectLocked(r.PathValue("key"))
	if p == nil || !caller.has(PermBrowseProjects) {
		writeErrors(w, http.StatusNotFound, []string{"No project could be found with key '" + r.PathValue("key") + "'."}, nil)
		return
	}
	m := projectJSON(base, p, e.issueTypes)
	if p.LeadAccountID != "" {
		m["lead"] = e.userRefLocked(base, p.LeadAccountID)
	}
	writeJSON(w, http.StatusOK, m)
}

// handleProjectSearch implements GET /rest/api/3/project/search (PageBeanProject).
func (e *Emulator) handleProjectSearch(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	q := r.URL.Query()
	keys := q["keys"]
	query := strings.ToLower(q.Get("query"))
	e.mu.Lock()
	defer e.mu.Unlock()
	values := []any{}
	for _, p := range e.projects {
		if !caller.has(PermBrowseProjects) {
			break
		}
		if len(keys) > 0 && !slices.ContainsFunc(keys, func(k string) bool { return strings.EqualFold(k, p.Key) }) {
			continue
		}
		if query != "" && !strings.Contains(strings.ToLower(p.Key+" "+p.Name), query) {
			continue
		}
		values = append(values, projectJSON(base, p, nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"self": base + r.URL.RequestURI(), "startAt": 0, "maxResults": 50, "total": len(values), "isLast": true, "values": values,
	})
}

func (e *Emulator) handleIssueTypes(w http.ResponseWriter, r *http.Request, _ *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]any, 0, len(e.issueTypes))
	for _, t := range e.issueTypes {
		out = append(out, issueTypeJSON(base, t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) handlePriorities(w http.ResponseWriter, r *http.Request, _ *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]any, 0, len(e.priorities))
	for _, p := range e.priorities {
		m := priorityJSON(base, p)
		m["isDefault"] = p.id == "3"
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleLabels implements GET /rest/api/3/label: every label in use, paged (PageBeanString).
func (e *Emulator) handleLabels(w http.ResponseWriter, r *http.Request, _ *User) {
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults := 1000
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
		maxResults = min(m, 1000)
	}
	e.mu.Lock()
	var labels []string
	for _, is := range e.issues {
		for _, l := range is.labels {
			labels = appendUnique(labels, l)
		}
	}
	e.mu.Unlock()
	slices.Sort(labels)
	startAt = min(max(startAt, 0), len(labels))
	end := min(startAt+maxResults, len(labels))
	writeJSON(w, http.StatusOK, map[string]any{
		"startAt": startAt, "maxResults": maxResults, "total": len(labels), "isLast": end == len(labels),
		"values": orEmpty(labels[startAt:end]),
	})
}

// handleGetFilter implements GET /rest/api/3/filter/{id}; an unknown filter is a 400, as the
// documentation says.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-filters/#api-rest-api-3-filter-id-get
func (e *Emulator) handleGetFilter(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	f := e.filterLocked(r.PathValue("id"))
	if f == nil {
		writeErrors(w, http.StatusBadRequest, []string{"The selected filter is not available to you, perhaps it has been deleted or had its permissions changed."}, nil)
		return
	}
	writeJSON(w, http.StatusOK, e.filterJSONLocked(base, f, caller))
}

func (e *Emulator) filterJSONLocked(base string, f *filter, _ *User) map[string]any {
	id := strconv.Itoa(f.id)
	m := map[string]any{
		"self": base + "/rest/api/3/filter/" + id, "id": id, "name": f.Name, "jql": f.JQL,
		"viewUrl":          base + "/issues/?filter=" + id,
		"searchUrl":        base + "/rest/api/3/search/jql?jql=" + urlQueryEscape(f.JQL),
		"favourite":        false,
		"favouritedCount":  0,
		"sharePermissions": []any{},
		"editPermissions":  []any{},
	}
	if owner := e.userRefLocked(base, f.OwnerAccountID); owner != nil {
		m["owner"] = owner
	}
	return m
}
