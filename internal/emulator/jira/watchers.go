package jiraemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// handleAddWatcher implements POST /rest/api/3/issue/{issueIdOrKey}/watchers: the body is a
// JSON string holding the account id; an empty body adds the caller. Adding someone else
// needs Manage Watchers.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-watchers/#api-rest-api-3-issue-issueidorkey-watchers-post
func (e *Emulator) handleAddWatcher(w http.ResponseWriter, r *http.Request, caller *User) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	accountID := caller.AccountID
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &accountID); err != nil {
			writeErrors(w, http.StatusBadRequest, []string{"The request body must be a JSON string holding an account ID."}, nil)
			return
		}
		if accountID == "" {
			accountID = caller.AccountID
		}
	}
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	if accountID != caller.AccountID && !caller.has(PermManageWatchers) {
		writeErrors(w, http.StatusForbidden, []string{"User '" + caller.AccountID + "' is not allowed to add watchers to issue '" + is.key + "'"}, nil)
		return
	}
	u := e.userLocked(accountID)
	if u == nil || u.Inactive {
		writeErrors(w, http.StatusNotFound, []string{"The user with account ID '" + accountID + "' does not exist."}, nil)
		return
	}
	is.watchers = appendUnique(is.watchers, accountID)
	w.WriteHeader(http.StatusNoContent)
}

// handleGetWatchers implements GET /rest/api/3/issue/{issueIdOrKey}/watchers (Watchers schema).
func (e *Emulator) handleGetWatchers(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	list := make([]any, 0, len(is.watchers))
	for _, id := range is.watchers {
		if u := e.userLocked(id); u != nil {
			list = append(list, userJSON(base, u))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"self":       base + "/rest/api/3/issue/" + is.key + "/watchers",
		"isWatching": slices.Contains(is.watchers, caller.AccountID),
		"watchCount": len(list),
		"watchers":   list,
	})
}

// handleDeleteWatcher implements DELETE /rest/api/3/issue/{issueIdOrKey}/watchers?accountId=.
func (e *Emulator) handleDeleteWatcher(w http.ResponseWriter, r *http.Request, caller *User) {
	accountID := r.URL.Query().Get("accountId")
	if accountID == "" {
		writeErrors(w, http.StatusBadRequest, []string{"The accountId query parameter is required."}, nil)
		return
	}
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	if accountID != caller.AccountID && !caller.has(PermManageWatchers) {
		writeErrors(w, http.StatusForbidden, []string{"You do not have the permission to manage the watcher list."}, nil)
		return
	}
	is.watchers = slices.DeleteFunc(is.watchers, func(s string) bool { return s == accountID })
	w.WriteHeader(http.StatusNoContent)
}

// --- issue properties ---
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-properties/

func (e *Emulator) handleIssuePropertyKeys(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	keys := make([]any, 0, len(is.propKeys))
	for _, k := range is.propKeys {
		keys = append(keys, map[string]any{"key": k, "self": base + "/rest/api/3/issue/" + strconv.Itoa(is.id) + "/properties/" + k})
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (e *Emulator) handleIssueProperty(w http.ResponseWriter, r *http.Request, caller *User) {
	var body json.RawMessage
	if r.Method == http.MethodPut {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, 32769))
		if len(raw) > 32768 {
			writeErrors(w, http.StatusBadRequest, []string{"The property value is too long; the limit is 32768 bytes."}, nil)
			return
		}
		if !json.Valid(raw) {
			writeErrors(w, http.StatusBadRequest, []string{"The property value must be valid JSON."}, nil)
			return
		}
		body = raw
	}
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	key := r.PathValue("prop")
	switch r.Method {
	case http.MethodPut:
		if !caller.has(PermEditIssues) {
			writeErrors(w, http.StatusForbidden, []string{"You do not have permission to edit this issue."}, nil)
			return
		}
		if setProp(&is.propKeys, &is.props, key, body) {
			w.WriteHeader(http.StatusOK)
		} else {
			w.WriteHeader(http.StatusCreated)
		}
	case http.MethodDelete:
		if _, ok := is.props[key]; !ok {
			writeErrors(w, http.StatusNotFound, []string{"The property with key '" + key + "' does not exist."}, nil)
			return
		}
		delete(is.props, key)
		is.propKeys = slices.DeleteFunc(is.propKeys, func(s string) bool { return s == key })
		w.WriteHeader(http.StatusNoContent)
	default:
		v, ok := is.props[key]
		if !ok {
			writeErrors(w, http.StatusNotFound, []string{"The property with key '" + key + "' does not exist."}, nil)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"key": key, "value": v})
	}
}
