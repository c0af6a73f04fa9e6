package check

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/mail2jira/mail2jira/internal/registry"
)

// literalSecrets are shapes of secret values: a key, a connection string, a SAS, a private key.
var literalSecrets = []*regexp.Regexp{
	regexp.MustCompile(`(?i)AccountKey\s*=`),
	regexp.MustCompile(`(?i)SharedAccessSignature\s*=`),
	regexp.MustCompile(`(?i)InstrumentationKey\s*=`),
	regexp.MustCompile(`(?i)DefaultEndpointsProtocol\s*=`),
	regexp.MustCompile(`(?i)[?&]sig=[A-Za-z0-9%]`),
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),
}

// secretPlumbing are constructs that put a secret into a template, a state file or an app
// setting: Terraform-managed Key Vault secrets, account keys, listKeys, key-based storage.
var secretPlumbing = []*regexp.Regexp{
	regexp.MustCompile(`azurerm_key_vault_secret\b`),
	regexp.MustCompile(`Microsoft\.KeyVault/vaults/secrets`),
	regexp.MustCompile(`\bprimary_access_key\b|\bsecondary_access_key\b`),
	regexp.MustCompile(`\b(primary|secondary)_connection_string\b`),
	regexp.MustCompile(`\blistKeys\(`),
	regexp.MustCompile(`\bstorage_access_key\b`),
	regexp.MustCompile(`StorageAccountConnectionString`),
	regexp.MustCompile(`\bsensitive\s*=\s*true`),
}

// NoSecrets checks every file under infra and the given extra files (azure.yaml): none holds a
// secret value, and no code passes secrets around. The secret settings may not have a Terraform
// variable or Bicep parameter either, because their values would land in state or history.
func NoSecrets(infra string, extra []string, settings []registry.Setting) []string {
	var problems []string
	scan := func(path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			return
		}
		problems = append(problems, scanFile(path, string(data), settings)...)
	}
	err := filepath.WalkDir(infra, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (e.Name() == ".terraform" || e.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !e.IsDir() && !strings.HasSuffix(path, "_test.go") {
			scan(path)
		}
		return nil
	})
	if err != nil {
		problems = append(problems, err.Error())
	}
	for _, f := range extra {
		scan(f)
	}
	return problems
}

func scanFile(path, src string, settings []registry.Setting) []string {
	var problems []string
	for _, re := range literalSecrets {
		if loc := re.FindStringIndex(src); loc != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: looks like a secret value (%s)", path, line(src, loc[0]), re))
		}
	}
	code := strings.HasSuffix(path, ".tf") || strings.HasSuffix(path, ".bicep") || strings.HasSuffix(path, ".json") || strings.HasSuffix(path, ".yaml")
	if !code {
		return problems
	}
	for _, re := range secretPlumbing {
		if loc := re.FindStringIndex(src); loc != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: passes a secret around (%s)", path, line(src, loc[0]), re))
		}
	}
	for _, s := range settings {
		if !s.Secret {
			continue
		}
		decl := regexp.MustCompile(`(?m)^(variable\s+"` + strings.ToLower(s.Name) + `"|param\s+` + camel(s.Name) + `\b)`)
		if loc := decl.FindStringIndex(src); loc != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %s is a secret and must not be an input (it would be kept in plain text)", path, line(src, loc[0]), s.Name))
		}
	}
	return problems
}

func line(src string, offset int) int { return strings.Count(src[:offset], "\n") + 1 }
