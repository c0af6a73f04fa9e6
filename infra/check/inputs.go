package check

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mail2jira/mail2jira/internal/registry"
)

// azdRef is azd's ${NAME} or ${NAME=default} substitution in a parameters file.
var azdRef = regexp.MustCompile(`^\$\{([A-Z0-9_]+)(=([^}]*))?\}$`)

// AzdInputs checks the files azd fills from its environment: infra/terraform/main.tfvars.json
// names only declared variables, covers the required ones and repeats their defaults, and
// infra/main.parameters.json names only declared parameters and covers the required ones.
func AzdInputs(infra string) []string {
	problems := tfvars(infra)
	return append(problems, bicepParameters(infra)...)
}

func tfvars(infra string) []string {
	var values map[string]string
	if err := readJSON(filepath.Join(infra, "terraform", "main.tfvars.json"), &values); err != nil {
		return []string{err.Error()}
	}
	src, err := concat(filepath.Join(infra, "terraform"), "*.tf")
	if err != nil {
		return []string{err.Error()}
	}
	vars, err := Variables(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "main.tfvars.json: "+fmt.Sprintf(format, args...))
	}
	for name, value := range values {
		v, ok := vars[name]
		m := azdRef.FindStringSubmatch(value)
		switch {
		case !ok:
			add("%s is not a variable of infra/terraform", name)
		case m == nil:
			add("%s must be an azd reference like ${NAME} or ${NAME=default}, not a value", name)
		case v.HasDefault && m[2] == "":
			add("%s has a default, so write ${%s=<the default>}: azd substitutes unset names with empty strings", name, m[1])
		case v.HasDefault && !sameDefault(v.Default, m[3]):
			add("%s defaults to %s in variables.tf but to %q here", name, v.Default, m[3])
		}
	}
	for _, v := range vars {
		if _, ok := values[v.Name]; !ok && !v.HasDefault {
			add("required variable %s is missing", v.Name)
		}
	}
	sort.Strings(problems)
	return problems
}

// sameDefault compares a variable's default (HCL source) with the default written in azd's
// ${NAME=default} syntax.
func sameDefault(hcl, azd string) bool {
	if s, ok := Unquote(hcl); ok {
		return s == azd
	}
	return strings.TrimSpace(hcl) == azd
}

func bicepParameters(infra string) []string {
	var file struct {
		Parameters map[string]struct {
			Value any `json:"value"`
		} `json:"parameters"`
	}
	if err := readJSON(filepath.Join(infra, "main.parameters.json"), &file); err != nil {
		return []string{err.Error()}
	}
	data, err := os.ReadFile(filepath.Join(infra, "main.bicep"))
	if err != nil {
		return []string{err.Error()}
	}
	params := Params(string(data))
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "main.parameters.json: "+fmt.Sprintf(format, args...))
	}
	for name, p := range file.Parameters {
		if _, ok := params[name]; !ok {
			add("%s is not a parameter of main.bicep", name)
		} else if s, ok := p.Value.(string); !ok || !azdRef.MatchString(s) {
			add("%s must be an azd reference like ${NAME}, not a value", name)
		}
	}
	for _, p := range params {
		if _, ok := file.Parameters[p.Name]; !ok && !p.HasDefault {
			add("required parameter %s is missing", p.Name)
		}
	}
	sort.Strings(problems)
	return problems
}

// LocalSettings checks local.settings.json.example: every setting the service reads that an
// operator sets is there, and nothing else is, except the host's worker runtime and the board
// variables JIRA_BOARDS names (the original service's indirection form).
func LocalSettings(path string, settings []registry.Setting) []string {
	var file struct {
		Values map[string]string `json:"Values"`
	}
	if err := readJSON(path, &file); err != nil {
		return []string{err.Error()}
	}
	allowed := map[string]bool{"FUNCTIONS_WORKER_RUNTIME": true}
	for _, e := range strings.Split(file.Values["JIRA_BOARDS"], ",") {
		if e = strings.TrimSpace(e); e != "" && !strings.Contains(e, "=") {
			allowed[e] = true
		}
	}
	var problems []string
	known := map[string]bool{}
	for _, s := range settings {
		known[s.Name] = true
		if _, ok := file.Values[s.Name]; !ok && !s.Platform {
			problems = append(problems, fmt.Sprintf("%s: lacks %s", filepath.Base(path), s.Name))
		}
	}
	for name := range file.Values {
		if !known[name] && !allowed[name] {
			problems = append(problems, fmt.Sprintf("%s: sets %s, which the service does not read", filepath.Base(path), name))
		}
	}
	sort.Strings(problems)
	return problems
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
