package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// DefaultTTL is how long a value read from the vault is used before it is read again, which
// bounds how long a rotated secret takes to reach a running instance.
const DefaultTTL = 5 * time.Minute

// VaultOptions configures a Vault. The zero value is the production setup.
type VaultOptions struct {
	// Credential authenticates to the vault; nil means azidentity.DefaultAzureCredential
	// (managed identity in Azure, developer credentials locally).
	Credential azcore.TokenCredential
	// Client are azsecrets client options. Against the Key Vault emulator set
	// DisableChallengeResourceVerification (its challenge names vault.azure.net while it
	// listens on 127.0.0.1) and a Transport that trusts the emulator's CA.
	Client *azsecrets.ClientOptions
	// Fallback answers for settings the vault lacks (404) or that have no vault name; nil
	// means such secrets are absent.
	Fallback Source
	// TTL is how long values (and the vault's "not found") are cached; default DefaultTTL.
	TTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger records fallbacks to the environment; default slog.Default().
	Logger *slog.Logger
}

// Vault reads secrets from Azure Key Vault through azsecrets, caching them for a TTL.
type Vault struct {
	client *azsecrets.Client
	host   string
	opts   VaultOptions

	mu      sync.Mutex
	entries map[string]*entry // by vault secret name
}

// entry caches one vault secret; its mutex makes concurrent readers share one fetch.
type entry struct {
	mu      sync.Mutex
	fetched time.Time // zero: must fetch
	found   bool
	value   string
}

// NewVault returns a Vault for the vault at vaultURL (https://<name>.vault.azure.net).
func NewVault(vaultURL string, opts VaultOptions) (*Vault, error) {
	u, err := url.Parse(vaultURL)
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return nil, fmt.Errorf("key vault url %q must be an https URL like https://<name>.vault.azure.net: %w", vaultURL, errs.ErrInvalid)
	}
	if opts.Credential == nil {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("key vault credential: %w", err)
		}
		opts.Credential = cred
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	client, err := azsecrets.NewClient(vaultURL, opts.Credential, opts.Client)
	if err != nil {
		return nil, fmt.Errorf("key vault client for %s: %w", u.Host, err)
	}
	return &Vault{client: client, host: u.Host, opts: opts, entries: map[string]*entry{}}, nil
}

// Secret returns the setting's value from the vault, or from the fallback when the vault has no
// such secret or the setting has no vault name. Vault refusals and outages are errors.
func (v *Vault) Secret(ctx context.Context, name string) (string, bool, error) {
	s, ok := registry.Lookup(name)
	if !ok {
		return "", false, fmt.Errorf("secret %s is not a registered setting: %w", name, errs.ErrInvalid)
	}
	if s.VaultName == "" {
		return v.fallback(ctx, name)
	}
	value, found, err := v.read(ctx, s.VaultName)
	if err != nil {
		return "", false, fmt.Errorf("secret %s (%s in key vault %s): %w", name, s.VaultName, v.host, err)
	}
	if found {
		return value, true, nil
	}
	return v.fallback(ctx, name)
}

// Invalidate drops the cached value of a setting, so the next read goes to the vault; call it
// when the value in hand was just refused (a rotated API token, say).
func (v *Vault) Invalidate(name string) {
	s, ok := registry.Lookup(name)
	if !ok || s.VaultName == "" {
		return
	}
	e := v.entry(s.VaultName)
	e.mu.Lock()
	e.fetched = time.Time{}
	e.mu.Unlock()
}

func (v *Vault) entry(vaultName string) *entry {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.entries[vaultName]
	if !ok {
		e = &entry{}
		v.entries[vaultName] = e
	}
	return e
}

// read returns the cached value while fresh, else fetches the latest version. Failures are not
// cached, so the next read tries again.
func (v *Vault) read(ctx context.Context, vaultName string) (string, bool, error) {
	e := v.entry(vaultName)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := v.opts.Now()
	if !e.fetched.IsZero() && now.Sub(e.fetched) < v.opts.TTL {
		return e.value, e.found, nil
	}
	resp, err := v.client.GetSecret(ctx, vaultName, "", nil)
	switch {
	case err == nil && resp.Value != nil:
		e.value, e.found = *resp.Value, true
	case isNotFound(err):
		e.value, e.found = "", false
	case err == nil:
		return "", false, fmt.Errorf("vault returned no value: %w", errs.ErrUnavailable)
	default:
		return "", false, classify(err)
	}
	e.fetched = now
	return e.value, e.found, nil
}

func (v *Vault) fallback(ctx context.Context, name string) (string, bool, error) {
	if v.opts.Fallback == nil {
		return "", false, nil
	}
	value, ok, err := v.opts.Fallback.Secret(ctx, name)
	if err != nil {
		return "", false, fmt.Errorf("secret %s from fallback: %w", name, err)
	}
	if ok {
		v.opts.Logger.InfoContext(ctx, "secret not in key vault, using the environment", "setting", name, "vault", v.host)
	}
	return value, ok, nil
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// classify maps an azsecrets or azidentity error to an errs sentinel, keeping the status and
// service error codes but not response bodies.
func classify(err error) error {
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) {
		if afe.RawResponse == nil { // Entra was not reached
			return fmt.Errorf("token request failed: %s: %w", firstLine(afe.Error()), errs.ErrUnavailable)
		}
		return fmt.Errorf("credential refused by Entra ID (%s): %w", entraCodes(afe.RawResponse), errs.ErrUnauthorized)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		what := fmt.Sprintf("vault answered %d %s", re.StatusCode, re.ErrorCode)
		switch {
		case re.StatusCode == http.StatusUnauthorized:
			return fmt.Errorf("%s: %w", what, errs.ErrUnauthorized)
		case re.StatusCode == http.StatusForbidden:
			return fmt.Errorf("%s (grant the identity the Key Vault Secrets User role): %w", what, errs.ErrForbidden)
		case re.StatusCode == http.StatusTooManyRequests:
			return &errs.Throttled{Op: what, RetryAfter: retryAfter(re.RawResponse), Err: errs.ErrThrottled}
		case re.StatusCode >= 500:
			return fmt.Errorf("%s: %w", what, errs.ErrUnavailable)
		default:
			return fmt.Errorf("%s: %w", what, errs.ErrInvalid)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("key vault request: %w", err)
	}
	// Transport failures and credentials that found no identity; their text holds no secrets.
	return fmt.Errorf("key vault unreachable: %s: %w", firstLine(err.Error()), errs.ErrUnavailable)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// entraCodes summarises an Entra refusal as "invalid_client AADSTS7000215" from its error body
// (https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes); the
// description is left out because it is long and may echo request details.
func entraCodes(resp *http.Response) string {
	var body struct {
		Error string `json:"error"`
		Codes []int  `json:"error_codes"`
	}
	raw, err := runtime.Payload(resp)
	if err != nil || json.Unmarshal(raw, &body) != nil || body.Error == "" {
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	out := body.Error
	for _, c := range body.Codes {
		out += fmt.Sprintf(" AADSTS%d", c)
	}
	return out
}

// retryAfter reads a Retry-After header given in seconds.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
