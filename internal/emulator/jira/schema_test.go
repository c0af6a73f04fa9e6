package jiraemu

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// update regenerates testdata/openapi-subset.json from Atlassian's published OpenAPI document:
//
//	go test ./internal/emulator/jira -run TestSchemaSubset -args -update
var update = flag.Bool("update", false, "regenerate testdata/openapi-subset.json from the OpenAPI document")

// openAPIPath is the published document, kept next to the repository (see issue 3).
const openAPIPath = "../../../../shared/reference/jira-platform-openapi-v3.json"

const subsetPath = "testdata/openapi-subset.json"

// coveredOperations are the platform operations the emulator serves, as the OpenAPI document
// names their paths. Agile endpoints are not in that document.
var coveredOperations = []string{
	"POST /rest/api/3/issue",
	"GET /rest/api/3/issue/{issueIdOrKey}",
	"DELETE /rest/api/3/issue/{issueIdOrKey}",
	"POST /rest/api/3/search/jql",
	"GET /rest/api/3/search/jql",
	"GET /rest/api/3/search",
	"POST /rest/api/3/search",
	"POST /rest/api/3/issue/{issueIdOrKey}/comment",
	"GET /rest/api/3/issue/{issueIdOrKey}/comment",
	"GET /rest/api/3/issue/{issueIdOrKey}/comment/{id}",
	"GET /rest/api/3/comment/{commentId}/properties/{propertyKey}",
	"PUT /rest/api/3/comment/{commentId}/properties/{propertyKey}",
	"POST /rest/api/3/issue/{issueIdOrKey}/attachments",
	"GET /rest/api/3/attachment/{id}",
	"GET /rest/api/3/attachment/content/{id}",
	"POST /rest/api/3/issue/{issueIdOrKey}/watchers",
	"GET /rest/api/3/issue/{issueIdOrKey}/watchers",
	"DELETE /rest/api/3/issue/{issueIdOrKey}/watchers",
	"GET /rest/api/3/issue/{issueIdOrKey}/properties",
	"GET /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
	"PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
	"DELETE /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}",
	"GET /rest/api/3/user/search",
	"GET /rest/api/3/user",
	"GET /rest/api/3/myself",
	"GET /rest/api/3/mypermissions",
	"GET /rest/api/3/project/search",
	"GET /rest/api/3/project/{projectIdOrKey}",
	"GET /rest/api/3/issuetype",
	"GET /rest/api/3/priority",
	"GET /rest/api/3/label",
	"GET /rest/api/3/filter/{id}",
}

// TestSchemaSubset checks that the extracted subset is what the OpenAPI document says (when
// the document is present) and regenerates it with -update.
func TestSchemaSubset(t *testing.T) {
	src, err := os.ReadFile(openAPIPath)
	if err != nil {
		if *update {
			t.Fatalf("read OpenAPI document: %v", err)
		}
		t.Logf("OpenAPI document not present (%v); using the committed subset only", err)
		return
	}
	got, err := extractSubset(src)
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	if *update {
		if err := os.WriteFile(subsetPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(subsetPath)
	if err != nil {
		t.Fatalf("read subset (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s is stale: run go test -run TestSchemaSubset -update", subsetPath)
	}
}

// extractSubset keeps the response schemas of coveredOperations and every schema they
// reference, converted from OpenAPI 3.0 to JSON Schema 2020-12 ($defs, nullable).
func extractSubset(src []byte) ([]byte, error) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI: %w", err)
	}
	defs := map[string]any{}
	ops := map[string]any{}
	var queue []string
	for _, op := range coveredOperations {
		method, path, _ := strings.Cut(op, " ")
		raw, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			return nil, fmt.Errorf("operation %s is not in the document", op)
		}
		var o struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(raw, &o); err != nil {
			return nil, fmt.Errorf("parse %s: %w", op, err)
		}
		byStatus := map[string]any{}
		for status, r := range o.Responses {
			if c, ok := r.Content["application/json"]; ok && c.Schema != nil {
				byStatus[status] = convertSchema(c.Schema, &queue)
			}
		}
		ops[op] = byStatus
	}
	queue = append(queue, "ErrorCollection")
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := defs[name]; done {
			continue
		}
		s, ok := doc.Components.Schemas[name]
		if !ok {
			return nil, fmt.Errorf("schema %s missing", name)
		}
		defs[name] = convertSchema(s, &queue)
	}
	out := map[string]any{
		"$schema":     "https://json-schema.org/draft/2020-12/schema",
		"$comment":    "Extracted from Atlassian's Jira Cloud platform OpenAPI document by schema_test.go; do not edit.",
		"operations":  ops,
		"$defs":       defs,
		"x-operation": coveredOperations,
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// convertSchema rewrites refs to $defs, turns nullable into a null type, and queues every
// referenced component.
func convertSchema(v any, queue *[]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			switch k {
			case "$ref":
				name := strings.TrimPrefix(val.(string), "#/components/schemas/")
				*queue = append(*queue, name)
				out[k] = "#/$defs/" + name
			case "nullable", "example", "xml", "discriminator":
			default:
				out[k] = convertSchema(val, queue)
			}
		}
		if x["nullable"] == true {
			if t, ok := out["type"].(string); ok {
				out["type"] = []any{t, "null"}
			} else {
				return map[string]any{"anyOf": []any{out, map[string]any{"type": "null"}}}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = convertSchema(x[i], queue)
		}
		return out
	}
	return v
}

// schemaValidator validates recorded responses against the extracted subset.
type schemaValidator struct {
	ops      map[string]map[string]*jsonschema.Schema // operation -> status -> schema
	errSch   *jsonschema.Schema
	patterns []opPattern

	mu      sync.Mutex
	checked map[string]bool
}

type opPattern struct {
	op     string
	method string
	re     *regexp.Regexp
}

var (
	validatorOnce sync.Once
	validator     *schemaValidator
	validatorErr  error
)

func loadValidator(tb testing.TB) *schemaValidator {
	tb.Helper()
	validatorOnce.Do(func() { validator, validatorErr = newSchemaValidator() })
	if validatorErr != nil {
		tb.Fatalf("load schemas: %v", validatorErr)
	}
	return validator
}

func newSchemaValidator() (*schemaValidator, error) {
	f, err := os.Open(subsetPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(subsetPath)
	loc := "file://" + filepath.ToSlash(abs)
	c := jsonschema.NewCompiler()
	if err := c.AddResource(loc, doc); err != nil {
		return nil, err
	}
	v := &schemaValidator{ops: map[string]map[string]*jsonschema.Schema{}, checked: map[string]bool{}}
	if v.errSch, err = c.Compile(loc + "#/$defs/ErrorCollection"); err != nil {
		return nil, err
	}
	ops := doc.(map[string]any)["operations"].(map[string]any)
	for op, statuses := range ops {
		v.ops[op] = map[string]*jsonschema.Schema{}
		for status := range statuses.(map[string]any) {
			ptr := "#/operations/" + strings.ReplaceAll(strings.ReplaceAll(op, "~", "~0"), "/", "~1") + "/" + status
			s, err := c.Compile(loc + ptr)
			if err != nil {
				return nil, fmt.Errorf("compile %s %s: %w", op, status, err)
			}
			v.ops[op][status] = s
		}
		method, path, _ := strings.Cut(op, " ")
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$")
		v.patterns = append(v.patterns, opPattern{op: op, method: method, re: re})
	}
	// Literal paths first so /project/search is not taken for /project/{key}.
	sort.Slice(v.patterns, func(i, j int) bool {
		return strings.Count(v.patterns[i].op, "{") < strings.Count(v.patterns[j].op, "{")
	})
	return v, nil
}

func (v *schemaValidator) operation(method, path string) string {
	for _, p := range v.patterns {
		if p.method == method && p.re.MatchString(path) {
			return p.op
		}
	}
	return ""
}

// check validates one response body; error responses without a documented schema are held
// to ErrorCollection, the shape Jira documents for errors.
func (v *schemaValidator) check(method, path string, status int, body []byte) error {
	op := v.operation(method, path)
	if op == "" {
		return nil // agile and other undocumented routes
	}
	sch := v.ops[op][fmt.Sprint(status)]
	if sch == nil && status >= 400 && len(bytes.TrimSpace(body)) > 0 && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		sch = v.errSch
	}
	v.mu.Lock()
	v.checked[op] = true
	v.mu.Unlock()
	if sch == nil {
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %d: body is not JSON: %w", op, status, err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("%s %d: %v", op, status, err)
	}
	return nil
}

func (v *schemaValidator) unchecked() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []string
	for _, op := range coveredOperations {
		if !v.checked[op] {
			out = append(out, op)
		}
	}
	return out
}

// validatingTransport checks every response the client receives against the schemas.
type validatingTransport struct {
	tb   testing.TB
	v    *schemaValidator
	next http.RoundTripper
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := t.v.check(req.Method, req.URL.Path, resp.StatusCode, body); err != nil {
			t.tb.Errorf("schema: %v\nbody: %s", err, truncate(body, 2000))
		}
	} else {
		_ = t.v.check(req.Method, req.URL.Path, resp.StatusCode, nil)
	}
	return resp, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	return b[:n]
}

func TestValidatorMatchesPaths(t *testing.T) {
	v := loadValidator(t)
	tests := []struct{ method, path, want string }{
		{"GET", "/rest/api/3/project/search", "GET /rest/api/3/project/search"},
		{"GET", "/rest/api/3/project/SUP", "GET /rest/api/3/project/{projectIdOrKey}"},
		{"GET", "/rest/api/3/issue/SUP-1/comment/10001", "GET /rest/api/3/issue/{issueIdOrKey}/comment/{id}"},
		{"GET", "/rest/agile/1.0/board", ""},
	}
	for _, tt := range tests {
		if got := v.operation(tt.method, tt.path); got != tt.want {
			t.Errorf("operation(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
	if !slices.Contains(coveredOperations, "GET /rest/api/3/search") {
		t.Error("the old search must stay covered")
	}
}

// TestValidatorRejectsWrongShapes proves the validation can fail.
func TestValidatorRejectsWrongShapes(t *testing.T) {
	v := loadValidator(t)
	bad := []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/rest/api/3/issue", 201, `{"id":"1","key":"A-1","self":"x","surprise":true}`},
		{"GET", "/rest/api/3/issue/A-1/watchers", 200, `{"watchCount":"two"}`},
		{"GET", "/rest/api/3/myself", 200, `{"accountType":"robot"}`},
		{"GET", "/rest/api/3/issue/A-1", 404, `{"errorMessages":"not a list"}`},
	}
	for _, b := range bad {
		if err := v.check(b.method, b.path, b.status, []byte(b.body)); err == nil {
			t.Errorf("%s %s %d accepted %s", b.method, b.path, b.status, b.body)
		}
	}
}
