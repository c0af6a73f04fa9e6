package jiraemu

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// handleAddAttachments implements POST /rest/api/3/issue/{issueIdOrKey}/attachments: a
// multipart body whose parts are all named "file", guarded by X-Atlassian-Token: no-check.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/#api-rest-api-3-issue-issueidorkey-attachments-post
func (e *Emulator) handleAddAttachments(w http.ResponseWriter, r *http.Request, caller *User) {
	// https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#special-request-headers
	if !strings.EqualFold(r.Header.Get("X-Atlassian-Token"), "no-check") {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "XSRF check failed")
		return
	}
	files, status, msg := e.readFileParts(r)
	if status != 0 {
		writeErrors(w, status, []string{msg}, nil)
		return
	}
	base := e.base(r)
	is := e.lockVisibleIssue(w, r, caller)
	if is == nil {
		return
	}
	defer e.mu.Unlock()
	if !caller.has(PermCreateAttachments) {
		writeErrors(w, http.StatusForbidden, []string{"You do not have permission to create attachments for this issue."}, nil)
		return
	}
	out := make([]*attachment, 0, len(files))
	for _, f := range files {
		a := &attachment{id: e.newIDLocked(), issue: is, filename: f.name, mimeType: f.mime, data: f.data, author: caller.AccountID, created: e.opts.Now()}
		is.attachments = append(is.attachments, a)
		e.attachments[a.id] = a
		out = append(out, a)
	}
	is.updated = e.opts.Now()
	writeJSON(w, http.StatusOK, e.attachmentsJSONLocked(base, out))
}

type filePart struct {
	name, mime string
	data       []byte
}

// readFileParts reads every "file" part, refusing a file over the size limit with 413.
func (e *Emulator) readFileParts(r *http.Request) ([]filePart, int, string) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, http.StatusUnsupportedMediaType, "The request must be multipart/form-data."
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var files []filePart
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, http.StatusBadRequest, "The multipart body could not be read."
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(p, e.opts.MaxAttachmentSize+1))
		if err != nil {
			return nil, http.StatusBadRequest, "The multipart body could not be read."
		}
		if int64(len(data)) > e.opts.MaxAttachmentSize {
			return nil, http.StatusRequestEntityTooLarge, "The file '" + p.FileName() + "' is too large to attach; the limit is " + strconv.FormatInt(e.opts.MaxAttachmentSize, 10) + " bytes."
		}
		ct := p.Header.Get("Content-Type")
		if ct == "" || ct == "application/octet-stream" {
			if byExt := mime.TypeByExtension(filepath.Ext(p.FileName())); byExt != "" {
				ct = byExt
			} else {
				ct = http.DetectContentType(data)
			}
		}
		files = append(files, filePart{name: p.FileName(), mime: ct, data: data})
	}
	if len(files) == 0 {
		return nil, http.StatusBadRequest, "No file was found in the request: the part must be named 'file'."
	}
	return files, 0, ""
}

func (e *Emulator) attachmentsJSONLocked(base string, list []*attachment) []any {
	out := make([]any, 0, len(list))
	for _, a := range list {
		out = append(out, e.attachmentJSONLocked(base, a))
	}
	return out
}

// attachmentJSONLocked renders the Attachment schema.
func (e *Emulator) attachmentJSONLocked(base string, a *attachment) map[string]any {
	id := strconv.Itoa(a.id)
	return map[string]any{
		"self":     base + "/rest/api/3/attachment/" + id,
		"id":       id,
		"filename": a.filename,
		"author":   e.userRefLocked(base, a.author),
		"created":  jiraTime(a.created),
		"size":     len(a.data),
		"mimeType": a.mimeType,
		"content":  base + "/rest/api/3/attachment/content/" + id,
	}
}

// handleAttachmentMeta implements GET /rest/api/3/attachment/{id} (AttachmentMetadata).
func (e *Emulator) handleAttachmentMeta(w http.ResponseWriter, r *http.Request, caller *User) {
	base := e.base(r)
	e.mu.Lock()
	defer e.mu.Unlock()
	n, _ := strconv.Atoi(r.PathValue("id"))
	a, ok := e.attachments[n]
	if !ok || !caller.has(PermBrowseProjects) {
		writeErrors(w, http.StatusNotFound, []string{"The attachment with id '" + r.PathValue("id") + "' does not exist."}, nil)
		return
	}
	m := e.attachmentJSONLocked(base, a)
	m["id"] = a.id
	m["properties"] = map[string]any{}
	writeJSON(w, http.StatusOK, m)
}

// handleAttachmentContent implements GET /rest/api/3/attachment/content/{id}: by default Jira
// redirects to the file; with redirect=false it streams the bytes.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/#api-rest-api-3-attachment-content-id-get
func (e *Emulator) handleAttachmentContent(w http.ResponseWriter, r *http.Request, caller *User) {
	e.mu.Lock()
	n, _ := strconv.Atoi(r.PathValue("id"))
	a, ok := e.attachments[n]
	e.mu.Unlock()
	if !ok || !caller.has(PermBrowseProjects) {
		writeErrors(w, http.StatusNotFound, []string{"The attachment with id '" + r.PathValue("id") + "' does not exist."}, nil)
		return
	}
	if r.URL.Query().Get("redirect") != "false" {
		http.Redirect(w, r, r.URL.Path+"?redirect=false", http.StatusSeeOther)
		return
	}
	serveAttachment(w, a)
}

func serveAttachment(w http.ResponseWriter, a *attachment) {
	w.Header().Set("Content-Type", a.mimeType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.data)))
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.filename}))
	_, _ = w.Write(a.data)
}

// Attachment returns a stored attachment's file name, media type and bytes.
func (e *Emulator) Attachment(id string) (name, mimeType string, data []byte, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, _ := strconv.Atoi(id)
	a, ok := e.attachments[n]
	if !ok {
		return "", "", nil, false
	}
	return a.filename, a.mimeType, append([]byte(nil), a.data...), true
}

func attachmentViewURL(a *attachment) string {
	return "/view/attachment/" + strconv.Itoa(a.id) + "/" + url.PathEscape(a.filename)
}
