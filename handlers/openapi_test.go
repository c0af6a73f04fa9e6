package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/api"
)

// TestOpenAPIDocument checks the document is valid OpenAPI 3.1 (see validateDoc).
func TestOpenAPIDocument(t *testing.T) {
	doc := loadDoc(t)
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
}

// responseCode is what OpenAPI allows as a response key.
var responseCode = regexp.MustCompile(`^([1-5][0-9]{2}|[1-5]XX|default)$`)

// validateDoc loads a document and validates it with kin-openapi, which checks OpenAPI 3.1
// documents against 3.1's rules and their schemas as JSON Schema 2020-12, then with the
// rules kin-openapi leaves out (response keys) and the API's own conventions.
func validateDoc(data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	var problems []error
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" || ids[op.OperationID] {
				problems = append(problems, fmt.Errorf("%s: needs a unique operationId and a summary", name))
			}
			ids[op.OperationID] = true
			for code, resp := range op.Responses.Map() {
				if !responseCode.MatchString(code) {
					problems = append(problems, fmt.Errorf("%s: %q is not a response status", name, code))
				}
				if code >= "400" && resp.Value.Content.Get("application/problem+json") == nil {
					problems = append(problems, fmt.Errorf("%s %s: errors are application/problem+json", name, code))
				}
			}
			if strings.HasPrefix(path, "/tickets") && op.Security != nil {
				problems = append(problems, fmt.Errorf("%s: ticket operations need the function key (the document's default security)", name))
			}
		}
	}
	return doc, errors.Join(problems...)
}

// documented lists the document's operations as "METHOD /path".
func documented(doc *openapi3.T) []string {
	var out []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIMatchesRoutes fails when the ticket function serves an operation the document
// does not describe, or the other way round.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	want := []string{"GET /docs/", "GET /openapi.json"}
	for _, r := range api.Routes {
		want = append(want, r.Method+" "+r.Path)
	}
	slices.Sort(want)
	if d := cmp.Diff(want, documented(loadDoc(t))); d != "" {
		t.Errorf("operations (-served +documented):\n%s", d)
	}
}

// walkSample is a request that exercises one documented operation.
type walkSample struct {
	path        string
	contentType string
	body        func() []byte
	status      int
}

// TestOpenAPIWalk sends a request for every documented operation to the live router and
// validates the request and the response against the document; an operation without a
// sample, or a sample for an operation the document lacks, fails.
func TestOpenAPIWalk(t *testing.T) {
	e := newAPIEnv(t)
	own := e.createTicket(map[string]any{"title": "Walk the spec", "body": "Every operation.", "reporter": aliceEmail})
	multipartComment := func() ([]byte, string) {
		body, ct := multipartBody([]part{{name: "author", data: []byte(aliceEmail)}, {name: "body", data: []byte("Walking.")},
			{name: "attachments", filename: "walk.txt", contentType: "text/plain", data: []byte("steps")}})
		b, _ := io.ReadAll(body)
		return b, ct
	}
	mpBody, mpType := multipartComment()
	samples := map[string]walkSample{
		"GET /tickets":                      {path: "/tickets?boards=support&categories=general&status=To+Do&q=walk&fields=watchers&fields=comments&limit=5&sort=updated&order=asc", status: 200},
		"POST /tickets":                     {path: "/tickets", contentType: "application/json", body: func() []byte { return fixture(t, "create-full.json") }, status: 201},
		"GET /tickets/supported-boards":     {path: "/tickets/supported-boards", status: 200},
		"GET /tickets/supported-categories": {path: "/tickets/supported-categories", status: 200},
		"GET /tickets/{key}":                {path: "/tickets/" + own.Key + "?fields=attachments&fields=rendered", status: 200},
		"POST /tickets/{key}/comments":      {path: "/tickets/" + own.Key + "/comments", contentType: mpType, body: func() []byte { return mpBody }, status: 201},
		"GET /openapi.json":                 {path: "/openapi.json", status: 200},
		"GET /docs/":                        {path: "/docs/", status: 200},
	}
	ops := documented(loadDoc(t))
	for name := range samples {
		if !slices.Contains(ops, name) {
			t.Errorf("sample for %s, which the document lacks", name)
		}
	}
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			s, ok := samples[op]
			if !ok {
				t.Fatalf("no sample request for documented operation %s", op)
			}
			method, _, _ := strings.Cut(op, " ")
			var body []byte
			if s.body != nil {
				body = s.body()
			}
			e.checkRequest(method, "/api"+s.path, s.contentType, body)
			r := e.do(method, "/api"+s.path, s.contentType, bytes.NewReader(body))
			if r.status != s.status {
				t.Fatalf("got %s, want %d", r, s.status)
			}
		})
	}
}

// checkRequest validates a request, body included, against the document.
func (e *apiEnv) checkRequest(method, path, contentType string, body []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("x-functions-key", apiKey)
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		e.t.Errorf("%s %s: the document refuses a request the API accepts: %v", method, path, err)
	}
}

// TestOpenAPICheckCatchesDrift shows the response check used by every handler test fails
// on drift: an undocumented field, a missing required one, an undocumented status.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	router := docRouter(t, "http://127.0.0.1:1")
	tests := []struct {
		name, body string
		status     int
	}{
		{"undocumented field", `{"boards":[{"key":"support","name":"Support","default":true,"secret":"x"}]}`, 200},
		{"missing field", `{"boards":[{"key":"support","default":true}]}`, 200},
		{"undocumented status", `{"boards":[]}`, 418},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/api/tickets/supported-boards", nil)
			route, params, err := router.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: tt.status,
				Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(tt.body)),
				Options: &openapi3filter.Options{IncludeResponseStatus: true}}
			if err := openapi3filter.ValidateResponse(context.Background(), out); err == nil {
				t.Error("drift not caught")
			}
		})
	}
}

// TestOpenAPIValidatorCatches shows the document check can fail: broken copies of the
// document, each with one 3.1 rule broken, are refused.
func TestOpenAPIValidatorCatches(t *testing.T) {
	tests := []struct{ name, old, new string }{
		{"dangling reference", `"$ref": "#/components/schemas/Person"`, `"$ref": "#/components/schemas/Nobody"`},
		{"OpenAPI 3.0 boolean exclusiveMinimum", `"minimum": 1,`, `"minimum": 1, "exclusiveMinimum": true,`},
		{"path parameter not required", `"in": "path",
        "required": true,`, `"in": "path",
        "required": false,`},
		{"unknown response status key", `"201": {`, `"2O1": {`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := string(api.OpenAPI())
			if !strings.Contains(src, tt.old) {
				t.Fatalf("the document has no %q to break", tt.old)
			}
			broken := strings.Replace(src, tt.old, tt.new, 1)
			if _, err := validateDoc([]byte(broken)); err == nil {
				t.Error("the broken document passed")
			}
		})
	}
}
