package check

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/registry"
)

const (
	root  = "../.."
	infra = "../../infra"
)

// TestRepository runs every cross-check on the files in this repository.
func TestRepository(t *testing.T) {
	tf, err := Terraform(filepath.Join(infra, "terraform"))
	if err != nil {
		t.Fatal(err)
	}
	bicep, err := Bicep(infra)
	if err != nil {
		t.Fatal(err)
	}
	for name, problems := range map[string][]string{
		"terraform settings": Settings(tf, registry.Settings),
		"bicep settings":     Settings(bicep, registry.Settings),
		"wiring":             Wiring(infra),
		"azd inputs":         AzdInputs(infra),
		"local settings":     LocalSettings(filepath.Join(root, "local.settings.json.example"), registry.Settings),
		"no secrets":         NoSecrets(infra, []string{filepath.Join(root, "azure.yaml")}, registry.Settings),
	} {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff([]string(nil), problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSameSecretsAndUnset keeps the two languages' Key Vault and not-set lists identical.
func TestSameSecretsAndUnset(t *testing.T) {
	tf, err := Terraform(filepath.Join(infra, "terraform"))
	if err != nil {
		t.Fatal(err)
	}
	bicep, err := Bicep(infra)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tf.Secrets, bicep.Secrets); diff != "" {
		t.Errorf("Key Vault secrets differ (-terraform +bicep):\n%s", diff)
	}
	if diff := cmp.Diff(keys(tf.Service), keys(bicep.Service)); diff != "" {
		t.Errorf("service settings differ (-terraform +bicep):\n%s", diff)
	}
}

func keys(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
