package check

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mail2jira/mail2jira/internal/registry"
)

// TestChecksCatchDrift edits a copy of infra/ the way drift happens and expects the checks to
// name the problem.
func TestChecksCatchDrift(t *testing.T) {
	settings := func(lang string) func(string) []string {
		return func(dir string) []string {
			read := Bicep
			if lang == "terraform" {
				read = func(d string) (Deployment, error) { return Terraform(filepath.Join(d, "terraform")) }
			}
			d, err := read(dir)
			if err != nil {
				return []string{err.Error()}
			}
			return Settings(d, registry.Settings)
		}
	}
	secrets := func(dir string) []string { return NoSecrets(dir, nil, registry.Settings) }
	tests := []struct {
		name     string
		file     string
		old, new string
		check    func(infra string) []string
		want     []string
	}{
		{
			name:  "terraform lacks a setting the service reads",
			file:  "terraform/settings.tf",
			old:   "    MAILBOX                              = var.mailbox\n",
			check: settings("terraform"),
			want:  []string{"terraform: MAILBOX:", "neither sets it"},
		},
		{
			name:  "bicep lacks a setting the service reads",
			file:  "main.bicep",
			old:   "  LOG_LEVEL: logLevel\n",
			check: settings("bicep"),
			want:  []string{"bicep: LOG_LEVEL:", "neither sets it"},
		},
		{
			name:  "misspelled setting name",
			file:  "terraform/settings.tf",
			old:   "    LOG_LEVEL                            = var.log_level",
			new:   "    LOG_LEVELS                           = var.log_level",
			check: settings("terraform"),
			want:  []string{"LOG_LEVELS is set but the service does not read it"},
		},
		{
			name:  "unknown host setting",
			file:  "main.bicep",
			old:   "  AZURE_CLIENT_ID: identity.outputs.clientId\n",
			new:   "  AZURE_CLIENT_ID: identity.outputs.clientId\n  WEBSITE_RUN_FROM_PACKAGE: '1'\n",
			check: settings("bicep"),
			want:  []string{"WEBSITE_RUN_FROM_PACKAGE is set but neither the service nor the Functions host reads it"},
		},
		{
			name:  "secret set as a value",
			file:  "terraform/settings.tf",
			old:   "    LOG_LEVEL                            = var.log_level\n",
			new:   "    LOG_LEVEL                            = var.log_level\n    ATLASSIAN_API_TOKEN                  = \"abc\"\n",
			check: settings("terraform"),
			want:  []string{"ATLASSIAN_API_TOKEN is a secret"},
		},
		{
			name:  "wrong Key Vault secret name",
			file:  "terraform/settings.tf",
			old:   `"atlassian-api-token"`,
			new:   `"jira-token"`,
			check: settings("terraform"),
			want:  []string{"ATLASSIAN_API_TOKEN is kept in Key Vault as \"jira-token\""},
		},
		{
			name:  "connection string for the host",
			file:  "terraform/settings.tf",
			old:   `AzureWebJobsStorage                       = ""`,
			new:   `AzureWebJobsStorage                       = azurerm_storage_account.main.name`,
			check: settings("terraform"),
			want:  []string{"AzureWebJobsStorage must not hold a connection string"},
		},
		{
			name:  "app settings bypass the checked map",
			file:  "terraform/app.tf",
			old:   "  app_settings = local.app_settings\n",
			new:   "  app_settings = merge(local.app_settings, { EXTRA = \"1\" })\n",
			check: Wiring,
			want:  []string{"terraform: app_settings = merge(local.app_settings", "bypasses local.app_settings"},
		},
		{
			name:  "variable without validation",
			file:  "terraform/variables.tf",
			old:   "\n  validation {\n    condition     = contains([\"debug\", \"info\", \"warn\", \"error\"], var.log_level)\n    error_message = \"log_level must be debug, info, warn or error.\"\n  }\n",
			new:   "",
			check: Wiring,
			want:  []string{"variable log_level needs a description and a validation block"},
		},
		{
			name:  "terraform default differs from the service's",
			file:  "terraform/variables.tf",
			old:   "  default     = 50\n",
			new:   "  default     = 60\n",
			check: Wiring,
			want:  []string{"variable max_attachment_mb defaults to 60, but the service's default is \"50\""},
		},
		{
			name:  "bicep default differs from the service's",
			file:  "main.bicep",
			old:   "param maxAttachmentMb string = '50'",
			new:   "param maxAttachmentMb string = '60'",
			check: Wiring,
			want:  []string{"parameter maxAttachmentMb defaults to '60'"},
		},
		{
			name:  "queue renamed",
			file:  "main.bicep",
			old:   "var mailQueue = 'mail-messages'",
			new:   "var mailQueue = 'mails'",
			check: Wiring,
			want:  []string{"bicep: the mail queue must be \"mail-messages\""},
		},
		{
			name:  "table missing",
			file:  "terraform/main.tf",
			old:   `"ledger", `,
			check: Wiring,
			want:  []string{"terraform: the tables must be"},
		},
		{
			name:  "azd passes an undeclared variable",
			file:  "terraform/main.tfvars.json",
			old:   `"log_level": "${LOG_LEVEL=info}"`,
			new:   `"log_level": "${LOG_LEVEL=info}", "loglevel": "${LOG_LEVEL}"`,
			check: AzdInputs,
			want:  []string{"loglevel is not a variable of infra/terraform"},
		},
		{
			name:  "azd default drifts from the variable's",
			file:  "terraform/main.tfvars.json",
			old:   `${JIRA_TICKET_TYPE=Task}`,
			new:   `${JIRA_TICKET_TYPE=Bug}`,
			check: AzdInputs,
			want:  []string{"jira_ticket_type defaults to \"Task\""},
		},
		{
			name:  "azd lacks a required parameter",
			file:  "main.parameters.json",
			old:   "    \"mailbox\": {\n      \"value\": \"${MAILBOX}\"\n    },\n",
			check: AzdInputs,
			want:  []string{"required parameter mailbox is missing"},
		},
		{
			name:  "storage key in a template",
			file:  "terraform/app.tf",
			old:   `storage_authentication_type       = "UserAssignedIdentity"`,
			new:   `storage_authentication_type       = "StorageAccountConnectionString"`,
			check: secrets,
			want:  []string{"app.tf", "passes a secret around"},
		},
		{
			name:  "connection string literal",
			file:  "README.md",
			old:   "# Deploying mail2jira",
			new:   "# Deploying mail2jira\nDefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc",
			check: secrets,
			want:  []string{"README.md:2: looks like a secret value"},
		},
		{
			name:  "secret as a Terraform variable",
			file:  "terraform/variables.tf",
			old:   `variable "log_level" {`,
			new:   "variable \"atlassian_api_token\" {\n  type = string\n}\n\nvariable \"log_level\" {",
			check: secrets,
			want:  []string{"ATLASSIAN_API_TOKEN is a secret and must not be an input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyInfra(t)
			if got := tt.check(dir); len(got) != 0 {
				t.Fatalf("the unedited copy already has problems: %q", got)
			}
			edit(t, filepath.Join(dir, tt.file), tt.old, tt.new)
			if got := tt.check(dir); !hasProblem(got, tt.want...) {
				t.Errorf("problems = %q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestLocalSettings(t *testing.T) {
	settings := []registry.Setting{{Name: "A"}, {Name: "JIRA_BOARDS"}, {Name: "P", Platform: true}}
	tests := []struct {
		name   string
		values string
		want   []string
	}{
		{"complete", `{"A": "", "JIRA_BOARDS": "support=Support"}`, nil},
		{"board variables named by JIRA_BOARDS", `{"A": "", "JIRA_BOARDS": "JIRA_IT_BOARD", "JIRA_IT_BOARD": "IT", "FUNCTIONS_WORKER_RUNTIME": "custom"}`, nil},
		{"missing", `{"JIRA_BOARDS": ""}`, []string{"x.json: lacks A"}},
		{"unknown", `{"A": "", "JIRA_BOARDS": "", "B": ""}`, []string{"x.json: sets B, which the service does not read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.json")
			if err := os.WriteFile(path, []byte(`{"Values": `+tt.values+`}`), 0o644); err != nil {
				t.Fatal(err)
			}
			got := LocalSettings(path, settings)
			if len(got) != len(tt.want) || (len(got) > 0 && !hasProblem(got, tt.want...)) {
				t.Errorf("LocalSettings = %q, want %q", got, tt.want)
			}
		})
	}
}
