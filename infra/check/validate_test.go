package check

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tools returns the directory with terraform and terraform-provider-azurerm that `make
// infra-check` builds. Under make (INFRA_CHECK_TOOLS set) missing tools fail the test; a bare
// `go test` without them skips, naming the target that builds them.
func tools(t *testing.T) string {
	t.Helper()
	dir, required := os.LookupEnv("INFRA_CHECK_TOOLS")
	if !required {
		dir = filepath.Join(root, ".tools", "bin")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"terraform", "terraform-provider-azurerm"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			if required {
				t.Fatalf("INFRA_CHECK_TOOLS=%s lacks %s: %v", dir, bin, err)
			}
			t.Skipf("%s is not built: run `make infra-check`, which builds it into .tools/bin", bin)
		}
	}
	return dir
}

// validate runs terraform validate in dir with the azurerm provider taken from bin through a
// dev_overrides CLI configuration, which needs no `terraform init` and no registry.
func validate(t *testing.T, bin, dir string) (string, error) {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"hashicorp/azurerm\" = %q\n  }\n  direct {}\n}\n", bin)
	if err := os.WriteFile(cfg, []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "terraform"), "-chdir="+dir, "validate", "-no-color")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTerraformValidate proves that terraform validate checks every argument against the
// provider's schema: the committed configuration passes, and each kind of mistake fails.
func TestTerraformValidate(t *testing.T) {
	bin := tools(t)
	tests := []struct {
		name     string
		old, new string // edit to infra/terraform/app.tf; none when old is empty
		want     string // in the output of a failing validate; empty when validate must pass
	}{
		{name: "as committed"},
		{
			name: "misspelled argument",
			old:  "  https_only ",
			new:  "  https_onyl ",
			want: `An argument named "https_onyl" is not expected here`,
		},
		{
			name: "missing required argument",
			old:  "  storage_container_type            = \"blobContainer\"\n",
			want: `The argument "storage_container_type" is required`,
		},
		{
			name: "value the provider refuses",
			old:  `runtime_name    = "custom"`,
			new:  `runtime_name    = "go"`,
			want: "runtime_name",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(copyInfra(t), "terraform")
			if tt.old != "" {
				edit(t, filepath.Join(dir, "app.tf"), tt.old, tt.new)
			}
			out, err := validate(t, bin, dir)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("terraform validate failed: %v\n%s", err, out)
			case tt.want == "" && !strings.Contains(out, "The configuration is valid"):
				t.Fatalf("terraform validate did not report a valid configuration:\n%s", out)
			case tt.want != "" && err == nil:
				t.Fatalf("terraform validate passed, want a failure containing %q:\n%s", tt.want, out)
			case tt.want != "" && !strings.Contains(strings.Join(strings.Fields(out), " "), tt.want):
				t.Fatalf("terraform validate failed without %q:\n%s", tt.want, out)
			}
		})
	}
}
