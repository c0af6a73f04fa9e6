package graphemu

import (
	"net/http"
	"strings"
)

// attachmentQuery reads $select and $expand on the attachment routes.
func attachmentQuery(c *call) (query, bool) {
	var q query
	var err error
	for k, vs := range c.r.URL.Query() {
		switch {
		case len(vs) == 0:
		case strings.EqualFold(k, "$expand"):
			err = q.parseExpand(vs[0])
		case strings.EqualFold(k, "$select"):
			q.attSelect, err = parseAttachmentSelect(vs[0])
		}
		if err != nil {
			badQuery(c, err)
			return q, false
		}
	}
	return q, true
}

// https://learn.microsoft.com/en-us/graph/api/message-list-attachments
func (e *Emulator) listAttachments(c *call) {
	q, ok := attachmentQuery(c)
	if !ok {
		return
	}
	e.withMessage(c, func(mb *mailbox, m *message) {
		v := view{mb: mb, q: q, prefs: c.prefs}
		out := []any{}
		for _, a := range m.attachments {
			out = append(out, v.attachment(a))
		}
		writeJSON(c.w, http.StatusOK, map[string]any{"value": out})
	})
}

func findAttachment(m *message, id string) *attachment {
	for _, a := range m.attachments {
		if a.id == id {
			return a
		}
	}
	return nil
}

// getAttachment returns one attachment; an item attachment's mail only with
// $expand=microsoft.graph.itemattachment/item.
// https://learn.microsoft.com/en-us/graph/api/attachment-get
func (e *Emulator) getAttachment(c *call) {
	q, ok := attachmentQuery(c)
	if !ok {
		return
	}
	e.withMessage(c, func(mb *mailbox, m *message) {
		a := findAttachment(m, c.m.att)
		if a == nil {
			notFound(c)
			return
		}
		writeJSON(c.w, http.StatusOK, view{mb: mb, q: q, prefs: c.prefs}.attachment(a))
	})
}

// attachmentValue streams a file attachment's bytes or an item attachment's MIME; a
// reference attachment has no content to download and answers 405.
// https://learn.microsoft.com/en-us/graph/api/attachment-get (Get the raw contents of a file or item attachment)
func (e *Emulator) attachmentValue(c *call) {
	e.withMessage(c, func(mb *mailbox, m *message) {
		a := findAttachment(m, c.m.att)
		if a == nil {
			notFound(c)
			return
		}
		var body []byte
		ctype := a.contentType
		switch {
		case a.kind == kindReference:
			writeError(c.w, c.r, http.StatusMethodNotAllowed, "ErrorInvalidRequest", "The raw content of a reference attachment cannot be downloaded.")
			return
		case a.kind == kindItem:
			body, ctype = itemMIME(a), "text/plain"
		default:
			body = a.data
		}
		c.w.Header().Set("Content-Type", firstNonEmpty(ctype, "application/octet-stream"))
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(body)
	})
}
