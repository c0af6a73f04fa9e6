package jiraemu

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

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
