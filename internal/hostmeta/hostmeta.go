// Package hostmeta reads the Functions app's own metadata, host.json and
// functions/<name>/function.json, so that standalone mode serves the same routes and fires the
// same timers as the Functions host from one source of truth.
package hostmeta

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Binding is one entry of a function.json "bindings" array (the fields this app uses).
type Binding struct {
	Type       string   `json:"type"`
	Direction  string   `json:"direction"`
	Name       string   `json:"name"`
	AuthLevel  string   `json:"authLevel,omitempty"`
	Methods    []string `json:"methods,omitempty"`
	Route      string   `json:"route,omitempty"`
	QueueName  string   `json:"queueName,omitempty"`
	Connection string   `json:"connection,omitempty"`
	Schedule   string   `json:"schedule,omitempty"`
}

// Function is one function folder: its name (the folder name) and bindings.
type Function struct {
	Name     string    `json:"-"`
	Bindings []Binding `json:"bindings"`
}

// Trigger returns the function's trigger binding (the one whose type ends in "Trigger").
func (f Function) Trigger() Binding {
	for _, b := range f.Bindings {
		if strings.HasSuffix(b.Type, "Trigger") {
			return b
		}
	}
	return Binding{}
}

// Output returns the first output binding of the given type ("http", "queue").
func (f Function) Output(typ string) (Binding, bool) {
	for _, b := range f.Bindings {
		if b.Direction == "out" && b.Type == typ {
			return b, true
		}
	}
	return Binding{}, false
}

// Proxied reports whether the host forwards the raw HTTP request to the function's route:
// it does so only for an HTTP trigger whose sole output is http.
func (f Function) Proxied() bool {
	if f.Trigger().Type != "httpTrigger" {
		return false
	}
	for _, b := range f.Bindings {
		if b.Direction == "out" && b.Type != "http" {
			return false
		}
	}
	return true
}

// Load reads every functions/<name>/function.json in fsys, sorted by name.
func Load(fsys fs.FS) ([]Function, error) {
	paths, err := fs.Glob(fsys, "functions/*/function.json")
	if err != nil {
		return nil, fmt.Errorf("list function.json files: %w", err)
	}
	sort.Strings(paths)
	var out []Function
	for _, p := range paths {
		f, err := loadOne(fsys, p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func loadOne(fsys fs.FS, p string) (Function, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Function{}, fmt.Errorf("read %s: %w", p, err)
	}
	f := Function{Name: path.Base(path.Dir(p))}
	if err := json.Unmarshal(data, &f); err != nil {
		return Function{}, fmt.Errorf("parse %s: %w", p, err)
	}
	if f.Trigger().Type == "" {
		return Function{}, fmt.Errorf("%s: no trigger binding", p)
	}
	return f, nil
}

var (
	catchAll   = regexp.MustCompile(`\{\*([A-Za-z0-9_]+)\}$`)
	constraint = regexp.MustCompile(`\{([A-Za-z0-9_]+)(:[^}]*)?\??\}`)
)

// MuxPatterns turns a Functions route template (below prefix) into net/http ServeMux path
// patterns: "tickets/{*path}" becomes "/api/tickets" and "/api/tickets/{path...}"; route
// constraints such as {id:int} are left to the handler.
func MuxPatterns(prefix, route string) []string {
	base := "/" + strings.Trim(prefix+"/"+route, "/")
	if m := catchAll.FindStringSubmatch(base); m != nil {
		stem := strings.TrimSuffix(base[:len(base)-len(m[0])], "/")
		return []string{stem, stem + "/{" + m[1] + "...}"}
	}
	return []string{constraint.ReplaceAllString(base, "{$1}")}
}

// Setting returns the app-setting name of a "%NAME%" reference, if s is one.
func Setting(s string) (string, bool) {
	if len(s) > 2 && strings.HasPrefix(s, "%") && strings.HasSuffix(s, "%") {
		return s[1 : len(s)-1], true
	}
	return "", false
}

// MaxDequeueCount reads host.json's extensions.queues.maxDequeueCount (5, the host's
// default, when unset), so standalone retries and the processor's last-attempt rule match
// what the host does.
func MaxDequeueCount(fsys fs.FS) (int, error) {
	data, err := fs.ReadFile(fsys, "host.json")
	if err != nil {
		return 0, fmt.Errorf("read host.json: %w", err)
	}
	var h struct {
		Extensions struct {
			Queues struct {
				MaxDequeueCount int `json:"maxDequeueCount"`
			} `json:"queues"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return 0, fmt.Errorf("parse host.json: %w", err)
	}
	if h.Extensions.Queues.MaxDequeueCount <= 0 {
		return 5, nil
	}
	return h.Extensions.Queues.MaxDequeueCount, nil
}
