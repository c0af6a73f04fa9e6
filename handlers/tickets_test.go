package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/api"
	"github.com/mail2jira/mail2jira/internal/config"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/store"
)

func TestSupportedBoardsAndCategories(t *testing.T) {
	e := newAPIEnv(t)
	tests := []struct {
		path, want string
	}{
		{"/api/tickets/supported-boards", `{"boards":[{"key":"support","name":"Support board","default":true},{"key":"ops","name":"Ops board","default":false}]}`},
		{"/api/tickets/supported-categories", `{"categories":["general","billing"],"default":"general"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := e.get(tt.path)
			if r.status != http.StatusOK {
				t.Fatal(r)
			}
			if d := cmp.Diff(tt.want, string(r.body)); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		})
	}
}

func TestAuthentication(t *testing.T) {
	e := newAPIEnv(t)
	tests := []struct {
		name   string
		path   string
		header []string
		want   int
	}{
		{"missing key", "/api/tickets/supported-boards", []string{"x-functions-key", ""}, http.StatusUnauthorized},
		{"wrong key", "/api/tickets/supported-boards", []string{"x-functions-key", "wrong"}, http.StatusUnauthorized},
		{"wrong code", "/api/tickets/supported-boards?code=wrong", []string{"x-functions-key", ""}, http.StatusUnauthorized},
		{"key in code", "/api/tickets/supported-boards?code=" + apiKey, []string{"x-functions-key", ""}, http.StatusOK},
		{"key in header", "/api/tickets", nil, http.StatusOK},
		{"search without key", "/api/tickets?q=x", []string{"x-functions-key", ""}, http.StatusUnauthorized},
		{"docs are anonymous", "/api/docs/", []string{"x-functions-key", ""}, http.StatusOK},
		{"document is anonymous", "/api/openapi.json", []string{"x-functions-key", ""}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path, tt.header...)
			if r.status != tt.want {
				t.Fatalf("got %s, want %d", r, tt.want)
			}
			if tt.want == http.StatusUnauthorized && r.header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("content type %q", r.header.Get("Content-Type"))
			}
		})
	}
}

func TestCreateTicket(t *testing.T) {
	e := newAPIEnv(t)
	t.Run("json with every field", func(t *testing.T) {
		r := e.do(http.MethodPost, "/api/tickets", "application/json", bytes.NewReader(fixture(t, "create-full.json")))
		if r.status != http.StatusCreated {
			t.Fatal(r)
		}
		var got api.Ticket
		r.decode(t, &got)
		if loc := r.header.Get("Location"); loc != "/api/tickets/"+got.Key {
			t.Errorf("Location %q for %s", loc, got.Key)
		}
		want := api.Ticket{
			Key: "OPS-1", URL: "https://portal.example.com/tickets/OPS-1", Title: "VPN drops every hour",
			Board: "ops", Category: "billing", Project: "OPS", Type: "Task", Status: "To Do", StatusCategory: "new",
			Priority: "High", Reporter: &api.Person{AccountID: aliceID, DisplayName: "Alice Adams", Email: aliceEmail},
		}
		if d := cmp.Diff(want, got, ignoreVolatile); d != "" {
			t.Errorf("ticket (-want +got):\n%s", d)
		}
		if !slices.Contains(got.Labels, "mail2jira") || !slices.Contains(got.Labels, "billing") || len(got.Labels) != 3 {
			t.Errorf("labels %v: want the configured label, the category and a marker", got.Labels)
		}
		desc := string(got.Description)
		for _, s := range []string{`"From:"`, aliceID, `"Cc:"`, daveID, "mailto:" + carolEmail, "Since Monday the VPN disconnects"} {
			if !strings.Contains(desc, s) {
				t.Errorf("description lacks %s: %s", s, desc)
			}
		}
		w := e.get("/api/tickets/" + got.Key + "?fields=watchers")
		var withWatchers api.Ticket
		w.decode(t, &withWatchers)
		var ids []string
		for _, p := range withWatchers.Watchers {
			ids = append(ids, p.AccountID)
		}
		if !slices.Contains(ids, daveID) {
			t.Errorf("watchers %v lack %s", ids, daveID)
		}
	})
	t.Run("defaults and a requester without a Jira account", func(t *testing.T) {
		got := e.createTicket(map[string]any{"title": "Invoice missing", "body": "<p>Where is <b>my</b> invoice?</p>", "bodyFormat": "html", "reporter": carolEmail})
		if got.Board != "support" || got.Category != "general" || got.Project != "SUP" || got.Priority != "Medium" {
			t.Errorf("defaults: board %q category %q project %q priority %q", got.Board, got.Category, got.Project, got.Priority)
		}
		if got.Reporter == nil || got.Reporter.AccountID != botID {
			t.Errorf("reporter %+v: want the service account for a requester without one", got.Reporter)
		}
		if !strings.Contains(string(got.Description), `"strong"`) || !strings.Contains(string(got.Description), carolEmail) {
			t.Errorf("description %s: want the HTML converted and the requester named", got.Description)
		}
		refs, err := e.store.TicketsByReporter(context.Background(), carolEmail, time.Time{})
		if err != nil || len(refs) != 1 || refs[0].Key != got.Key {
			t.Errorf("store refs %+v, %v: want %s recorded for %s", refs, err, got.Key, carolEmail)
		}
	})
	t.Run("multipart with two files", func(t *testing.T) {
		r := e.postMultipart("/api/tickets", []part{
			{name: "title", data: []byte("Screen flickers")},
			{name: "attachments", filename: "screen.png", contentType: "image/png", data: []byte("\x89PNG\r\n\x1a\nfake")},
			{name: "body", data: []byte("See the two files.")},
			{name: "reporter", data: []byte(aliceEmail)},
			{name: "watchers", data: []byte(daveEmail + ", " + carolEmail)},
			{name: "attachments", filename: `C:\Users\alice\log.txt`, contentType: "text/plain", data: []byte("line 1\nline 2\n")},
			{name: "priority", data: []byte("low")},
		})
		if r.status != http.StatusCreated {
			t.Fatal(r)
		}
		var got api.Ticket
		r.decode(t, &got)
		var names []string
		for _, a := range got.Attachments {
			names = append(names, a.Filename)
			if _, _, data, ok := e.emu.Attachment(a.ID); !ok || int64(len(data)) != a.Size {
				t.Errorf("attachment %s: stored %v, %d bytes, reported %d", a.Filename, ok, len(data), a.Size)
			}
		}
		if d := cmp.Diff([]string{"screen.png", "log.txt"}, names); d != "" {
			t.Errorf("attachments (-want +got):\n%s", d)
		}
		if got.Priority != "Low" || len(got.Warnings) != 0 {
			t.Errorf("priority %q warnings %v", got.Priority, got.Warnings)
		}
	})
	t.Run("idempotency key replays the first ticket", func(t *testing.T) {
		in := map[string]any{"title": "Retry me please", "body": "Same request twice.", "reporter": aliceEmail}
		first := e.postJSON("/api/tickets", in, "Idempotency-Key", "req-42")
		second := e.postJSON("/api/tickets", in, "Idempotency-Key", "req-42")
		if first.status != http.StatusCreated || second.status != http.StatusOK {
			t.Fatalf("first %s, second %s", first, second)
		}
		var a, b api.Ticket
		first.decode(t, &a)
		second.decode(t, &b)
		if a.Key != b.Key {
			t.Errorf("replay created %s after %s", b.Key, a.Key)
		}
	})
}

// ignoreVolatile leaves out what the emulator makes up (ids, times, ADF, links).
var ignoreVolatile = cmp.FilterPath(func(p cmp.Path) bool {
	switch p.Last().String() {
	case ".ID", ".JiraURL", ".Description", ".Created", ".Updated", ".Labels", ".Watchers", ".Attachments", ".Warnings":
		return true
	}
	return false
}, cmp.Ignore())

func TestCreateTicketInvalid(t *testing.T) {
	e := newAPIEnv(t)
	tests := []struct {
		fixture string
		want    []string
	}{
		{"create-invalid.json", []string{"title", "body", "bodyFormat", "reporter", "board", "category", "watchers", "priority"}},
		{"create-missing.json", []string{"title", "body", "reporter"}},
		{"create-unknown-field.json", []string{"assignee"}},
		{"create-wrong-type.json", []string{"title"}},
		{"create-not-object.json", []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			r := e.do(http.MethodPost, "/api/tickets", "application/json", bytes.NewReader(fixture(t, tt.fixture)))
			if r.status != http.StatusBadRequest {
				t.Fatal(r)
			}
			if d := cmp.Diff(tt.want, r.problemFields(t)); d != "" {
				t.Errorf("fields (-want +got):\n%s", d)
			}
		})
	}
	if keys := e.emu.IssueKeys(); len(keys) != 0 {
		t.Errorf("invalid requests created %v", keys)
	}
}

func TestCreateTicketMediaAndSize(t *testing.T) {
	// Uploads are spooled to os.TempDir while a request is validated; none may be left.
	spool := t.TempDir()
	t.Setenv("TMPDIR", spool)
	e := newAPIEnv(t)
	fields := []part{{name: "title", data: []byte("Big files")}, {name: "body", data: []byte("Too much data.")}, {name: "reporter", data: []byte(aliceEmail)}}
	tests := []struct {
		name   string
		send   func() reply
		status int
		detail string
	}{
		{"text/plain", func() reply {
			return e.do(http.MethodPost, "/api/tickets", "text/plain", strings.NewReader("title=x"))
		}, http.StatusUnsupportedMediaType, "send application/json or multipart/form-data"},
		{"form-urlencoded", func() reply {
			return e.do(http.MethodPost, "/api/tickets", "application/x-www-form-urlencoded", strings.NewReader("title=x"))
		}, http.StatusUnsupportedMediaType, "send application/json or multipart/form-data"},
		{"no content type", func() reply {
			return e.do(http.MethodPost, "/api/tickets", "", strings.NewReader(`{}`))
		}, http.StatusUnsupportedMediaType, "send application/json or multipart/form-data"},
		{"30 MB upload", func() reply {
			return e.postMultipart("/api/tickets", append(fields, part{name: "attachments", filename: "big.bin", contentType: "application/octet-stream", size: 30 << 20}))
		}, http.StatusRequestEntityTooLarge, `attachment "big.bin" is larger than the limit of 10 MB per file`},
		{"one file over the per-file limit", func() reply {
			return e.postMultipart("/api/tickets", append(fields, part{name: "attachments", filename: "eleven.bin", contentType: "application/octet-stream", size: 11 << 20}))
		}, http.StatusRequestEntityTooLarge, `attachment "eleven.bin" is larger than the limit of 10 MB per file`},
		{"files over the total limit", func() reply {
			var ps []part
			for _, n := range []string{"a.bin", "b.bin", "c.bin"} {
				ps = append(ps, part{name: "attachments", filename: n, contentType: "application/octet-stream", size: 9 << 20})
			}
			return e.postMultipart("/api/tickets", append(fields, ps...))
		}, http.StatusRequestEntityTooLarge, "the attachments together are larger than the limit of 25 MB"},
		{"30 MB with a Content-Length", func() reply {
			body, ct := multipartBody(append(fields, part{name: "attachments", filename: "big.bin", contentType: "application/octet-stream", size: 30 << 20}))
			var buf bytes.Buffer
			buf.ReadFrom(body)
			return e.do(http.MethodPost, "/api/tickets", ct, &buf)
		}, http.StatusRequestEntityTooLarge, "the request body is larger than the limit of 26 MB"},
		{"file in a comment field of a ticket", func() reply {
			return e.postMultipart("/api/tickets", append(fields, part{name: "body", filename: "x.txt", contentType: "text/plain", data: []byte("x")}))
		}, http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send()
			if r.status != tt.status {
				t.Fatal(r)
			}
			var p Problem
			r.decode(t, &p)
			if tt.detail != "" && p.Detail != tt.detail {
				t.Errorf("detail %q, want %q", p.Detail, tt.detail)
			}
		})
	}
	if keys := e.emu.IssueKeys(); len(keys) != 0 {
		t.Errorf("refused requests created %v", keys)
	}
	if left, _ := filepath.Glob(filepath.Join(spool, "m2j-upload-*")); len(left) != 0 {
		t.Errorf("spooled uploads left behind: %v", left)
	}
}

func TestGetTicket(t *testing.T) {
	e := newAPIEnv(t)
	own := e.createTicket(map[string]any{"title": "Keyboard sticky", "body": "Coffee happened.", "reporter": aliceEmail})
	if _, err := e.emu.AddComment(own.Key, aliceID, jiraemu.CommentInput{Body: jiraemu.TextADF("I will bring a new one.")}); err != nil {
		t.Fatal(err)
	}
	foreign, err := e.jira.Create(context.Background(), jira.NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "Not ours: no label"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		status     int
		check      func(t *testing.T, got api.Ticket)
	}{
		{"owned", "/api/tickets/" + own.Key, http.StatusOK, func(t *testing.T, got api.Ticket) {
			if got.Key != own.Key || got.Comments != nil || got.DescriptionHTML != nil {
				t.Errorf("got %+v", got)
			}
		}},
		{"lower-case key", "/api/tickets/" + strings.ToLower(own.Key), http.StatusOK, nil},
		{"extra fields", "/api/tickets/" + own.Key + "?fields=comments,rendered&fields=attachments", http.StatusOK, func(t *testing.T, got api.Ticket) {
			if len(got.Comments) != 1 || got.Comments[0].BodyHTML == nil || got.DescriptionHTML == nil {
				t.Errorf("comments %+v, descriptionHtml %v", got.Comments, got.DescriptionHTML)
			}
		}},
		{"comments without rendering", "/api/tickets/" + own.Key + "?fields=comments", http.StatusOK, func(t *testing.T, got api.Ticket) {
			if len(got.Comments) != 1 || got.Comments[0].BodyHTML != nil || !strings.Contains(string(got.Comments[0].Body), "new one") {
				t.Errorf("comments %+v", got.Comments)
			}
		}},
		{"unknown field", "/api/tickets/" + own.Key + "?fields=secrets", http.StatusBadRequest, nil},
		{"unknown key", "/api/tickets/SUP-999", http.StatusNotFound, nil},
		{"unknown project", "/api/tickets/NOPE-1", http.StatusNotFound, nil},
		{"not a key", "/api/tickets/'or'1'='1", http.StatusNotFound, nil},
		{"not owned", "/api/tickets/" + foreign.Key, http.StatusNotFound, nil},
		{"unknown sub-resource", "/api/tickets/" + own.Key + "/history", http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path)
			if r.status != tt.status {
				t.Fatal(r)
			}
			if tt.check != nil {
				var got api.Ticket
				r.decode(t, &got)
				tt.check(t, got)
			}
		})
	}
}

// TestBoardMissingInJira: a configured board Jira does not have is an operator's problem:
// requests for it fail with a 500 that says nothing internal, the other boards keep working.
func TestBoardMissingInJira(t *testing.T) {
	e := newAPIEnv(t, func(c *config.Config) {
		c.Boards = append(c.Boards, config.Board{Key: "gone", Name: "Deleted board"})
	})
	own := e.createTicket(map[string]any{"title": "Still works", "body": "Other boards are fine.", "reporter": aliceEmail})
	tests := []struct {
		name   string
		send   func() reply
		status int
	}{
		{"create on it", func() reply {
			return e.postJSON("/api/tickets", map[string]any{"title": "Nowhere", "body": "No such board.", "reporter": aliceEmail, "board": "gone"})
		}, http.StatusInternalServerError},
		{"search it", func() reply { return e.get("/api/tickets?boards=gone") }, http.StatusInternalServerError},
		{"search the others", func() reply { return e.get("/api/tickets") }, http.StatusOK},
		{"read a ticket", func() reply { return e.get("/api/tickets/" + own.Key) }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send()
			if r.status != tt.status {
				t.Fatal(r)
			}
			if r.status == http.StatusInternalServerError && strings.Contains(string(r.body), "Deleted board") {
				t.Errorf("internal error text leaked: %s", r)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newAPIEnv(t)
	r := e.postJSON("/api/tickets/supported-boards", map[string]any{})
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" {
		t.Fatalf("%s, Allow %q", r, r.header.Get("Allow"))
	}
}

func TestComment(t *testing.T) {
	e := newAPIEnv(t)
	own := e.createTicket(map[string]any{"title": "Mouse lost", "body": "It ran away.", "reporter": aliceEmail})
	foreign, err := e.jira.Create(context.Background(), jira.NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "Not ours"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/tickets/" + own.Key + "/comments"
	tests := []struct {
		name      string
		send      func() reply
		status    int
		wantFiles []string
		wantText  []string
	}{
		{"json", func() reply {
			return e.postJSON(path, map[string]any{"body": "Found it under the desk.", "author": carolEmail})
		}, http.StatusCreated, nil, []string{"Found it under the desk.", "mailto:" + carolEmail}},
		{"multipart with two files", func() reply {
			return e.postMultipart(path, []part{
				{name: "author", data: []byte(aliceEmail)},
				{name: "body", data: []byte("Photos attached.")},
				{name: "attachments", filename: "one.jpg", contentType: "image/jpeg", data: []byte("\xff\xd8\xff one")},
				{name: "attachments", filename: "two.jpg", contentType: "image/jpeg", data: []byte("\xff\xd8\xff two")},
			})
		}, http.StatusCreated, []string{"one.jpg", "two.jpg"}, []string{"Photos attached.", aliceID, "Attached: one.jpg, two.jpg"}},
		{"invalid", func() reply {
			return e.do(http.MethodPost, path, "application/json", bytes.NewReader(fixture(t, "comment-invalid.json")))
		}, http.StatusBadRequest, nil, nil},
		{"unknown key", func() reply {
			return e.postJSON("/api/tickets/SUP-999/comments", map[string]any{"body": "Hello", "author": aliceEmail})
		}, http.StatusNotFound, nil, nil},
		{"not owned", func() reply {
			return e.postJSON("/api/tickets/"+foreign.Key+"/comments", map[string]any{"body": "Hello", "author": aliceEmail})
		}, http.StatusNotFound, nil, nil},
		{"wrong content type", func() reply {
			return e.do(http.MethodPost, path, "text/xml", strings.NewReader("<body/>"))
		}, http.StatusUnsupportedMediaType, nil, nil},
		{"file over the limit", func() reply {
			return e.postMultipart(path, []part{{name: "author", data: []byte(aliceEmail)}, {name: "body", data: []byte("Big")},
				{name: "attachments", filename: "big.bin", contentType: "application/octet-stream", size: 11 << 20}})
		}, http.StatusRequestEntityTooLarge, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.send()
			if r.status != tt.status {
				t.Fatal(r)
			}
			if r.status != http.StatusCreated {
				return
			}
			var got api.Comment
			r.decode(t, &got)
			var names []string
			for _, a := range got.Attachments {
				names = append(names, a.Filename)
			}
			if d := cmp.Diff(tt.wantFiles, names); d != "" {
				t.Errorf("attachments (-want +got):\n%s", d)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(string(got.Body), s) {
					t.Errorf("comment lacks %q: %s", s, got.Body)
				}
			}
		})
	}
	if r := e.get("/api/tickets/" + foreign.Key + "?fields=comments"); r.status != http.StatusNotFound {
		t.Errorf("foreign issue readable: %s", r)
	}
}

func TestSearch(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	a := e.createTicket(map[string]any{"title": "Printer jams on tray two", "body": "Paper everywhere.", "reporter": carolEmail})
	b := e.createTicket(map[string]any{"title": "Invoice wrong amount", "body": "Charged twice.", "reporter": aliceEmail, "category": "billing", "board": "ops"})
	c := e.createTicket(map[string]any{"title": "Printer offline", "body": "Cannot print.", "reporter": carolEmail, "watchers": []string{daveEmail}})
	if err := e.emu.SetStatus(c.Key, "In Progress"); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.SetAssignee(b.Key, daveID); err != nil {
		t.Fatal(err)
	}
	// A ticket the mail processor made for carol's mail: found by reporter through the store
	// and the thread's marker label, as the mail package writes it.
	const mailbox, conv = "support@contoso.example", "AAQkADAwATM0MDAAMS1"
	mailKey, err := e.jira.Create(ctx, jira.NewIssue{ProjectKey: "SUP", IssueType: "Task", Summary: "Mailed request",
		Labels: []string{"mail2jira", "general", mail.MarkerLabel(mailbox, conv)}})
	if err != nil {
		t.Fatal(err)
	}
	_, claim, err := e.store.ClaimConversation(ctx, mailbox, conv, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CompleteTicket(ctx, claim, store.Ticket{Mailbox: mailbox, ConversationID: conv, Key: mailKey.Key, Reporter: carolEmail}); err != nil {
		t.Fatal(err)
	}
	// Issues the service does not own: no label, or the label in another project.
	for _, ni := range []jira.NewIssue{
		{ProjectKey: "SUP", IssueType: "Task", Summary: "Printer foreign, no label"},
		{ProjectKey: "OTH", IssueType: "Task", Summary: "Printer foreign project", Labels: []string{"mail2jira"}},
	} {
		if _, err := e.jira.Create(ctx, ni); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		query  string
		want   []string
		fields []string // want 400 naming these
	}{
		{"all owned, newest first", "", []string{mailKey.Key, c.Key, b.Key, a.Key}, nil},
		{"oldest first", "order=asc", []string{a.Key, b.Key, c.Key, mailKey.Key}, nil},
		{"every word of q must match", "categories=billing&categories=general&q=printer+invoice", nil, nil},
		{"by updated (b was assigned after c moved)", "sort=updated&boards=support&boards=ops&limit=3", []string{mailKey.Key, b.Key, c.Key}, nil},
		{"board", "boards=ops", []string{b.Key}, nil},
		{"boards repeated", "boards=ops&boards=support", []string{mailKey.Key, c.Key, b.Key, a.Key}, nil},
		{"category", "categories=billing", []string{b.Key}, nil},
		{"reporter from the store", "reporter=" + url.QueryEscape(carolEmail), []string{mailKey.Key, c.Key, a.Key}, nil},
		{"reporter with no tickets", "reporter=nobody%40example.com", nil, nil},
		{"assignee", "assignee=" + daveEmail, []string{b.Key}, nil},
		{"assignee without an account", "assignee=" + url.QueryEscape(carolEmail), nil, nil},
		{"watcher", "watcher=" + daveEmail, []string{c.Key}, nil},
		{"status", "status=In+Progress", []string{c.Key}, nil},
		{"text", "q=printer", []string{c.Key, a.Key}, nil},
		{"text, two words", "q=printer+tray", []string{a.Key}, nil},
		{"jql injection in q stays text", "q=" + url.QueryEscape(`x" OR project = OTH OR summary ~ "printer`), nil, nil},
		{"jql injection in q with operators", "q=" + url.QueryEscape(`printer) OR (labels is EMPTY`), nil, nil},
		{"jql injection in status stays text", "status=" + url.QueryEscape(`Done" OR project = "OTH`), nil, []string{"status"}},
		{"invalid filters", "boards=nope&categories=nope&reporter=x&assignee=y&watcher=z&limit=0&sort=priority&order=up&fields=all&pageToken=%25&color=red",
			nil, []string{"boards", "categories", "color", "fields", "limit", "order", "pageToken", "reporter", "sort", "watcher", "assignee"}},
		{"limit too large", "limit=101", nil, []string{"limit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get("/api/tickets?" + tt.query)
			if tt.fields != nil {
				if r.status != http.StatusBadRequest {
					t.Fatal(r)
				}
				got := r.problemFields(t)
				slices.Sort(got)
				want := slices.Clone(tt.fields)
				slices.Sort(want)
				if d := cmp.Diff(want, slices.Compact(got)); d != "" {
					t.Errorf("fields (-want +got):\n%s", d)
				}
				return
			}
			if r.status != http.StatusOK {
				t.Fatal(r)
			}
			var res api.SearchResult
			r.decode(t, &res)
			if d := cmp.Diff(tt.want, keysOf(res.Tickets)); d != "" {
				t.Errorf("keys (-want +got):\n%s", d)
			}
		})
	}
}

func keysOf(ts []api.Ticket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Key)
	}
	return out
}

func TestSearchPaging(t *testing.T) {
	e := newAPIEnv(t)
	var want []string
	for i := range 5 {
		tk := e.createTicket(map[string]any{"title": "Paged ticket " + string(rune('A'+i)), "body": "Page me.", "reporter": carolEmail})
		want = append([]string{tk.Key}, want...)
	}
	for _, filter := range []string{"", "&reporter=" + url.QueryEscape(carolEmail)} {
		t.Run("filter"+filter, func(t *testing.T) {
			var got []string
			token := ""
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("paging does not end")
				}
				q := "/api/tickets?limit=2&fields=watchers" + filter
				if token != "" {
					q += "&pageToken=" + url.QueryEscape(token)
				}
				r := e.get(q)
				if r.status != http.StatusOK {
					t.Fatal(r)
				}
				var res api.SearchResult
				r.decode(t, &res)
				got = append(got, keysOf(res.Tickets)...)
				if pages == 0 && filter != "" {
					// A ticket opened between pages must not break the cursor.
					e.createTicket(map[string]any{"title": "Opened while paging", "body": "Late.", "reporter": carolEmail})
				}
				if token = res.NextPageToken; token == "" {
					break
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("keys over all pages (-want +got):\n%s", d)
			}
		})
	}
	r := e.get("/api/tickets?limit=2&q=other&pageToken=" + url.QueryEscape(firstToken(t, e)))
	if r.status != http.StatusBadRequest {
		t.Errorf("token of another query: %s", r)
	}
}

func firstToken(t *testing.T, e *apiEnv) string {
	t.Helper()
	var res api.SearchResult
	e.get("/api/tickets?limit=1").decode(t, &res)
	if res.NextPageToken == "" {
		t.Fatal("no next page")
	}
	return res.NextPageToken
}

func TestThrottlingPassthrough(t *testing.T) {
	e := newAPIEnv(t)
	own := e.createTicket(map[string]any{"title": "Throttle me", "body": "Please.", "reporter": aliceEmail})
	tests := []struct {
		name   string
		route  string
		fault  jiraemu.Fault
		send   func() reply
		status int
		retry  string
	}{
		{"create 429", "POST /rest/api/3/issue", jiraemu.Fault{Status: 429, RetryAfter: 7 * time.Second, Times: 1}, func() reply {
			return e.postJSON("/api/tickets", map[string]any{"title": "Not now", "body": "Busy Jira.", "reporter": aliceEmail})
		}, http.StatusTooManyRequests, "7"},
		{"search 503 beyond the adapter's patience", jiraemu.AllRoutes, jiraemu.Fault{Status: 503, RetryAfter: 120 * time.Second, Fraction: 1}, func() reply {
			return e.get("/api/tickets?q=anything")
		}, http.StatusServiceUnavailable, "120"},
		{"comment 429", "POST /rest/api/3/issue/{key}/comment", jiraemu.Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 1}, func() reply {
			return e.postJSON("/api/tickets/"+own.Key+"/comments", map[string]any{"body": "Later", "author": aliceEmail})
		}, http.StatusTooManyRequests, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.emu.InjectFault(tt.route, tt.fault)
			defer e.emu.ClearFaults()
			r := tt.send()
			if r.status != tt.status || r.header.Get("Retry-After") != tt.retry {
				t.Fatalf("got %s with Retry-After %q, want %d and %s", r, r.header.Get("Retry-After"), tt.status, tt.retry)
			}
			var p Problem
			r.decode(t, &p)
			if !strings.Contains(p.Detail, "Retry-After") {
				t.Errorf("detail %q", p.Detail)
			}
		})
	}
}

// TestPartialCreate: once the issue exists, an upload or watcher Jira refuses becomes a
// warning on the 201 (failing would invite a retry that duplicates the ticket); a throttled
// upload is tried again from the spooled file.
func TestPartialCreate(t *testing.T) {
	e := newAPIEnv(t)
	tests := []struct {
		name         string
		route        string
		fault        jiraemu.Fault
		wantFiles    []string
		wantWarnings []string
	}{
		{"upload throttled once, then retried", "POST /rest/api/3/issue/{key}/attachments",
			jiraemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, []string{"notes.txt"}, nil},
		{"upload throttled for long", "POST /rest/api/3/issue/{key}/attachments",
			jiraemu.Fault{Status: 429, RetryAfter: time.Minute, Fraction: 1}, nil, []string{"attachment notes.txt was not uploaded (Jira is busy)"}},
		{"watcher refused", "POST /rest/api/3/issue/{key}/watchers",
			jiraemu.Fault{Status: 503, RetryAfter: time.Minute, Fraction: 1}, []string{"notes.txt"}, []string{"watcher dave@example.com was not added (Jira is busy)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.emu.InjectFault(tt.route, tt.fault)
			defer e.emu.ClearFaults()
			r := e.postMultipart("/api/tickets", []part{
				{name: "title", data: []byte("Partly done")}, {name: "body", data: []byte("Some parts fail.")},
				{name: "reporter", data: []byte(aliceEmail)}, {name: "watchers", data: []byte(daveEmail)},
				{name: "attachments", filename: "notes.txt", contentType: "text/plain", data: []byte("notes")},
			})
			if r.status != http.StatusCreated {
				t.Fatal(r)
			}
			var got api.Ticket
			r.decode(t, &got)
			var names []string
			for _, a := range got.Attachments {
				names = append(names, a.Filename)
			}
			if d := cmp.Diff(tt.wantFiles, names); d != "" {
				t.Errorf("attachments (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantWarnings, got.Warnings); d != "" {
				t.Errorf("warnings (-want +got):\n%s", d)
			}
		})
	}
}
