package jiraemu

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The agile endpoints follow the Jira Software Cloud REST API board group:
// https://developer.atlassian.com/cloud/jira/software/rest/api-group-board/

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (e *Emulator) boardLocationLocked(base string, b *board) map[string]any {
	p := e.projectLocked(b.ProjectKey)
	display := p.Name + " (" + p.Key + ")"
	return map[string]any{
		"projectId": p.id, "displayName": display, "projectName": p.Name, "projectKey": p.Key,
		"projectTypeKey": p.TypeKey, "avatarURI": base + "/secure/projectavatar?size=small&pid=" + strconv.Itoa(p.id),
		"name": display,
	}
}

func (e *Emulator) boardJSONLocked(base string, b *board) map[string]any {
	return map[string]any{
		"id": b.id, "self": base + "/rest/agile/1.0/board/" + strconv.Itoa(b.id),
		"name": b.Name, "type": b.Type, "location": e.boardLocationLocked(base, b),
	}
}

func (e *Emulator) boardLocked(id string) *board {
	for _, b := range e.boards {
		if strconv.Itoa(b.id) == id {
			return b
		}
	}
	return nil
}

// handleBoards implements GET /rest/agile/1.0/board with the name (partial, case-insensitive),
// type and projectKeyOrId filters.
func (e *Emulator) handleBoards(w http.ResponseWriter, r *http.Request, caller *User) {
	q := r.URL.Query()
	name := strings.ToLower(q.Get("name"))
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults := 50
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
		maxResults = min(m, 50)
	}
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	var found []any
	for _, b := range e.boards {
		if !caller.has(PermBrowseProjects) ||
			(name != "" && !strings.Contains(strings.ToLower(b.Name), name)) ||
			(q.Get("type") != "" && !slices.Contains(strings.Split(q.Get("type"), ","), b.Type)) {
			continue
		}
		if pk := q.Get("projectKeyOrId"); pk != "" {
			p := e.projectLocked(pk)
			if p == nil || !slices.Contains(e.boardProjectsLocked(b), p.Key) {
				continue
			}
		}
		found = append(found, e.boardJSONLocked(base, b))
	}
	writeJSON(w, http.StatusOK, agilePage(found, startAt, maxResults))
}

func agilePage(all []any, startAt, maxResults int) map[string]any {
	startAt = min(max(startAt, 0), len(all))
	end := min(startAt+maxResults, len(all))
	return map[string]any{
		"maxResults": maxResults, "startAt": startAt, "total": len(all), "isLast": end == len(all),
		"values": append([]any{}, all[startAt:end]...),
	}
}

func (e *Emulator) handleBoard(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.boardLocked(r.PathValue("id"))
	if b == nil || !caller.has(PermBrowseProjects) {
		writeBoardNotFound(w)
		return
	}
	writeJSON(w, http.StatusOK, e.boardJSONLocked(base, b))
}

func writeBoardNotFound(w http.ResponseWriter) {
	writeErrors(w, http.StatusNotFound, []string{"Board does not exist or you do not have permission to see it."}, nil)
}

// handleBoardConfiguration implements GET /rest/agile/1.0/board/{boardId}/configuration.
func (e *Emulator) handleBoardConfiguration(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.boardLocked(r.PathValue("id"))
	if b == nil || !caller.has(PermBrowseProjects) {
		writeBoardNotFound(w)
		return
	}
	p := e.projectLocked(b.ProjectKey)
	columns := make([]any, 0, len(e.statuses))
	for _, s := range e.statuses {
		columns = append(columns, map[string]any{
			"name":     s.name,
			"statuses": []any{map[string]any{"id": s.id, "self": base + "/rest/api/2/status/" + s.id}},
		})
	}
	fid := strconv.Itoa(b.FilterID)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": b.id, "name": b.Name, "type": b.Type,
		"self": base + "/rest/agile/1.0/board/" + strconv.Itoa(b.id) + "/configuration",
		"location": map[string]any{
			"type": "project", "key": p.Key, "id": strconv.Itoa(p.id), "name": p.Name,
			"self": base + "/rest/api/2/project/" + strconv.Itoa(p.id),
		},
		"filter":       map[string]any{"id": fid, "self": base + "/rest/api/2/filter/" + fid},
		"subQuery":     map[string]any{"query": "resolution = EMPTY OR resolution changed AFTER -2w"},
		"columnConfig": map[string]any{"columns": columns, "constraintType": "issueCount"},
		"ranking":      map[string]any{"rankCustomFieldId": 10019},
	})
}

// boardProjectsLocked lists the projects a board covers: those its filter names and those of
// the issues it shows.
func (e *Emulator) boardProjectsLocked(b *board) []string {
	keys := map[string]bool{}
	f := e.filterLocked(strconv.Itoa(b.FilterID))
	if f != nil {
		if q, err := parseJQL(f.JQL); err == nil {
			e.projectsInQueryLocked(q.where, keys)
			ctx := &evalCtx{e: e}
			for _, is := range e.issues {
				if ctx.match(q.where, is) {
					keys[is.project.Key] = true
				}
			}
		}
	}
	var out []string
	for _, p := range e.projects {
		if keys[p.Key] {
			out = append(out, p.Key)
		}
	}
	return out
}

// handleBoardProjects implements GET /rest/agile/1.0/board/{boardId}/project.
func (e *Emulator) handleBoardProjects(w http.ResponseWriter, r *http.Request, caller *User) {
	q := r.URL.Query()
	startAt, _ := strconv.Atoi(q.Get("startAt"))
	maxResults := 50
	if m, err := strconv.Atoi(q.Get("maxResults")); err == nil && m > 0 {
		maxResults = min(m, 50)
	}
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.boardLocked(r.PathValue("id"))
	if b == nil || !caller.has(PermBrowseProjects) {
		writeBoardNotFound(w)
		return
	}
	var list []any
	for _, k := range e.boardProjectsLocked(b) {
		list = append(list, projectJSON(base, e.projectLocked(k), nil))
	}
	writeJSON(w, http.StatusOK, agilePage(list, startAt, maxResults))
}
