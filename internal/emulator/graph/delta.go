package graphemu

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// deltaState is what a $skiptoken or $deltatoken stands for; Graph encodes the query options
// into its tokens, the emulator keeps them server-side so it can expire them.
// https://learn.microsoft.com/en-us/graph/delta-query-messages
type deltaState struct {
	mailboxID, folderID string
	q                   query
	changeType          string
	created             time.Time
	expired             bool
	sinceSeq            int64        // $deltatoken: changes after this sequence
	pending             []deltaEntry // $skiptoken: the rest of the round
	roundSeq            int64        // $skiptoken: the sequence the round started at
}

type deltaEntry struct {
	immutableID, restID string
	removed             bool
}

// ExpireDeltaLinks makes every delta and next link issued so far answer 410 Gone, as Graph
// does when its delta token cache evicts them, so callers' resync paths get exercised.
// https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset
func (e *Emulator) ExpireDeltaLinks() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, st := range e.deltas {
		st.expired = true
	}
}

// delta serves GET .../mailFolders/{f}/messages/delta.
// https://learn.microsoft.com/en-us/graph/api/message-delta
func (e *Emulator) delta(c *call) {
	vals := c.r.URL.Query()
	token, isDelta := firstParam(vals, "$deltatoken"), true
	if token == "" {
		token, isDelta = firstParam(vals, "$skiptoken"), false
	}
	var q query
	if token == "" {
		var err error
		if q, err = parseDeltaQuery(vals); err != nil {
			badQuery(c, err)
			return
		}
	}
	e.withMailbox(c, func(mb *mailbox) {
		f := mb.folder(c.m.folder)
		if f == nil {
			notFound(c)
			return
		}
		var st *deltaState
		if token != "" {
			st = e.deltas[token]
			if st == nil || st.expired || st.mailboxID != mb.id || st.folderID != f.id ||
				(e.opts.DeltaLinkTTL > 0 && e.now().Sub(st.created) > e.opts.DeltaLinkTTL) {
				// https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset
				writeError(c.w, c.r, http.StatusGone, "syncStateNotFound", "The delta token has expired or is unknown; synchronize again without it.")
				return
			}
		} else {
			st = &deltaState{mailboxID: mb.id, folderID: f.id, q: q, changeType: strings.ToLower(firstParam(vals, "changeType"))}
		}
		entries, roundSeq := st.pending, st.roundSeq
		if token == "" || isDelta {
			entries, roundSeq = e.deltaEntries(mb, f, st), mb.seq
		}
		e.deltaPage(c, mb, st, entries, roundSeq)
	})
}

func firstParam(v url.Values, name string) string {
	for k, vs := range v {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// parseDeltaQuery accepts what message delta supports: $select, $expand,
// $filter=receivedDateTime ge|gt, $orderby=receivedDateTime desc and $top.
func parseDeltaQuery(vals url.Values) (query, error) {
	q, err := parseQuery(vals)
	if err != nil {
		return q, err
	}
	for _, cl := range q.filter {
		if cl.prop != "receivedDateTime" || (cl.op != "ge" && cl.op != "gt") {
			return q, errBadDelta("$filter on delta supports only receivedDateTime ge or gt.")
		}
	}
	for _, o := range q.orderBy {
		if o.prop != "receivedDateTime" || !o.desc {
			return q, errBadDelta("$orderby on delta supports only receivedDateTime desc.")
		}
	}
	return q, nil
}

type errBadDelta string

func (e errBadDelta) Error() string { return string(e) }

// deltaEntries lists what a round reports: every matching message on the first round;
// later, those created or changed after the token and those that left the folder.
func (e *Emulator) deltaEntries(mb *mailbox, f *folder, st *deltaState) []deltaEntry {
	var out []deltaEntry
	msgs := filterMessages(sortedMessages(mb, f), st.q.filter)
	if len(st.q.orderBy) > 0 {
		orderMessages(msgs, st.q.orderBy)
	}
	for _, m := range msgs {
		if m.seq <= st.sinceSeq {
			continue
		}
		kind := "updated"
		if m.enteredSeq > st.sinceSeq {
			kind = "created"
		}
		if st.changeType == "" || strings.Contains(st.changeType, kind) {
			out = append(out, deltaEntry{immutableID: m.immutableID, restID: m.restID})
		}
	}
	if st.sinceSeq == 0 || (st.changeType != "" && !strings.Contains(st.changeType, "deleted")) {
		return out
	}
	for _, t := range mb.tombstones {
		if t.folderID == f.id && t.seq > st.sinceSeq && !slices.ContainsFunc(out, func(d deltaEntry) bool { return d.immutableID == t.immutableID }) {
			if m := mb.messages[t.immutableID]; m != nil && m.folderID == f.id {
				continue // it came back
			}
			out = append(out, deltaEntry{immutableID: t.immutableID, restID: t.restID, removed: true})
		}
	}
	return out
}

// deltaPage answers one page with a nextLink ($skiptoken) or, on the last page, a
// deltaLink ($deltatoken).
func (e *Emulator) deltaPage(c *call, mb *mailbox, st *deltaState, entries []deltaEntry, roundSeq int64) {
	size := c.prefs.maxPageSize
	if size <= 0 {
		size = st.q.top
	} else {
		c.applied = append(c.applied, "odata.maxpagesize="+strconv.Itoa(size))
	}
	if size <= 0 {
		size = defaultPageSize
	}
	page, rest := entries[:min(size, len(entries))], entries[min(size, len(entries)):]
	v := view{mb: mb, q: st.q, prefs: c.prefs}
	value := []any{}
	for _, d := range page {
		value = append(value, e.deltaItem(v, mb, st.folderID, d))
	}
	out := map[string]any{"value": value}
	next := &deltaState{mailboxID: st.mailboxID, folderID: st.folderID, q: st.q, changeType: st.changeType, created: e.now()}
	token := newID("")
	link := e.baseURL(c.r) + c.r.URL.EscapedPath()
	if len(rest) > 0 {
		next.pending, next.roundSeq = rest, roundSeq
		out["@odata.nextLink"] = link + "?%24skiptoken=" + token
	} else {
		next.sinceSeq = roundSeq
		out["@odata.deltaLink"] = link + "?%24deltatoken=" + token
	}
	e.deltas[token] = next
	c.applyPrefs()
	writeJSON(c.w, http.StatusOK, out)
}

// deltaItem renders an entry as the message, or as Graph's @removed stub when it is gone.
func (e *Emulator) deltaItem(v view, mb *mailbox, folderID string, d deltaEntry) map[string]any {
	m := mb.messages[d.immutableID]
	if !d.removed && m != nil && m.folderID == folderID {
		return v.message(m)
	}
	id := d.restID
	if v.prefs.immutable {
		id = d.immutableID
	}
	return map[string]any{"@odata.type": "#microsoft.graph.message", "id": id, "@removed": map[string]any{"reason": "deleted"}}
}
