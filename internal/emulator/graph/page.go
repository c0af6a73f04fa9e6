package graphemu

import (
	"html/template"
	"net/http"
	"sort"
)

// pageTmpl is the read-only overview a person watches in a browser during the sandbox.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Graph mail emulator</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}pre{white-space:pre-wrap;max-width:60em}</style>
</head><body>
<h1>Graph mail emulator</h1>
<p>Deliver a mail: <code>curl -X POST -H 'Content-Type: message/rfc822' --data-binary @mail.eml '{{.Base}}/sandbox/deliver?mailbox=ADDRESS'</code></p>
{{range .Mailboxes}}
<h2>{{.Name}} &lt;{{.Address}}&gt;</h2>
{{range .Folders}}
<h3>{{.Name}} ({{len .Messages}})</h3>
{{if .Messages}}<table><tr><th>Received</th><th>From</th><th>To / Cc</th><th>Subject</th><th>Conversation</th><th>Details</th></tr>
{{range .Messages}}<tr><td>{{.ReceivedAt.Format "2006-01-02 15:04:05"}}</td><td>{{.From}}</td><td>{{.To}} {{if .Cc}}/ {{.Cc}}{{end}}</td>
<td>{{.Subject}}</td><td><code>{{.ConversationID}}</code></td>
<td><details><summary>body, headers, attachments</summary><pre>{{.TextBody}}</pre>
<p>Attachments: {{.Attachments}}</p><pre>{{range .Headers}}{{.Name}}: {{.Value}}
{{end}}</pre><p>Immutable id: <code>{{.ImmutableID}}</code></p></details></td></tr>
{{end}}</table>{{end}}
{{end}}
{{else}}<p>No mailboxes yet.</p>{{end}}
<h2>Subscriptions</h2>
{{if .Subs}}<table><tr><th>Id</th><th>Resource</th><th>Change type</th><th>Notification URL</th><th>Expires</th></tr>
{{range .Subs}}<tr><td><code>{{.ID}}</code></td><td>{{.Resource}}</td><td>{{.ChangeType}}</td><td>{{.URL}}</td><td>{{.Expires}}</td></tr>{{end}}
</table>{{else}}<p>None.</p>{{end}}
</body></html>`))

type pageFolder struct {
	Name     string
	Messages []Snapshot
}

type pageMailbox struct {
	Name, Address string
	Folders       []pageFolder
}

type pageSub struct {
	ID, Resource, ChangeType, URL, Expires string
}

// servePage renders mailboxes, folders, messages and subscriptions (never a clientState).
func (e *Emulator) servePage(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Base      string
		Mailboxes []pageMailbox
		Subs      []pageSub
	}{Base: e.baseURL(r)}
	e.mu.Lock()
	for _, mb := range e.mailboxes {
		pm := pageMailbox{Name: mb.name, Address: mb.address}
		for _, f := range mb.folders {
			pf := pageFolder{Name: f.displayName}
			msgs := sortedMessages(mb, f)
			for i := len(msgs) - 1; i >= 0; i-- {
				pf.Messages = append(pf.Messages, snapshot(mb, msgs[i]))
			}
			pm.Folders = append(pm.Folders, pf)
		}
		data.Mailboxes = append(data.Mailboxes, pm)
	}
	for _, s := range e.subs {
		data.Subs = append(data.Subs, pageSub{ID: s.id, Resource: s.resource, ChangeType: s.changeType,
			URL: redactURL(s.notificationURL), Expires: s.expires.Format("2006-01-02 15:04:05Z")})
	}
	e.mu.Unlock()
	sort.Slice(data.Subs, func(i, j int) bool { return data.Subs[i].ID < data.Subs[j].ID })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = pageTmpl.Execute(w, data)
}
