package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/mail2jira/mail2jira/internal/registry"
)

// Deployment is what one infrastructure language (Terraform or Bicep) gives the app.
type Deployment struct {
	Lang    string            // "terraform" or "bicep", for messages
	Service map[string]string // service settings set as app settings: name to value source
	Host    map[string]string // settings for the Functions host: name to value source
	Secrets map[string]string // secret settings kept in Key Vault: setting name to secret name
	Unset   map[string]string // settings deliberately not set in Azure: name to the reason
}

// HostSettings are the app settings a deployment may give the Functions host besides the
// service's own: identity-based storage, the identity for DefaultAzureCredential, telemetry.
var HostSettings = []string{
	"AzureWebJobsStorage__credential",
	"AzureWebJobsStorage__clientId",
	"AZURE_CLIENT_ID",
	"APPLICATIONINSIGHTS_CONNECTION_STRING",
	"APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}

// keyVaultReference is the one form in which a secret may appear as an app setting's value.
var keyVaultReference = regexp.MustCompile(`^["']@Microsoft\.KeyVault\(`)

// Settings checks d against the settings the service reads and returns every problem found.
func Settings(d Deployment, settings []registry.Setting) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, d.Lang+": "+fmt.Sprintf(format, args...))
	}
	known := map[string]registry.Setting{}
	for _, s := range settings {
		known[s.Name] = s
		if s.Platform {
			continue
		}
		if msg := accounted(d, s); msg != "" {
			add("%s: %s", s.Name, msg)
		}
	}
	for name, value := range d.Service {
		checkService(name, value, known, add)
	}
	for name, value := range d.Host {
		checkHost(name, value, known, add)
	}
	for name, vault := range d.Secrets {
		if s, ok := known[name]; !ok || !s.Secret {
			add("%s is kept in Key Vault but is not a secret setting of the service", name)
		} else if s.VaultName != vault {
			add("%s is kept in Key Vault as %q, but the service reads %q", name, vault, s.VaultName)
		}
	}
	for name := range d.Unset {
		if _, ok := known[name]; !ok {
			add("%s is listed as not set, but the service does not read it", name)
		}
	}
	sort.Strings(problems)
	return problems
}

// accounted says what is wrong with how d handles s, or "" when s reaches the app correctly.
func accounted(d Deployment, s registry.Setting) string {
	places := 0
	for _, m := range []map[string]string{d.Service, d.Host, d.Secrets, d.Unset} {
		if _, ok := m[s.Name]; ok {
			places++
		}
	}
	switch {
	case places == 0:
		return "the service reads it but the deployment neither sets it, keeps it in Key Vault, nor lists it as not set"
	case places > 1:
		return "appears in more than one of the settings, Key Vault secrets and not-set lists"
	}
	_, secret := d.Secrets[s.Name]
	if _, vault := d.Service["KEY_VAULT_URL"]; secret && !vault {
		return "is kept in Key Vault, but KEY_VAULT_URL is not set, so the service would never read it"
	}
	return ""
}

func checkService(name, value string, known map[string]registry.Setting, add func(string, ...any)) {
	s, ok := known[name]
	switch {
	case !ok:
		add("%s is set but the service does not read it", name)
	case s.Platform:
		add("%s is set by Azure Functions itself and must not be set", name)
	case s.Secret && !keyVaultReference.MatchString(value):
		add("%s is a secret: it may reach the app only as a Key Vault reference or through KEY_VAULT_URL, never as a value", name)
	}
}

func checkHost(name, value string, known map[string]registry.Setting, add func(string, ...any)) {
	if name == "AzureWebJobsStorage" {
		// Only as the empty override of the connection string azurerm adds (see settings.tf).
		if value != `""` {
			add("AzureWebJobsStorage must not hold a connection string; only an empty override is allowed")
		}
		return
	}
	if _, ok := known[name]; ok {
		add("%s is a service setting and belongs with the service settings", name)
		return
	}
	if !slices.Contains(HostSettings, name) {
		add("%s is set but neither the service nor the Functions host reads it", name)
	}
}

// Terraform reads the settings maps from the .tf files in dir.
func Terraform(dir string) (Deployment, error) {
	src, err := concat(dir, "*.tf")
	if err != nil {
		return Deployment{}, err
	}
	return read("terraform", src, `(?m)^\s*%s\s*=\s*\{`, [4]string{"service_settings", "host_settings", "key_vault_secrets", "settings_not_in_app_settings"})
}

// Bicep reads the settings objects from the .bicep files in dir and dir/modules.
func Bicep(dir string) (Deployment, error) {
	src, err := concat(dir, "*.bicep", "modules/*.bicep")
	if err != nil {
		return Deployment{}, err
	}
	return read("bicep", src, `(?m)^var\s+%s\s*=\s*\{`, [4]string{"serviceSettings", "hostSettings", "keyVaultSecrets", "settingsNotInAppSettings"})
}

func read(lang, src, head string, names [4]string) (Deployment, error) {
	d := Deployment{Lang: lang}
	for i, dst := range []*map[string]string{&d.Service, &d.Host, &d.Secrets, &d.Unset} {
		entries, err := Object(src, fmt.Sprintf(head, names[i]))
		if err != nil {
			return Deployment{}, fmt.Errorf("%s: %w", lang, err)
		}
		m := map[string]string{}
		for _, e := range entries {
			if i == 2 { // Key Vault secret names are plain strings
				v, ok := Unquote(e.Value)
				if !ok {
					return Deployment{}, fmt.Errorf("%s: %s: Key Vault secret name %s is not a plain string", lang, names[i], e.Value)
				}
				e.Value = v
			}
			m[e.Key] = e.Value
		}
		*dst = m
	}
	return d, nil
}

// concat returns the contents of the files matching the patterns under dir, in name order.
func concat(dir string, patterns ...string) (string, error) {
	var b strings.Builder
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join(dir, p))
		if err != nil {
			return "", err
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return "", err
			}
			b.Write(data)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
