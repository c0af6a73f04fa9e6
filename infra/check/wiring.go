package check

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mail2jira/mail2jira/internal/registry"
)

// Tables are the Table Storage tables the service uses.
var Tables = []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache}

// Wiring checks, in the Terraform under infra/terraform and the Bicep under infra, that the
// checked settings maps are the only app settings the app gets, that the queue and tables are
// the registry's, and that every operator-supplied setting comes from a documented, validated
// variable (Terraform) or parameter (Bicep) named after it.
func Wiring(infra string) []string {
	var problems []string
	tf, err := concat(filepath.Join(infra, "terraform"), "*.tf")
	if err != nil {
		return []string{err.Error()}
	}
	problems = append(problems, terraformWiring(tf)...)
	bicep, err := concat(infra, "*.bicep", "modules/*.bicep")
	if err != nil {
		return []string{err.Error()}
	}
	main, err := concat(infra, "main.bicep")
	if err != nil {
		return []string{err.Error()}
	}
	return append(problems, bicepWiring(bicep, Params(main))...)
}

// terraformAppSettings is the definition of local.app_settings: the checked maps, nothing else.
const terraformAppSettings = `merge({ for k, v in local.service_settings : k => v if v != "" }, local.host_settings)`

func terraformWiring(src string) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, "terraform: "+fmt.Sprintf(format, args...))
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*app_settings\s*=\s*(.*)$`).FindAllStringSubmatch(src, -1) {
		if v := strings.TrimSpace(m[1]); v != "local.app_settings" && v != terraformAppSettings {
			add("app_settings = %s bypasses local.app_settings, which infra/check verifies", v)
		}
	}
	if !strings.Contains(src, "app_settings = "+terraformAppSettings) {
		add("local.app_settings must be %s", terraformAppSettings)
	}
	problems = append(problems, names("terraform", src, `mail_queue\s*=\s*"([^"]*)"`, `(?m)^\s*tables\s*=\s*\[([^\]]*)\]`)...)
	vars, err := Variables(src)
	if err != nil {
		return append(problems, "terraform: "+err.Error())
	}
	entries, err := Object(src, `(?m)^\s*service_settings\s*=\s*\{`)
	if err != nil {
		return append(problems, "terraform: "+err.Error())
	}
	for _, e := range entries {
		m := terraformVar.FindStringSubmatch(e.Value)
		if m == nil {
			continue
		}
		name := m[1]
		v, declared := vars[name]
		switch {
		case name != strings.ToLower(e.Key):
			add("%s comes from var.%s; name its variable %s", e.Key, name, strings.ToLower(e.Key))
		case !declared:
			add("%s comes from var.%s, which is not declared", e.Key, name)
		case !v.Description || !v.Validation:
			add("variable %s needs a description and a validation block", name)
		case !sameAsRegistry(e.Key, v.Default):
			add("variable %s defaults to %s, but the service's default is %q", name, v.Default, registryDefault(e.Key))
		}
	}
	return problems
}

// terraformVar matches a setting taken from a variable, as is or converted to a string.
var terraformVar = regexp.MustCompile(`^(?:tostring\()?var\.([a-z0-9_]+)\)?$`)

// sameAsRegistry reports whether a variable's or parameter's default (source text, empty for
// none) gives the service the same value as leaving the setting unset.
func sameAsRegistry(setting, source string) bool {
	def := strings.TrimSpace(source)
	if s, ok := Unquote(def); ok {
		def = s
	}
	return def == registryDefault(setting)
}

func registryDefault(setting string) string {
	s, _ := registry.Lookup(setting)
	return s.Default
}

// bicepWiring checks src, all the Bicep, against params, the parameters of main.bicep (a module
// may declare a parameter of the same name).
func bicepWiring(src string, params map[string]Param) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, "bicep: "+fmt.Sprintf(format, args...)) }
	if !regexp.MustCompile(`(?m)^var\s+appSettings\s*=\s*union\(.*serviceSettings.*hostSettings\)`).MatchString(src) {
		add("var appSettings must unite serviceSettings and hostSettings")
	}
	if got := regexp.MustCompile(`(?m)^\s*appSettings:\s*(.*)$`).FindAllStringSubmatch(src, -1); len(got) != 2 ||
		strings.TrimSpace(got[0][1]) != "appSettings" {
		add("the app module must get appSettings: appSettings, and the site take its appSettings from that parameter only")
	}
	problems = append(problems, names("bicep", src, `var\s+mailQueue\s*=\s*'([^']*)'`, `(?m)^var\s+tables\s*=\s*\[([^\]]*)\]`)...)
	entries, err := Object(src, `(?m)^var\s+serviceSettings\s*=\s*\{`)
	if err != nil {
		return append(problems, "bicep: "+err.Error())
	}
	for _, e := range entries {
		if !regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`).MatchString(e.Value) {
			continue
		}
		p, declared := params[e.Value]
		switch {
		case e.Value != camel(e.Key):
			add("%s comes from parameter %s; name it %s", e.Key, e.Value, camel(e.Key))
		case !declared:
			add("%s comes from parameter %s, which is not declared", e.Key, e.Value)
		case !p.Description:
			add("parameter %s needs a @description", e.Value)
		case !sameAsRegistry(e.Key, p.Default):
			add("parameter %s defaults to %s, but the service's default is %q", e.Value, p.Default, registryDefault(e.Key))
		}
	}
	return problems
}

// names checks the mail queue's and the tables' names, read with the two patterns.
func names(lang, src, queuePattern, tablesPattern string) []string {
	var problems []string
	q := regexp.MustCompile(queuePattern).FindStringSubmatch(src)
	if q == nil || q[1] != registry.QueueMail {
		problems = append(problems, fmt.Sprintf("%s: the mail queue must be %q", lang, registry.QueueMail))
	}
	t := regexp.MustCompile(tablesPattern).FindStringSubmatch(src)
	var got []string
	if t != nil {
		for _, s := range strings.Split(t[1], ",") {
			got = append(got, strings.Trim(strings.TrimSpace(s), `"'`))
		}
	}
	want := slices.Clone(Tables)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		problems = append(problems, fmt.Sprintf("%s: the tables must be %v, found %v", lang, want, got))
	}
	return problems
}

// camel turns a setting name into its Bicep parameter name: MAILBOX_ROUTES -> mailboxRoutes.
func camel(name string) string {
	parts := strings.Split(strings.ToLower(name), "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}
