// Package secrets is where secret settings come from: the environment, or Azure Key Vault with
// the environment as the fallback for secrets the vault does not hold.
//
// Secrets are keyed by setting name (ATLASSIAN_API_TOKEN); the vault's secret name comes from
// the registry (atlassian-api-token). A vault that refuses us or cannot be reached is an error,
// never a silent fallback, and no error carries a secret value.
package secrets

import (
	"context"
)

// Source yields the value of a secret setting; ok is false when no source holds it.
type Source interface {
	Secret(ctx context.Context, name string) (value string, ok bool, err error)
}

// Env reads secrets from the environment (under the Functions host, app settings and
// local.settings.json Values arrive as environment variables). Use Env(os.Getenv).
type Env func(name string) string

// Secret returns the variable's value; an empty variable counts as absent.
func (e Env) Secret(_ context.Context, name string) (string, bool, error) {
	v := e(name)
	return v, v != "", nil
}

// New returns the Source the service uses: the environment alone when vaultURL is empty, else
// the vault (reached with azidentity's DefaultAzureCredential) with the environment as fallback.
func New(vaultURL string, getenv func(string) string) (Source, error) {
	if vaultURL == "" {
		return Env(getenv), nil
	}
	return NewVault(vaultURL, VaultOptions{Fallback: Env(getenv)})
}
