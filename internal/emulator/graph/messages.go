package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 10   // Graph's default page for message lists
	maxPageSize     = 1000 // Graph's largest $top for messages
)

// withMailbox resolves the call's user under the lock and runs fn; 404 for unknown users.
func (e *Emulator) withMailbox(c *call, fn func(mb *mailbox)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	mb := e.findMailbox(c.m.user)
	if mb == nil {
		// https://learn.microsoft.com/en-us/graph/api/user-get (unknown users answer 404)
		writeError(c.w, c.r, http.StatusNotFound, "ErrorInvalidUser", fmt.Sprintf("The requested user '%s' is invalid.", c.m.user))
		return
	}
	fn(mb)
}

// withMessage also resolves the call's message id (immutable or ordinary).
func (e *Emulator) withMessage(c *call, fn func(mb *mailbox, m *message)) {
	e.withMailbox(c, func(mb *mailbox) {
		m := mb.lookup(c.m.msg)
		if m == nil {
			notFound(c)
			return
		}
		fn(mb, m)
	})
}

func notFound(c *call) {
	writeError(c.w, c.r, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

// applyPrefs echoes the honoured preferences in Preference-Applied.
// https://learn.microsoft.com/en-us/graph/outlook-immutable-id
func (c *call) applyPrefs() {
	var applied []string
	if c.prefs.immutable {
		applied = append(applied, `IdType="ImmutableId"`)
	}
	if c.prefs.bodyType != "" {
		applied = append(applied, `outlook.body-content-type="`+c.prefs.bodyType+`"`)
	}
	applied = append(applied, c.applied...)
	if len(applied) > 0 {
		c.w.Header().Set("Preference-Applied", strings.Join(applied, ", "))
	}
}

// baseURL is the scheme and host the caller used, for absolute links.
func (e *Emulator) baseURL(r *http.Request) string {
	if e.opts.BaseURL != "" {
		return strings.TrimSuffix(e.opts.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// https://learn.microsoft.com/en-us/graph/api/user-get
func (e *Emulator) getUser(c *call) {
	e.withMailbox(c, func(mb *mailbox) {
		writeJSON(c.w, http.StatusOK, map[string]any{
			"id": mb.id, "displayName": mb.name, "mail": mb.address, "userPrincipalName": mb.address,
		})
	})
}

func folderJSON(mb *mailbox, f *folder) map[string]any {
	total, unread := 0, 0
	for _, m := range mb.messages {
		if m.folderID == f.id {
			total++
			if !m.isRead {
				unread++
			}
		}
	}
	return map[string]any{"id": f.id, "displayName": f.displayName, "parentFolderId": mb.id,
		"childFolderCount": 0, "totalItemCount": total, "unreadItemCount": unread, "isHidden": false}
}

// https://learn.microsoft.com/en-us/graph/api/user-list-mailfolders
func (e *Emulator) listFolders(c *call) {
	e.withMailbox(c, func(mb *mailbox) {
		var out []any
		for _, f := range mb.folders {
			out = append(out, folderJSON(mb, f))
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"value": out})
	})
}

// https://learn.microsoft.com/en-us/graph/api/mailfolder-get
func (e *Emulator) getFolder(c *call) {
	e.withMailbox(c, func(mb *mailbox) {
		f := mb.folder(c.m.folder)
		if f == nil {
			notFound(c)
			return
		}
		writeJSON(c.w, http.StatusOK, folderJSON(mb, f))
	})
}

// sortedMessages returns a folder's messages (all when f is nil), oldest received first.
func sortedMessages(mb *mailbox, f *folder) []*message {
	var out []*message
	for _, m := range mb.messages {
		if f == nil || m.folderID == f.id {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *message) int {
		if c := a.received.Compare(b.received); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	return out
}

// badQuery answers a query error with Graph's codes.
func badQuery(c *call, err error) {
	writeError(c.w, c.r, http.StatusBadRequest, "BadRequest", err.Error())
}

// listMessages lists a folder's (or the mailbox's) messages with $filter, $orderby, $top,
// $skip and @odata.nextLink paging.
// https://learn.microsoft.com/en-us/graph/api/user-list-messages
// https://learn.microsoft.com/en-us/graph/paging
func (e *Emulator) listMessages(c *call) {
	q, err := parseQuery(c.r.URL.Query())
	if err != nil {
		badQuery(c, err)
		return
	}
	if !q.checkFilterOrder() {
		writeError(c.w, c.r, http.StatusBadRequest, "InefficientFilter", "The restriction or sort order is too complex for this operation.")
		return
	}
	e.withMailbox(c, func(mb *mailbox) {
		var f *folder
		if c.m.folder != "" {
			if f = mb.folder(c.m.folder); f == nil {
				notFound(c)
				return
			}
		}
		msgs := filterMessages(sortedMessages(mb, f), q.filter)
		orderMessages(msgs, q.orderBy)
		top := q.top
		if top == 0 {
			top = defaultPageSize
		}
		top = min(top, maxPageSize)
		page := msgs[min(q.skip, len(msgs)):]
		more := len(page) > top
		page = page[:min(top, len(page))]
		v := view{mb: mb, q: q, prefs: c.prefs}
		out := map[string]any{"value": renderAll(v, page)}
		if q.count {
			out["@odata.count"] = len(msgs)
		}
		if more {
			out["@odata.nextLink"] = e.pageLink(c.r, q.skip+top, top)
		}
		c.applyPrefs()
		writeJSON(c.w, http.StatusOK, out)
	})
}

func renderAll(v view, msgs []*message) []any {
	out := []any{}
	for _, m := range msgs {
		out = append(out, v.message(m))
	}
	return out
}

// pageLink repeats the request with $skip moved on, as Outlook's nextLinks do.
func (e *Emulator) pageLink(r *http.Request, skip, top int) string {
	vals := url.Values{}
	for k, vs := range r.URL.Query() {
		if !strings.EqualFold(k, "$skip") && !strings.EqualFold(k, "$top") {
			vals[k] = vs
		}
	}
	vals.Set("$top", strconv.Itoa(top))
	vals.Set("$skip", strconv.Itoa(skip))
	return e.baseURL(r) + r.URL.EscapedPath() + "?" + vals.Encode()
}

func filterMessages(msgs []*message, cs []clause) []*message {
	out := msgs[:0:0]
	for _, m := range msgs {
		if matches(m, cs) {
			out = append(out, m)
		}
	}
	return out
}

func matches(m *message, cs []clause) bool {
	for _, c := range cs {
		if !compare(fieldValue(m, c.prop), c.op, c.value) {
			return false
		}
	}
	return true
}

func fieldValue(m *message, prop string) any {
	switch prop {
	case "receivedDateTime":
		return m.received
	case "sentDateTime":
		return m.sent
	case "createdDateTime":
		return m.created
	case "lastModifiedDateTime":
		return m.modified
	case "isRead":
		return m.isRead
	case "isDraft":
		return m.isDraft
	case "hasAttachments":
		return hasNonInline(m)
	case "internetMessageId":
		return m.internetMessageID
	case "conversationId":
		return conversationID(m.convGUID)
	case "importance":
		return m.importance
	default:
		return m.subject
	}
}

func compare(have any, op string, want any) bool {
	var c int
	switch h := have.(type) {
	case time.Time:
		// Graph compares at second precision, the precision it reports.
		c = h.Truncate(time.Second).Compare(want.(time.Time).Truncate(time.Second))
	case bool:
		if op != "eq" && op != "ne" {
			return false
		}
		if h == want.(bool) {
			c = 0
		} else {
			c = 1
		}
	case string:
		c = strings.Compare(strings.ToLower(h), strings.ToLower(want.(string)))
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	default:
		return c <= 0
	}
}

// orderMessages sorts by $orderby; without it Graph lists newest received first.
func orderMessages(msgs []*message, os []order) {
	if len(os) == 0 {
		os = []order{{prop: "receivedDateTime", desc: true}}
	}
	slices.SortStableFunc(msgs, func(a, b *message) int {
		for _, o := range os {
			var c int
			va, vb := fieldValue(a, o.prop), fieldValue(b, o.prop)
			if ta, ok := va.(time.Time); ok {
				c = ta.Compare(vb.(time.Time))
			} else {
				c = strings.Compare(va.(string), vb.(string))
			}
			if o.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}

// https://learn.microsoft.com/en-us/graph/api/message-get
func (e *Emulator) getMessage(c *call) {
	q, err := parseQuery(c.r.URL.Query())
	if err != nil {
		badQuery(c, err)
		return
	}
	e.withMessage(c, func(mb *mailbox, m *message) {
		c.applyPrefs()
		writeJSON(c.w, http.StatusOK, view{mb: mb, q: q, prefs: c.prefs}.message(m))
	})
}

// updateMessage applies PATCH: any message's isRead; a draft's content too.
// https://learn.microsoft.com/en-us/graph/api/message-update
func (e *Emulator) updateMessage(c *call) {
	var in messageInput
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
		return
	}
	if err := in.validate(); err != nil {
		writeError(c.w, c.r, http.StatusBadRequest, "InvalidInternetMessageHeader", err.Error())
		return
	}
	e.withMessage(c, func(mb *mailbox, m *message) {
		if !m.isDraft && in.changesContent() {
			writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidPropertyUpdateSentMessage", "Update operation is not allowed for a property of a sent message.")
			return
		}
		in.applyTo(m)
		mb.touch(m, e.now())
		e.notifyChange(mb, m, "updated")
		c.applyPrefs()
		writeJSON(c.w, http.StatusOK, view{mb: mb, prefs: c.prefs}.message(m))
	})
}

// deleteMessage moves the message to Deleted Items (removing it there for good).
// https://learn.microsoft.com/en-us/graph/api/message-delete
func (e *Emulator) deleteMessage(c *call) {
	e.withMessage(c, func(mb *mailbox, m *message) {
		bin := mb.folder("deleteditems")
		if m.folderID == bin.id {
			mb.seq++
			mb.tombstones = append(mb.tombstones, tombstone{folderID: m.folderID, immutableID: m.immutableID, restID: m.restID, seq: mb.seq})
			delete(mb.messages, m.immutableID)
			delete(mb.restIndex, m.restID)
			e.notifyFolder(mb, m, m.folderID, "deleted")
		} else {
			e.moveAndNotify(mb, m, bin)
		}
		c.w.WriteHeader(http.StatusNoContent)
	})
}

// moveMessage answers 201 with the moved message, whose ordinary id has changed.
// https://learn.microsoft.com/en-us/graph/api/message-move
func (e *Emulator) moveMessage(c *call) {
	var in struct {
		DestinationID string `json:"destinationId"`
	}
	if err := json.NewDecoder(c.r.Body).Decode(&in); err != nil || in.DestinationID == "" {
		writeError(c.w, c.r, http.StatusBadRequest, "ErrorInvalidRequest", "The destinationId parameter is required.")
		return
	}
	e.withMessage(c, func(mb *mailbox, m *message) {
		f := mb.folder(in.DestinationID)
		if f == nil {
			notFound(c)
			return
		}
		e.moveAndNotify(mb, m, f)
		c.applyPrefs()
		writeJSON(c.w, http.StatusCreated, view{mb: mb, prefs: c.prefs}.message(m))
	})
}

// messageValue serves the message's MIME content.
// https://learn.microsoft.com/en-us/graph/outlook-get-mime-message
func (e *Emulator) messageValue(c *call) {
	e.withMessage(c, func(mb *mailbox, m *message) {
		raw := m.raw
		if raw == nil {
			raw = renderMIME(m)
		}
		c.w.Header().Set("Content-Type", "text/plain")
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(raw)
	})
}
