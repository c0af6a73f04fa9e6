package jiraemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Permission keys the emulator knows, as listed by GET /rest/api/3/permissions:
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-permissions/
const (
	PermBrowseProjects     = "BROWSE_PROJECTS"
	PermCreateIssues       = "CREATE_ISSUES"
	PermEditIssues         = "EDIT_ISSUES"
	PermDeleteIssues       = "DELETE_ISSUES"
	PermAddComments        = "ADD_COMMENTS"
	PermCreateAttachments  = "CREATE_ATTACHMENTS"
	PermManageWatchers     = "MANAGE_WATCHERS"
	PermModifyReporter     = "MODIFY_REPORTER"
	PermAssignIssues       = "ASSIGN_ISSUES"
	PermAssignableUser     = "ASSIGNABLE_USER"
	PermAdministerProjects = "ADMINISTER_PROJECTS"
)

// permissionInfo is what mypermissions reports about each known key.
var permissionInfo = map[string]struct{ id, name, desc string }{
	PermBrowseProjects:     {"10", "Browse Projects", "Ability to browse projects and the issues within them."},
	PermCreateIssues:       {"11", "Create Issues", "Ability to create issues."},
	PermEditIssues:         {"12", "Edit Issues", "Ability to edit issues."},
	PermDeleteIssues:       {"16", "Delete Issues", "Ability to delete issues."},
	PermAddComments:        {"15", "Add Comments", "Ability to comment on issues."},
	PermCreateAttachments:  {"19", "Create Attachments", "Users with this permission may create attachments."},
	PermManageWatchers:     {"32", "Manage Watchers", "Ability to manage the watchers of an issue."},
	PermModifyReporter:     {"30", "Modify Reporter", "Ability to modify the reporter when creating or editing an issue."},
	PermAssignIssues:       {"13", "Assign Issues", "Ability to assign issues to other people."},
	PermAssignableUser:     {"17", "Assignable User", "Users with this permission may be assigned to issues."},
	PermAdministerProjects: {"23", "Administer Projects", "Ability to administer a project in Jira."},
}

// DefaultPermissions is what an ordinary agent account holds: everything but Modify Reporter,
// Delete Issues and Administer Projects.
var DefaultPermissions = []string{
	PermBrowseProjects, PermCreateIssues, PermEditIssues, PermAddComments,
	PermCreateAttachments, PermManageWatchers, PermAssignIssues, PermAssignableUser,
}

// User is an Atlassian account on the emulated site.
type User struct {
	AccountID   string
	DisplayName string
	Email       string
	// HideEmail mimics the profile privacy setting that hides the email address: it is left out
	// of every response and user search by email finds nothing.
	HideEmail bool
	// APIToken lets the user call the REST API with basic auth (email + token); empty means the
	// account cannot authenticate.
	APIToken string
	// AccountType is "atlassian" (default), "app" or "customer".
	AccountType string
	Inactive    bool
	// Permissions are the keys the user holds in every project.
	Permissions []string
	// Groups the user belongs to, for comment visibility restrictions (roles count as groups).
	Groups []string
}

func (u *User) has(perm string) bool { return slices.Contains(u.Permissions, perm) }

func (u *User) inGroup(name string) bool {
	return slices.ContainsFunc(u.Groups, func(g string) bool { return strings.EqualFold(g, name) })
}

// Project is a Jira project to seed.
type Project struct {
	Key  string
	Name string
	// TypeKey is "software" (default), "service_desk" or "business".
	TypeKey string
	// LeadAccountID names the project lead (optional).
	LeadAccountID string
}

type project struct {
	Project
	id int
}

// Board is an agile board to seed: located in one project, showing the issues its filter's
// JQL selects (which may span several projects).
type Board struct {
	Name string
	// Type is "scrum" or "kanban" (default).
	Type string
	// ProjectKey is the board's location.
	ProjectKey string
	// FilterID names an existing filter; when zero a filter is created from JQL.
	FilterID int
	// JQL of the filter created when FilterID is zero; empty means "project = ProjectKey".
	JQL string
}

type board struct {
	Board
	id int
}

// Filter is a saved JQL filter to seed.
type Filter struct {
	Name           string
	JQL            string
	OwnerAccountID string
}

type filter struct {
	Filter
	id int
}

type issueType struct {
	id, name, desc string
	level          int
	subtask        bool
}

type priority struct{ id, name, color string }

type status struct{ id, name, catKey, catName, catColor, catID string }

type visibility struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type issue struct {
	id          int
	key         string
	project     *project
	issueType   issueType
	summary     string
	description json.RawMessage
	labels      []string
	priority    priority
	reporter    string
	assignee    string
	creator     string
	status      status
	created     time.Time
	updated     time.Time
	watchers    []string
	comments    []*comment
	attachments []*attachment
	propKeys    []string
	props       map[string]json.RawMessage
}

type comment struct {
	id         int
	issue      *issue
	author     string
	body       json.RawMessage
	created    time.Time
	updated    time.Time
	visibility *visibility
	propKeys   []string
	props      map[string]json.RawMessage
}

type attachment struct {
	id       int
	issue    *issue
	filename string
	mimeType string
	data     []byte
	author   string
	created  time.Time
}

// defaultIssueTypes mirrors a new Jira Software site's issue types.
func defaultIssueTypes() []issueType {
	return []issueType{
		{id: "10000", name: "Epic", desc: "A big user story that needs to be broken down.", level: 1},
		{id: "10001", name: "Task", desc: "A small, distinct piece of work."},
		{id: "10002", name: "Bug", desc: "A problem or error."},
		{id: "10003", name: "Story", desc: "Functionality or a feature expressed as a user goal."},
		{id: "10004", name: "Subtask", desc: "A small piece of work that's part of a larger task.", level: -1, subtask: true},
	}
}

// defaultPriorities are Jira Cloud's five default priorities; Medium is the default.
func defaultPriorities() []priority {
	return []priority{
		{"1", "Highest", "#d04437"}, {"2", "High", "#f15C75"}, {"3", "Medium", "#f79232"},
		{"4", "Low", "#707070"}, {"5", "Lowest", "#999999"},
	}
}

func defaultStatuses() []status {
	return []status{
		{"10000", "To Do", "new", "To Do", "blue-gray", "2"},
		{"3", "In Progress", "indeterminate", "In Progress", "yellow", "4"},
		{"10001", "Done", "done", "Done", "green", "3"},
	}
}

// --- seeding (Go methods for tests and the sandbox) ---

// AddUser adds an account. AccountID and DisplayName are required.
func (e *Emulator) AddUser(u User) error {
	if u.AccountID == "" || u.DisplayName == "" {
		return fmt.Errorf("add user: accountId and displayName are required: %w", errs.ErrInvalid)
	}
	if u.AccountType == "" {
		u.AccountType = "atlassian"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.userLocked(u.AccountID) != nil {
		return fmt.Errorf("add user %s: %w", u.AccountID, errs.ErrConflict)
	}
	cp := u
	cp.Permissions = slices.Clone(u.Permissions)
	cp.Groups = slices.Clone(u.Groups)
	e.users = append(e.users, &cp)
	return nil
}

// SetPermissions replaces the permissions a user holds.
func (e *Emulator) SetPermissions(accountID string, perms ...string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userLocked(accountID)
	if u == nil {
		return fmt.Errorf("set permissions: user %s: %w", accountID, errs.ErrNotFound)
	}
	u.Permissions = slices.Clone(perms)
	return nil
}

// AddProject adds a project and returns its numeric id.
func (e *Emulator) AddProject(p Project) (int, error) {
	if p.Key == "" || p.Name == "" {
		return 0, fmt.Errorf("add project: key and name are required: %w", errs.ErrInvalid)
	}
	if p.TypeKey == "" {
		p.TypeKey = "software"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.projectLocked(p.Key) != nil {
		return 0, fmt.Errorf("add project %s: %w", p.Key, errs.ErrConflict)
	}
	pr := &project{Project: p, id: e.newIDLocked()}
	e.projects = append(e.projects, pr)
	return pr.id, nil
}

// AddFilter adds a saved filter and returns its id; its JQL must parse.
func (e *Emulator) AddFilter(f Filter) (int, error) {
	if _, err := parseJQL(f.JQL); err != nil {
		return 0, fmt.Errorf("add filter %q: %w: %w", f.Name, errs.ErrInvalid, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fl := &filter{Filter: f, id: e.newIDLocked()}
	e.filters = append(e.filters, fl)
	return fl.id, nil
}

// AddBoard adds a board located in b.ProjectKey and returns its id.
func (e *Emulator) AddBoard(b Board) (int, error) {
	if b.Type == "" {
		b.Type = "kanban"
	}
	e.mu.Lock()
	if e.projectLocked(b.ProjectKey) == nil {
		e.mu.Unlock()
		return 0, fmt.Errorf("add board %q: project %s: %w", b.Name, b.ProjectKey, errs.ErrNotFound)
	}
	e.mu.Unlock()
	if b.FilterID == 0 {
		jql := b.JQL
		if jql == "" {
			jql = "project = " + b.ProjectKey + " ORDER BY Rank ASC"
		}
		id, err := e.AddFilter(Filter{Name: "Filter for " + b.Name, JQL: jql})
		if err != nil {
			return 0, fmt.Errorf("add board %q: %w", b.Name, err)
		}
		b.FilterID = id
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.filterLocked(strconv.Itoa(b.FilterID)) == nil {
		return 0, fmt.Errorf("add board %q: filter %d: %w", b.Name, b.FilterID, errs.ErrNotFound)
	}
	bd := &board{Board: b, id: len(e.boards) + 1}
	e.boards = append(e.boards, bd)
	return bd.id, nil
}

// SetStatus moves an issue to the named status ("To Do", "In Progress" or "Done").
func (e *Emulator) SetStatus(key, name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	is := e.issueLocked(key)
	if is == nil {
		return fmt.Errorf("set status: issue %s: %w", key, errs.ErrNotFound)
	}
	st, ok := e.statusLocked(name)
	if !ok {
		return fmt.Errorf("set status: status %q: %w", name, errs.ErrNotFound)
	}
	is.status = st
	is.updated = e.opts.Now()
	return nil
}

// SetAssignee assigns an issue to an account ("" unassigns).
func (e *Emulator) SetAssignee(key, accountID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	is := e.issueLocked(key)
	if is == nil {
		return fmt.Errorf("set assignee: issue %s: %w", key, errs.ErrNotFound)
	}
	if accountID != "" && e.userLocked(accountID) == nil {
		return fmt.Errorf("set assignee: user %s: %w", accountID, errs.ErrNotFound)
	}
	is.assignee = accountID
	is.updated = e.opts.Now()
	return nil
}

// DeleteIssue removes an issue as if someone deleted it in Jira; afterwards GET answers 404.
func (e *Emulator) DeleteIssue(key string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.deleteIssueLocked(key) {
		return fmt.Errorf("delete issue: issue %s: %w", key, errs.ErrNotFound)
	}
	return nil
}

// IssueKeys lists the keys of all issues, oldest first.
func (e *Emulator) IssueKeys() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	keys := make([]string, 0, len(e.issues))
	for _, is := range e.issues {
		keys = append(keys, is.key)
	}
	return keys
}

// --- lookups (caller holds e.mu) ---

func (e *Emulator) newIDLocked() int {
	e.nextID++
	return e.nextID
}

func (e *Emulator) userLocked(accountID string) *User {
	for _, u := range e.users {
		if u.AccountID == accountID {
			return u
		}
	}
	return nil
}

func (e *Emulator) projectLocked(keyOrID string) *project {
	for _, p := range e.projects {
		if strings.EqualFold(p.Key, keyOrID) || strconv.Itoa(p.id) == keyOrID {
			return p
		}
	}
	return nil
}

func (e *Emulator) filterLocked(id string) *filter {
	for _, f := range e.filters {
		if strconv.Itoa(f.id) == id {
			return f
		}
	}
	return nil
}

// lockVisibleIssue takes the emulator's lock and returns the issue the path names when the
// caller may browse it; otherwise it answers 404 (Jira does not reveal issues one cannot see),
// releases the lock and returns nil. A caller that gets an issue must unlock.
func (e *Emulator) lockVisibleIssue(w http.ResponseWriter, r *http.Request, caller *User) *issue {
	e.mu.Lock()
	is := e.issueLocked(r.PathValue("key"))
	if is == nil || !caller.has(PermBrowseProjects) {
		e.mu.Unlock()
		writeIssueNotFound(w)
		return nil
	}
	return is
}

func (e *Emulator) issueLocked(keyOrID string) *issue {
	for _, is := range e.issues {
		if strings.EqualFold(is.key, keyOrID) || strconv.Itoa(is.id) == keyOrID {
			return is
		}
	}
	return nil
}

func (e *Emulator) deleteIssueLocked(keyOrID string) bool {
	for i, is := range e.issues {
		if strings.EqualFold(is.key, keyOrID) || strconv.Itoa(is.id) == keyOrID {
			for _, a := range is.attachments {
				delete(e.attachments, a.id)
			}
			e.issues = slices.Delete(e.issues, i, i+1)
			return true
		}
	}
	return false
}

func (e *Emulator) statusLocked(name string) (status, bool) {
	for _, s := range e.statuses {
		if strings.EqualFold(s.name, name) || s.id == name {
			return s, true
		}
	}
	return status{}, false
}

func (e *Emulator) issueTypeLocked(id, name string) (issueType, bool) {
	for _, t := range e.issueTypes {
		if (id != "" && t.id == id) || (id == "" && name != "" && strings.EqualFold(t.name, name)) {
			return t, true
		}
	}
	return issueType{}, false
}

func (e *Emulator) priorityLocked(id, name string) (priority, bool) {
	for _, p := range e.priorities {
		if (id != "" && p.id == id) || (id == "" && name != "" && strings.EqualFold(p.name, name)) {
			return p, true
		}
	}
	return priority{}, false
}

// --- JSON shapes (schemas named after the OpenAPI document's components) ---

func avatarURLs(base, kind, id string) map[string]string {
	u := base + "/secure/" + kind + "avatar?size=%s&id=" + url.QueryEscape(id)
	return map[string]string{
		"16x16": fmt.Sprintf(u, "xsmall"), "24x24": fmt.Sprintf(u, "small"),
		"32x32": fmt.Sprintf(u, "medium"), "48x48": fmt.Sprintf(u, "large"),
	}
}

// userJSON renders a user as both the User and UserDetails schemas accept it; a hidden email
// is left out, as Jira does for profiles whose email visibility is restricted:
// https://developer.atlassian.com/cloud/jira/platform/profile-visibility/
func userJSON(base string, u *User) map[string]any {
	m := map[string]any{
		"self":        base + "/rest/api/3/user?accountId=" + url.QueryEscape(u.AccountID),
		"accountId":   u.AccountID,
		"accountType": u.AccountType,
		"avatarUrls":  avatarURLs(base, "user", u.AccountID),
		"displayName": u.DisplayName,
		"active":      !u.Inactive,
		"timeZone":    "Etc/UTC",
	}
	if !u.HideEmail && u.Email != "" {
		m["emailAddress"] = u.Email
	}
	return m
}

func (e *Emulator) userRefLocked(base, accountID string) any {
	if accountID == "" {
		return nil
	}
	if u := e.userLocked(accountID); u != nil {
		return userJSON(base, u)
	}
	return nil
}

func projectJSON(base string, p *project, withTypes []issueType) map[string]any {
	m := map[string]any{
		"self":           base + "/rest/api/3/project/" + strconv.Itoa(p.id),
		"id":             strconv.Itoa(p.id),
		"key":            p.Key,
		"name":           p.Name,
		"projectTypeKey": p.TypeKey,
		"simplified":     false,
		"style":          "classic",
		"isPrivate":      false,
		"avatarUrls":     avatarURLs(base, "project", strconv.Itoa(p.id)),
	}
	if withTypes != nil {
		types := make([]any, 0, len(withTypes))
		for _, t := range withTypes {
			types = append(types, issueTypeJSON(base, t))
		}
		m["issueTypes"] = types
	}
	return m
}

func issueTypeJSON(base string, t issueType) map[string]any {
	return map[string]any{
		"self":           base + "/rest/api/3/issuetype/" + t.id,
		"id":             t.id,
		"name":           t.name,
		"description":    t.desc,
		"iconUrl":        base + "/rest/api/2/universal_avatar/view/type/issuetype/avatar/" + t.id,
		"subtask":        t.subtask,
		"hierarchyLevel": t.level,
	}
}

func priorityJSON(base string, p priority) map[string]any {
	return map[string]any{
		"self":        base + "/rest/api/3/priority/" + p.id,
		"id":          p.id,
		"name":        p.name,
		"statusColor": p.color,
		"description": p.name,
		"iconUrl":     base + "/images/icons/priorities/" + strings.ToLower(p.name) + ".svg",
	}
}

func statusJSON(base string, s status) map[string]any {
	return map[string]any{
		"self":        base + "/rest/api/3/status/" + s.id,
		"id":          s.id,
		"name":        s.name,
		"description": "",
		"iconUrl":     base + "/",
		"statusCategory": map[string]any{
			"self":      base + "/rest/api/3/statuscategory/" + s.catID,
			"id":        mustAtoi(s.catID),
			"key":       s.catKey,
			"colorName": s.catColor,
			"name":      s.catName,
		},
	}
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
