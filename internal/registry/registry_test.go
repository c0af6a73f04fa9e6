package registry

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the settings table in README.md")

const (
	readme     = "../../README.md"
	tableStart = "<!-- settings:start (generated from internal/registry; go test ./internal/registry -update) -->\n"
	tableEnd   = "<!-- settings:end -->"
)

// settingsTable renders the README's configuration table from Settings.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| Setting | Required | Default | Secret (Key Vault name) | What it is |\n|---|---|---|---|---|\n")
	for _, s := range Settings {
		req, secret := "", ""
		if s.Required {
			req = "yes"
		}
		if s.Secret {
			secret = "yes"
			if s.VaultName != "" {
				secret += " (`" + s.VaultName + "`)"
			}
		}
		def := ""
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		b.WriteString("| `" + s.Name + "` | " + req + " | " + def + " | " + secret + " | " + strings.ReplaceAll(s.Description, "|", "\\|") + " |\n")
	}
	return b.String()
}

func TestReadmeSettingsTable(t *testing.T) {
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, tableStart), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the settings table markers %q ... %q", tableStart, tableEnd)
	}
	want := settingsTable()
	if got := doc[i+len(tableStart) : j]; got != want {
		if *update {
			if err := os.WriteFile(readme, []byte(doc[:i+len(tableStart)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md settings table is out of date: run go test ./internal/registry -update")
	}
}

func TestLocalSettingsExample(t *testing.T) {
	data, err := os.ReadFile("../../local.settings.json.example")
	if err != nil {
		t.Fatal(err)
	}
	var ls struct{ Values map[string]string }
	if err := json.Unmarshal(data, &ls); err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings {
		if _, ok := ls.Values[s.Name]; !ok && !s.Platform {
			t.Errorf("local.settings.json.example lacks %s", s.Name)
		}
	}
	hostOnly := map[string]bool{"FUNCTIONS_WORKER_RUNTIME": true}
	boardVar := regexp.MustCompile(`^JIRA_[A-Z0-9_]+_BOARD$`) // the seed's board indirection
	for name := range ls.Values {
		if _, ok := Lookup(name); !ok && !hostOnly[name] && !boardVar.MatchString(name) {
			t.Errorf("local.settings.json.example sets %s, which the service does not read", name)
		}
	}
}

func TestVaultNames(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z0-9-]{1,127}$`)
	seen := map[string]bool{}
	for _, s := range Settings {
		if s.VaultName == "" {
			continue
		}
		if !s.Secret || !valid.MatchString(s.VaultName) || seen[s.VaultName] {
			t.Errorf("%s: vault name %q must be unique, on a secret, letters, digits and '-'", s.Name, s.VaultName)
		}
		seen[s.VaultName] = true
	}
}
