package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/mail2jira/mail2jira/internal/api"
	"github.com/mail2jira/mail2jira/internal/config"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

// The key the test server accepts, and the seeded Jira accounts.
const (
	apiKey     = "test-key-0123456789"
	botID      = "bot-1"
	botEmail   = "bot@example.com"
	botToken   = "bot-token"
	aliceID    = "alice-1"
	aliceEmail = "alice@example.com"
	bobID      = "bob-1" // email hidden by privacy settings
	bobEmail   = "bob@example.com"
	carolEmail = "carol@customer.example" // no Jira account: known only to the store
	daveID     = "dave-1"
	daveEmail  = "dave@example.com"
)

// apiEnv is the ticket API served by a real handlers.Server over the Jira emulator and
// Azurite, with every response checked against the OpenAPI document.
type apiEnv struct {
	t       *testing.T
	ts      *httptest.Server
	emu     *jiraemu.Emulator
	store   *store.Store
	cfg     *config.Config
	router  routers.Router
	jira    *jira.Client // the service's own client, to seed issues the API did not create
	jiraURL string
}

func testConfig() *config.Config {
	return &config.Config{
		Boards:          []config.Board{{Key: "support", Name: "Support board"}, {Key: "ops", Name: "Ops board"}},
		DefaultBoard:    "support",
		Labels:          []string{"mail2jira"},
		Categories:      []string{"general", "billing"},
		DefaultCategory: "general",
		TicketType:      "Task",
		PriorityHigh:    "High",
		PriorityLow:     "Low",
		TicketClientApp: "https://portal.example.com/tickets/",
		// The defaults of API_MAX_UPLOAD_MB and API_MAX_FILE_MB.
		APIMaxUploadBytes: 25 << 20,
		APIMaxFileBytes:   10 << 20,
	}
}

// newAPIEnv starts the API; mods change the configuration first.
func newAPIEnv(t *testing.T, mods ...func(*config.Config)) *apiEnv {
	t.Helper()
	ctx := context.Background()
	emu := jiraemu.New(jiraemu.Options{})
	jsrv := httptest.NewServer(emu)
	t.Cleanup(func() { jsrv.Close(); emu.Close() })
	emu.SetBaseURL(jsrv.URL)
	for _, p := range []jiraemu.Project{{Key: "SUP", Name: "Support"}, {Key: "OPS", Name: "Operations"}, {Key: "OTH", Name: "Other"}} {
		if _, err := emu.AddProject(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []jiraemu.User{
		{AccountID: botID, DisplayName: "Mail Bot", Email: botEmail, APIToken: botToken, AccountType: "app",
			Permissions: append([]string{jiraemu.PermModifyReporter}, jiraemu.DefaultPermissions...)},
		{AccountID: aliceID, DisplayName: "Alice Adams", Email: aliceEmail, Permissions: jiraemu.DefaultPermissions},
		{AccountID: bobID, DisplayName: "Bob Brown", Email: bobEmail, HideEmail: true, Permissions: jiraemu.DefaultPermissions},
		{AccountID: daveID, DisplayName: "Dave Davis", Email: daveEmail, Permissions: jiraemu.DefaultPermissions},
	} {
		if err := emu.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range []jiraemu.Board{{Name: "Support board", ProjectKey: "SUP"}, {Name: "Ops board", ProjectKey: "OPS"}} {
		if _, err := emu.AddBoard(b); err != nil {
			t.Fatal(err)
		}
	}
	jc, err := jira.New(jira.Config{SiteURL: jsrv.URL, Email: botEmail, APIToken: botToken, Cache: jira.NewMemoryCache(100, nil)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{ConnectionString: testenv.StorageConnection(t), TablePrefix: testenv.UniqueName(t, "api")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	for _, m := range mods {
		m(cfg)
	}
	impls := Impls(Deps{})
	impls[registry.FuncTickets] = Impl{Serve: TicketsFunc(TicketDeps{Jira: jc, Store: st, Config: cfg})}
	impls[registry.FuncDocs] = Impl{Serve: DocsFunc()}
	impls[registry.FuncOpenAPI] = Impl{Serve: OpenAPIFunc()}
	ts := newTestServer(t, false, impls, nil)
	return &apiEnv{t: t, ts: ts, emu: emu, store: st, cfg: cfg, router: docRouter(t, ts.URL), jira: jc, jiraURL: jsrv.URL}
}

func init() {
	// The docs page is HTML; the document describes it as a string.
	openapi3filter.RegisterBodyDecoder("text/html", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	})
}

// loadDoc loads and validates the embedded OpenAPI document.
func loadDoc(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := validateDoc(api.OpenAPI())
	if err != nil {
		tb.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	return doc
}

// docRouter routes requests to the test server to the document's operations.
func docRouter(tb testing.TB, base string) routers.Router {
	tb.Helper()
	doc := loadDoc(tb)
	doc.Servers = openapi3.Servers{{URL: base + "/" + registry.RoutePrefix}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// decode unmarshals the body into v.
func (r reply) decode(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode %s: %v", r, err)
	}
}

// problemFields lists the field names of a problem's errors.
func (r reply) problemFields(tb testing.TB) []string {
	tb.Helper()
	var p Problem
	r.decode(tb, &p)
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Name)
	}
	return out
}

// do sends a request with the key (unless header says otherwise) and checks the response
// against the OpenAPI document: the operation exists, the status is documented, and the
// body matches its schema.
func (e *apiEnv) do(method, path, contentType string, body io.Reader, header ...string) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.ts.URL+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("x-functions-key", apiKey)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: b}
	e.checkAgainstDoc(req, r)
	return r
}

func (e *apiEnv) get(path string, header ...string) reply {
	e.t.Helper()
	return e.do(http.MethodGet, path, "", nil, header...)
}

func (e *apiEnv) postJSON(path string, v any, header ...string) reply {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, "application/json", bytes.NewReader(b), header...)
}

// checkAgainstDoc validates a response with kin-openapi's filter. Request bodies are not
// re-read (they were streamed), so only the response side is checked here.
func (e *apiEnv) checkAgainstDoc(req *http.Request, r reply) {
	e.t.Helper()
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		if r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed {
			return // a path or method the API does not have: nothing to describe
		}
		e.t.Errorf("%s %s answered %d but the document has no such operation: %v", req.Method, req.URL.Path, r.status, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, ExcludeRequestBody: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Body: io.NopCloser(bytes.NewReader(r.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		e.t.Errorf("%s %s: response does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, err, r)
	}
}

// part is one multipart part: a field (filename empty) or a file.
type part struct {
	name, filename, contentType string
	data                        []byte
	size                        int64 // files: generate this many bytes instead of data
}

// multipartBody streams parts without holding large files in memory.
func multipartBody(parts []part) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			h := textproto.MIMEHeader{}
			if p.filename == "" {
				h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
			} else {
				h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
				h.Set("Content-Type", p.contentType)
			}
			w, err := mw.CreatePart(h)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if p.size > 0 {
				_, err = io.CopyN(w, zeros{}, p.size)
			} else {
				_, err = w.Write(p.data)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func (e *apiEnv) postMultipart(path string, parts []part, header ...string) reply {
	e.t.Helper()
	body, ct := multipartBody(parts)
	return e.do(http.MethodPost, path, ct, body, header...)
}

// fixture reads testdata/api/name.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "api", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// createTicket creates a ticket through the API and returns it.
func (e *apiEnv) createTicket(in map[string]any) api.Ticket {
	e.t.Helper()
	r := e.postJSON("/api/tickets", in)
	if r.status != http.StatusCreated {
		e.t.Fatalf("create: %s", r)
	}
	var t api.Ticket
	r.decode(e.t, &t)
	return t
}

// issue returns an issue's fields as Jira holds them.
func (e *apiEnv) issue(key string) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(e.emuURL(), "/")+"/rest/api/3/issue/"+key, nil)
	req.SetBasicAuth(botEmail, botToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Fields map[string]any `json:"fields"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.Fields
}

func (e *apiEnv) emuURL() string { return e.jiraURL }
