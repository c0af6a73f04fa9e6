package secrets_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	"github.com/mail2jira/mail2jira/internal/emulator/keyvault/kvtest"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/secrets"
)

// Settings used below and their vault names in the registry.
const (
	jiraToken    = "ATLASSIAN_API_TOKEN" // atlassian-api-token
	clientSecret = "O365_CLIENT_SECRET"  // o365-client-secret
	storage      = "AzureWebJobsStorage" // secret, but no vault name
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

type fixture struct {
	env   *kvtest.Env
	clock *fakeClock
	vars  map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return &fixture{env: kvtest.Start(t), clock: &fakeClock{now: time.Now()}, vars: map[string]string{}}
}

// vault builds the adapter over the real azsecrets and azidentity clients, with the
// environment (f.vars) as fallback.
func (f *fixture) vault(t *testing.T, cred azcore.TokenCredential) *secrets.Vault {
	t.Helper()
	v, err := secrets.NewVault(f.env.VaultURL, secrets.VaultOptions{
		Credential: cred,
		Client:     f.env.SecretsOptions(),
		Fallback:   secrets.Env(func(k string) string { return f.vars[k] }),
		TTL:        time.Minute,
		Now:        f.clock.Now,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func read(t *testing.T, src secrets.Source, name string) (string, bool) {
	t.Helper()
	v, ok, err := src.Secret(ctx(t), name)
	if err != nil {
		t.Fatalf("Secret(%s): %v", name, err)
	}
	return v, ok
}

func TestEnv(t *testing.T) {
	env := secrets.Env(func(k string) string { return map[string]string{jiraToken: "tok"}[k] })
	tests := []struct {
		name, setting, want string
		wantOK              bool
	}{
		{"set", jiraToken, "tok", true},
		{"unset", clientSecret, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := read(t, env, tt.setting)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNewWithoutVaultIsEnvironment(t *testing.T) {
	src, err := secrets.New("", func(k string) string { return "from-env-" + k })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, src, jiraToken); got != "from-env-"+jiraToken {
		t.Errorf("got %q", got)
	}
}

func TestNewVaultNeedsHTTPS(t *testing.T) {
	_, err := secrets.NewVault("http://127.0.0.1:1", secrets.VaultOptions{Credential: kvtest.Start(t).SecretCredential(t, kvtest.ClientSecret)})
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestVaultReadsAreCached(t *testing.T) {
	f := newFixture(t)
	f.env.Vault.Set("atlassian-api-token", "from-vault")
	f.vars[jiraToken] = "from-env" // the vault wins over the environment
	creds := []struct {
		name string
		cred azcore.TokenCredential
	}{
		{"client secret credential", f.env.SecretCredential(t, kvtest.ClientSecret)},
		{"client certificate credential", f.env.CertificateCredential(t)},
	}
	for _, c := range creds {
		t.Run(c.name, func(t *testing.T) {
			v := f.vault(t, c.cred)
			before := f.env.Vault.Stats().Reads
			var got []string
			for range 3 {
				val, _ := read(t, v, jiraToken)
				got = append(got, val)
			}
			if diff := cmp.Diff([]string{"from-vault", "from-vault", "from-vault"}, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if n := f.env.Vault.Stats().Reads - before; n != 1 {
				t.Errorf("vault reads = %d, want 1", n)
			}
		})
	}
}

func TestVaultConcurrentReadsShareOneFetch(t *testing.T) {
	f := newFixture(t)
	f.env.Vault.Set("atlassian-api-token", "v")
	v := f.vault(t, f.env.SecretCredential(t, kvtest.ClientSecret))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, _, err := v.Secret(context.Background(), jiraToken); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.env.Vault.Stats().Reads; n != 1 {
		t.Errorf("vault reads = %d, want 1", n)
	}
}

func TestVaultRefreshesAfterRotation(t *testing.T) {
	f := newFixture(t)
	f.env.Vault.Set("atlassian-api-token", "v1")
	v := f.vault(t, f.env.SecretCredential(t, kvtest.ClientSecret))
	steps := []struct {
		name  string
		act   func()
		want  string
		reads int
	}{
		{"first read", func() {}, "v1", 1},
		{"rotated, still cached", func() { f.env.Vault.Set("atlassian-api-token", "v2") }, "v1", 1},
		{"after the TTL", func() { f.clock.Add(time.Minute) }, "v2", 2},
		{"rotated and invalidated", func() {
			f.env.Vault.Set("atlassian-api-token", "v3")
			v.Invalidate(jiraToken)
		}, "v3", 3},
	}
	for _, s := range steps {
		s.act()
		got, _ := read(t, v, jiraToken)
		if reads := f.env.Vault.Stats().Reads; got != s.want || reads != s.reads {
			t.Errorf("%s: got %q after %d reads, want %q after %d", s.name, got, reads, s.want, s.reads)
		}
	}
}

func TestVaultFallsBackForAbsentSecrets(t *testing.T) {
	f := newFixture(t)
	v := f.vault(t, f.env.SecretCredential(t, kvtest.ClientSecret))
	tests := []struct {
		name, setting, env, want string
		wantOK                   bool
		wantReads                int // vault reads this case adds
	}{
		{"absent from vault, set in env", clientSecret, "env-secret", "env-secret", true, 1},
		{"absent from vault, cached", clientSecret, "env-secret", "env-secret", true, 0},
		{"absent everywhere", jiraToken, "", "", false, 1},
		{"no vault name", storage, "UseDevelopmentStorage=true", "UseDevelopmentStorage=true", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.vars[tt.setting] = tt.env
			before := f.env.Vault.Stats().Reads
			got, ok := read(t, v, tt.setting)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q %v, want %q %v", got, ok, tt.want, tt.wantOK)
			}
			if n := f.env.Vault.Stats().Reads - before; n != tt.wantReads {
				t.Errorf("vault reads = %d, want %d", n, tt.wantReads)
			}
		})
	}
}

func TestVaultRefusalIsAnError(t *testing.T) {
	f := newFixture(t)
	const inVault = "vault-value-never-shown"
	f.env.Vault.Set("atlassian-api-token", inVault)
	f.vars[jiraToken] = "env-value-never-used"
	tests := []struct {
		name  string
		cred  func() azcore.TokenCredential
		setup func() func()
		want  error
	}{
		{"vault refuses the caller", func() azcore.TokenCredential { return f.env.SecretCredential(t, kvtest.ClientSecret) },
			func() func() { f.env.Vault.SetRefuse(true); return func() { f.env.Vault.SetRefuse(false) } }, errs.ErrForbidden},
		{"token for another audience", func() azcore.TokenCredential { return graphOnly{f.env.SecretCredential(t, kvtest.ClientSecret)} },
			func() func() { return func() {} }, errs.ErrUnauthorized},
		{"wrong client secret", func() azcore.TokenCredential { return f.env.SecretCredential(t, "wrong-client-secret") },
			func() func() { return func() {} }, errs.ErrUnauthorized},
		{"vault unreachable", func() azcore.TokenCredential { return f.env.SecretCredential(t, kvtest.ClientSecret) },
			func() func() { f.env.StopVault(); return func() {} }, errs.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer tt.setup()()
			_, ok, err := f.vault(t, tt.cred()).Secret(ctx(t), jiraToken)
			if !errors.Is(err, tt.want) || ok {
				t.Fatalf("Secret = ok %v, err %v; want %v", ok, err, tt.want)
			}
			t.Logf("error: %v", err)
			for _, secret := range []string{inVault, f.vars[jiraToken], kvtest.ClientSecret, "wrong-client-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error reveals a secret value: %v", err)
				}
			}
		})
	}
}

func TestUnregisteredSettingIsInvalid(t *testing.T) {
	f := newFixture(t)
	_, _, err := f.vault(t, f.env.SecretCredential(t, kvtest.ClientSecret)).Secret(ctx(t), "NO_SUCH_SETTING")
	if !errors.Is(err, errs.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

// graphOnly asks Entra for a Graph token whatever it is asked for, so the vault sees a genuine
// token for the wrong audience.
type graphOnly struct{ azcore.TokenCredential }

func (g graphOnly) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	o.Scopes = []string{entra.GraphResource + "/.default"}
	return g.TokenCredential.GetToken(ctx, o)
}

func TestNewWithVaultUsesDefaultCredentialChain(t *testing.T) {
	src, err := secrets.New("https://example.vault.azure.net", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(*secrets.Vault); !ok {
		t.Fatalf("New with a vault URL returned %T, want *secrets.Vault", src)
	}
}

// TestDefaultAzureCredentialAgainstEmulators drives the production credential chain (its
// environment credential, configured the way an operator would) against the emulators.
func TestDefaultAzureCredentialAgainstEmulators(t *testing.T) {
	f := newFixture(t)
	f.env.Vault.Set("atlassian-api-token", "from-vault")
	t.Setenv("AZURE_TENANT_ID", kvtest.TenantID)
	t.Setenv("AZURE_CLIENT_ID", kvtest.ClientID)
	t.Setenv("AZURE_CLIENT_SECRET", kvtest.ClientSecret)
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
		ClientOptions: f.env.ClientOptions(), DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := read(t, f.vault(t, cred), jiraToken); got != "from-vault" {
		t.Errorf("got %q, want from-vault", got)
	}
}
