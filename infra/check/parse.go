// Package check cross-checks the deployment under infra/ (Terraform and Bicep), azure.yaml and
// local.settings.json.example against internal/registry, so the infrastructure cannot drift
// from the settings the service reads. It holds a deliberately small parser for the few object
// literals and declarations it needs, not a general HCL or Bicep parser.
package check

import (
	"fmt"
	"regexp"
	"strings"
)

// Entry is one top-level "key = value" (HCL) or "key: value" (Bicep) line of an object literal.
type Entry struct {
	Key   string
	Value string // the value's source text, trimmed
}

var entryRE = regexp.MustCompile(`(?s)^\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*[=:]\s*(.*?)\s*$`)

// Object returns the entries of the object literal that follows the first match of head (a
// pattern ending where the object's opening brace is, like `service_settings\s*=\s*\{`).
func Object(src, head string) ([]Entry, error) {
	body, err := Block(src, head)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, seg := range body {
		if m := entryRE.FindStringSubmatch(seg); m != nil {
			out = append(out, Entry{Key: m[1], Value: m[2]})
		} else if strings.TrimSpace(seg) != "" {
			return nil, fmt.Errorf("object after %q: cannot read entry %q", head, strings.TrimSpace(seg))
		}
	}
	return out, nil
}

// Block returns the top-level segments (split at newlines and commas outside brackets, strings
// and comments, with comments removed) of the braces that follow the first match of head.
func Block(src, head string) ([]string, error) {
	loc := regexp.MustCompile(`(?m)` + head).FindStringIndex(src)
	if loc == nil {
		return nil, fmt.Errorf("%q not found", head)
	}
	open := loc[1] - 1
	if src[open] != '{' {
		return nil, fmt.Errorf("pattern %q must end at an opening brace", head)
	}
	segs, _, err := segments(src, open)
	return segs, err
}

// segments walks from the '{' at open to its matching '}' and splits the body at top-level
// newlines and commas, skipping over strings (with their ${...} interpolations) and comments.
func segments(src string, open int) ([]string, int, error) {
	var segs []string
	var cur strings.Builder
	depth := 0
	for i := open + 1; i < len(src); {
		c := src[i]
		switch {
		case c == '"' || c == '\'':
			j, err := skipString(src, i)
			if err != nil {
				return nil, 0, err
			}
			cur.WriteString(src[i:j])
			i = j
			continue
		case c == '#' || strings.HasPrefix(src[i:], "//"):
			i = skipLine(src, i)
			continue
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, 0, fmt.Errorf("unterminated comment at offset %d", i)
			}
			i += end + 4
			continue
		case c == '{' || c == '[' || c == '(':
			depth++
		case c == '}' && depth == 0:
			return append(segs, cur.String()), i, nil
		case c == '}' || c == ']' || c == ')':
			depth--
		case (c == '\n' || c == ',') && depth == 0:
			segs = append(segs, cur.String())
			cur.Reset()
			i++
			continue
		}
		cur.WriteByte(c)
		i++
	}
	return nil, 0, fmt.Errorf("unbalanced braces from offset %d", open)
}

func skipLine(src string, i int) int {
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// skipString returns the offset just past the string starting at i. Both HCL ("...") and Bicep
// ('...') interpolate with ${...}, which may itself hold strings.
func skipString(src string, i int) (int, error) {
	q := src[i]
	for j := i + 1; j < len(src); j++ {
		switch {
		case src[j] == '\\':
			j++
		case src[j] == q:
			return j + 1, nil
		case src[j] == '$' && j+1 < len(src) && src[j+1] == '{':
			end, err := skipInterpolation(src, j+2)
			if err != nil {
				return 0, err
			}
			j = end - 1
		}
	}
	return 0, fmt.Errorf("unterminated string at offset %d", i)
}

// skipInterpolation returns the offset just past the '}' closing an interpolation whose body
// starts at i.
func skipInterpolation(src string, i int) (int, error) {
	depth := 0
	for j := i; j < len(src); j++ {
		switch src[j] {
		case '"', '\'':
			end, err := skipString(src, j)
			if err != nil {
				return 0, err
			}
			j = end - 1
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return j + 1, nil
			}
			depth--
		}
	}
	return 0, fmt.Errorf("unterminated interpolation at offset %d", i)
}

// Variable is a Terraform variable block, reduced to what the checks need.
type Variable struct {
	Name        string
	Description bool   // has a description
	Validation  bool   // has at least one validation block
	Default     string // source text of the default, empty when there is none
	HasDefault  bool
}

var variableRE = regexp.MustCompile(`(?m)^variable\s+"([A-Za-z0-9_-]+)"\s*\{`)

// Variables returns the variable blocks declared in src, by name.
func Variables(src string) (map[string]Variable, error) {
	out := map[string]Variable{}
	for _, loc := range variableRE.FindAllStringSubmatchIndex(src, -1) {
		v := Variable{Name: src[loc[2]:loc[3]]}
		segs, _, err := segments(src, loc[1]-1)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		for _, s := range segs {
			s = strings.TrimSpace(s)
			switch {
			case strings.HasPrefix(s, "description"):
				v.Description = true
			case strings.HasPrefix(s, "validation"):
				v.Validation = true
			case strings.HasPrefix(s, "default"):
				if m := entryRE.FindStringSubmatch(s); m != nil {
					v.Default, v.HasDefault = m[2], true
				}
			}
		}
		out[v.Name] = v
	}
	return out, nil
}

// Param is a Bicep parameter declaration.
type Param struct {
	Name        string
	Description bool   // has a @description decorator
	Default     string // source text of the default, empty when there is none
	HasDefault  bool
}

var paramRE = regexp.MustCompile(`^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+\w+(\s*=\s*(.*?))?\s*$`)

// Params returns the parameters declared in a Bicep file, by name.
func Params(src string) map[string]Param {
	out := map[string]Param{}
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		m := paramRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		p := Param{Name: m[1], Default: m[3], HasDefault: m[2] != ""}
		for j := i - 1; j >= 0 && strings.HasPrefix(strings.TrimSpace(lines[j]), "@"); j-- {
			if strings.HasPrefix(strings.TrimSpace(lines[j]), "@description(") {
				p.Description = true
			}
		}
		out[p.Name] = p
	}
	return out
}

// Unquote returns the contents of a simple string literal ("x" or 'x'), and whether value is one.
func Unquote(value string) (string, bool) {
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		inner := value[1 : len(value)-1]
		if !strings.ContainsAny(inner, `"'\`) && !strings.Contains(inner, "${") {
			return inner, true
		}
	}
	return "", false
}
