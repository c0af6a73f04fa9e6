package jiraemu

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// routes registers every endpoint; the REST ones go through e.api (auth, faults, counters).
func (e *Emulator) routes() {
	e.mux = http.NewServeMux()
	e.mux.HandleFunc("GET /{$}", e.handlePage)
	e.mux.HandleFunc("GET /view/attachment/{id}/{name}", e.handleViewAttachment)

	e.api("POST /rest/api/3/issue", e.handleCreateIssue)
	e.api("GET /rest/api/3/issue/{key}", e.handleGetIssue)
	e.api("DELETE /rest/api/3/issue/{key}", e.handleDeleteIssue)
	e.api("POST /rest/api/3/search/jql", e.handleSearchJQL)
	e.api("GET /rest/api/3/search/jql", e.handleSearchJQL)
	e.api("GET /rest/api/3/search", e.handleOldSearch)
	e.api("POST /rest/api/3/search", e.handleOldSearch)
	e.api("POST /rest/api/3/issue/{key}/comment", e.handleAddComment)
	e.api("GET /rest/api/3/issue/{key}/comment", e.handleGetComments)
	e.api("GET /rest/api/3/issue/{key}/comment/{id}", e.handleGetComment)
	e.api("GET /rest/api/3/comment/{id}/properties/{prop}", e.handleCommentProperty)
	e.api("PUT /rest/api/3/comment/{id}/properties/{prop}", e.handleCommentProperty)
	e.api("POST /rest/api/3/issue/{key}/attachments", e.handleAddAttachments)
	e.api("GET /rest/api/3/attachment/{id}", e.handleAttachmentMeta)
	e.api("GET /rest/api/3/attachment/content/{id}", e.handleAttachmentContent)
	e.api("POST /rest/api/3/issue/{key}/watchers", e.handleAddWatcher)
	e.api("GET /rest/api/3/issue/{key}/watchers", e.handleGetWatchers)
	e.api("DELETE /rest/api/3/issue/{key}/watchers", e.handleDeleteWatcher)
	e.api("GET /rest/api/3/issue/{key}/properties", e.handleIssuePropertyKeys)
	e.api("GET /rest/api/3/issue/{key}/properties/{prop}", e.handleIssueProperty)
	e.api("PUT /rest/api/3/issue/{key}/properties/{prop}", e.handleIssueProperty)
	e.api("DELETE /rest/api/3/issue/{key}/properties/{prop}", e.handleIssueProperty)
	e.api("GET /rest/api/3/user/search", e.handleUserSearch)
	e.api("GET /rest/api/3/user", e.handleGetUser)
	e.api("GET /rest/api/3/myself", e.handleMyself)
	e.api("GET /rest/api/3/mypermissions", e.handleMyPermissions)
	e.api("GET /rest/api/3/project/search", e.handleProjectSearch)
	e.api("GET /rest/api/3/project/{key}", e.handleGetProject)
	e.api("GET /rest/api/3/issuetype", e.handleIssueTypes)
	e.api("GET /rest/api/3/priority", e.handlePriorities)
	e.api("GET /rest/api/3/label", e.handleLabels)
	e.api("GET /rest/api/3/filter/{id}", e.handleGetFilter)
	e.api("GET /rest/agile/1.0/board", e.handleBoards)
	e.api("GET /rest/agile/1.0/board/{id}", e.handleBoard)
	e.api("GET /rest/agile/1.0/board/{id}/configuration", e.handleBoardConfiguration)
	e.api("GET /rest/agile/1.0/board/{id}/project", e.handleBoardProjects)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jira emulator</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}article{border:1px solid #ccc;padding:0 1em;margin:1em 0}
.meta{color:#555;font-size:90%}.comment{border-left:3px solid #0052cc;padding-left:1em;margin:.5em 0}</style></head>
<body><h1>Jira emulator</h1>
<p class="meta">Read-only view. Projects:{{range .Projects}} {{.}}{{end}}. {{len .Issues}} issue(s), newest first.</p>
{{range .Issues}}<article id="{{.Key}}"><h2>{{.Key}}: {{.Summary}}</h2>
<p class="meta">{{.Type}} · {{.Status}} · priority {{.Priority}} · reporter {{.Reporter}} · labels {{.Labels}} · created {{.Created}}</p>
<div>{{.Description}}</div>
{{if .Attachments}}<h3>Attachments</h3><ul>{{range .Attachments}}<li><a href="{{.URL}}">{{.Name}}</a> ({{.Size}} bytes)</li>{{end}}</ul>{{end}}
{{if .Comments}}<h3>Comments</h3>{{range .Comments}}<div class="comment"><p class="meta">{{.Author}} · {{.Created}}{{if .Restricted}} · {{.Restricted}}{{end}}</p>{{.Body}}</div>{{end}}{{end}}
</article>{{end}}</body></html>
`))

type pageIssue struct {
	Key, Summary, Type, Status, Priority, Reporter, Labels, Created string
	Description                                                     template.HTML
	Attachments                                                     []pageAttachment
	Comments                                                        []pageComment
}

type pageAttachment struct {
	Name, URL string
	Size      int
}

type pageComment struct {
	Author, Created, Restricted string
	Body                        template.HTML
}

// handlePage shows the site's issues with their comments and attachments (optionally one
// project: ?project=KEY) so a person can watch the sandbox work.
func (e *Emulator) handlePage(w http.ResponseWriter, r *http.Request) {
	only := r.URL.Query().Get("project")
	base := e.base(r)
	e.mu.Lock()
	data := struct {
		Projects []string
		Issues   []pageIssue
	}{}
	for _, p := range e.projects {
		data.Projects = append(data.Projects, p.Key)
	}
	rend := e.renderer(base)
	for _, is := range slices.Backward(e.issues) {
		if only != "" && !strings.EqualFold(only, is.project.Key) {
			continue
		}
		data.Issues = append(data.Issues, e.pageIssueLocked(rend, is))
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTmpl.Execute(w, data); err != nil {
		e.log.Error("render page", "err", err)
	}
}

func (e *Emulator) pageIssueLocked(rend adfRenderer, is *issue) pageIssue {
	name := func(id string) string {
		if u := e.userLocked(id); u != nil {
			return u.DisplayName
		}
		return "(none)"
	}
	// The page is anonymous, so images point at the page's own attachment route.
	fix := func(h string) template.HTML {
		for _, a := range is.attachments {
			h = strings.ReplaceAll(h, rend.base+"/rest/api/3/attachment/content/"+strconv.Itoa(a.id), attachmentViewURL(a))
		}
		return template.HTML(h) // #nosec: rendered by our own ADF renderer, which escapes text
	}
	pi := pageIssue{
		Key: is.key, Summary: is.summary, Type: is.issueType.name, Status: is.status.name,
		Priority: is.priority.name, Reporter: name(is.reporter), Labels: strings.Join(is.labels, ", "),
		Created: humanTime(is.created), Description: fix(rend.render(is.description)),
	}
	for _, a := range is.attachments {
		pi.Attachments = append(pi.Attachments, pageAttachment{Name: a.filename, URL: attachmentViewURL(a), Size: len(a.data)})
	}
	for _, c := range is.comments {
		pc := pageComment{Author: name(c.author), Created: humanTime(c.created), Body: fix(rend.render(c.body))}
		if c.visibility != nil {
			pc.Restricted = "visible to " + c.visibility.Type + " " + c.visibility.Value
		}
		if !c.public() {
			pc.Restricted = strings.TrimPrefix(pc.Restricted+" · internal", " · ")
		}
		pi.Comments = append(pi.Comments, pc)
	}
	return pi
}

func (e *Emulator) handleViewAttachment(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PathValue("id"))
	e.mu.Lock()
	a, ok := e.attachments[n]
	e.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	serveAttachment(w, a)
}
