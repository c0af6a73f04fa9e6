package keyvault_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	"github.com/mail2jira/mail2jira/internal/emulator/keyvault"
	"github.com/mail2jira/mail2jira/internal/emulator/keyvault/kvtest"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func client(t *testing.T, e *kvtest.Env, cred azcore.TokenCredential, opts *azsecrets.ClientOptions) *azsecrets.Client {
	t.Helper()
	if opts == nil {
		opts = e.SecretsOptions()
	}
	c, err := azsecrets.NewClient(e.VaultURL, cred, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func str(s string) *string { return &s }

// statusAndCode extracts what a caller of azsecrets sees of a refusal.
func statusAndCode(t *testing.T, err error) (int, string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want an *azcore.ResponseError", err)
	}
	return re.StatusCode, re.ErrorCode
}

func TestSetAndGetThroughChallenge(t *testing.T) {
	e := kvtest.Start(t)
	for _, cred := range []struct {
		name string
		cred azcore.TokenCredential
	}{{"client secret", e.SecretCredential(t, kvtest.ClientSecret)}, {"client certificate", e.CertificateCredential(t)}} {
		t.Run(cred.name, func(t *testing.T) {
			c := client(t, e, cred.cred, nil)
			before := e.Vault.Stats()
			set1, err := c.SetSecret(ctx(t), "atlassian-api-token", azsecrets.SetSecretParameters{Value: str("one")}, nil)
			if err != nil {
				t.Fatalf("SetSecret: %v", err)
			}
			if _, err := c.SetSecret(ctx(t), "atlassian-api-token", azsecrets.SetSecretParameters{Value: str("two")}, nil); err != nil {
				t.Fatalf("SetSecret: %v", err)
			}
			latest, err := c.GetSecret(ctx(t), "atlassian-api-token", "", nil)
			if err != nil {
				t.Fatalf("GetSecret: %v", err)
			}
			old, err := c.GetSecret(ctx(t), "atlassian-api-token", set1.ID.Version(), nil)
			if err != nil {
				t.Fatalf("GetSecret(version): %v", err)
			}
			got := []string{*latest.Value, *old.Value, latest.ID.Name()}
			if diff := cmp.Diff([]string{"two", "one", "atlassian-api-token"}, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
			if latest.Attributes == nil || latest.Attributes.Enabled == nil || !*latest.Attributes.Enabled || latest.Attributes.Created == nil {
				t.Errorf("attributes not populated: %+v", latest.Attributes)
			}
			after := e.Vault.Stats()
			// One challenge per client: azsecrets remembers the tenant and scope it learned.
			want := keyvault.Stats{Challenges: 1, Reads: 2, Writes: 2}
			got2 := keyvault.Stats{Challenges: after.Challenges - before.Challenges, Reads: after.Reads - before.Reads, Writes: after.Writes - before.Writes}
			if diff := cmp.Diff(want, got2); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	e := kvtest.Start(t)
	e.Vault.Set("present", "v")
	good := e.SecretCredential(t, kvtest.ClientSecret)
	tests := []struct {
		name       string
		cred       azcore.TokenCredential
		opts       func() *azsecrets.ClientOptions
		secret     string
		refuse     bool
		wantStatus int
		wantCode   string
	}{
		{"absent secret", good, nil, "absent", false, http.StatusNotFound, "SecretNotFound"},
		{"refusing vault", good, nil, "present", true, http.StatusForbidden, "Forbidden"},
		{"token for another audience", graphOnly{good}, nil, "present", false, http.StatusUnauthorized, "Unauthorized"},
		{"unknown api-version", good, func() *azsecrets.ClientOptions {
			o := e.SecretsOptions()
			o.APIVersion = "1.0"
			return o
		}, "present", false, http.StatusBadRequest, "BadParameter"},
		{"invalid name", good, nil, "bad_name", false, http.StatusBadRequest, "BadParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts *azsecrets.ClientOptions
			if tt.opts != nil {
				opts = tt.opts()
			}
			e.Vault.SetRefuse(tt.refuse)
			defer e.Vault.SetRefuse(false)
			_, err := client(t, e, tt.cred, opts).GetSecret(ctx(t), tt.secret, "", nil)
			status, code := statusAndCode(t, err)
			if status != tt.wantStatus || code != tt.wantCode {
				t.Errorf("got %d %s, want %d %s", status, code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestDisabledSecretIsForbidden(t *testing.T) {
	e := kvtest.Start(t)
	c := client(t, e, e.SecretCredential(t, kvtest.ClientSecret), nil)
	off := false
	if _, err := c.SetSecret(ctx(t), "off", azsecrets.SetSecretParameters{Value: str("x"),
		SecretAttributes: &azsecrets.SecretAttributes{Enabled: &off}}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetSecret(ctx(t), "off", "", nil)
	if status, code := statusAndCode(t, err); status != http.StatusForbidden || code != "Forbidden" {
		t.Errorf("got %d %s, want 403 Forbidden", status, code)
	}
}

// TestChallengeResourceVerification shows why callers of the emulator must set
// DisableChallengeResourceVerification: the challenge names vault.azure.net, not 127.0.0.1.
func TestChallengeResourceVerification(t *testing.T) {
	e := kvtest.Start(t)
	opts := e.SecretsOptions()
	opts.DisableChallengeResourceVerification = false
	_, err := client(t, e, e.SecretCredential(t, kvtest.ClientSecret), opts).GetSecret(ctx(t), "x", "", nil)
	if err == nil || !strings.Contains(err.Error(), "DisableChallengeResourceVerification") {
		t.Fatalf("error = %v, want azsecrets' challenge resource mismatch", err)
	}
}

func TestNewNeedsVerify(t *testing.T) {
	if _, err := keyvault.New(keyvault.Options{AuthorityHost: "https://127.0.0.1:1", TenantID: "t"}); err == nil {
		t.Fatal("New without Verify succeeded")
	}
}

// graphOnly asks Entra for a Graph token whatever scope it is asked for, to present the vault
// with a genuine token for the wrong audience.
type graphOnly struct{ azcore.TokenCredential }

func (g graphOnly) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	o.Scopes = []string{entra.GraphResource + "/.default"}
	return g.TokenCredential.GetToken(ctx, o)
}
