// Package kvtest starts the Entra and Key Vault emulators together over TLS for tests, with one
// registered app, and hands out azidentity credentials and azsecrets options wired to them.
package kvtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	"github.com/mail2jira/mail2jira/internal/emulator/keyvault"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
)

// The registered app's identity. The secret is fake and only valid against the emulator.
const (
	TenantID     = "72f988bf-0000-4000-8000-000000000001"
	ClientID     = "6d1c4a0e-0000-4000-8000-000000000002"
	ClientSecret = "emulator-client-secret~1"
)

// Env is a running Entra emulator and Key Vault emulator that trust each other's tokens.
type Env struct {
	CA       *tlsca.CA
	Entra    *entra.Server
	EntraURL string
	Vault    *keyvault.Vault
	VaultURL string
	Cert     *x509.Certificate // registered on the app
	Key      *rsa.PrivateKey   // the certificate's key

	vaultServer *httptest.Server
}

// Start serves both emulators on loopback until the test ends.
func Start(tb testing.TB) *Env {
	tb.Helper()
	ca, err := tlsca.New()
	if err != nil {
		tb.Fatal(err)
	}
	ent, err := entra.New(entra.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	cert, key := SelfSigned(tb)
	if err := ent.AddApp(entra.App{TenantID: TenantID, ClientID: ClientID, Secret: ClientSecret,
		Certificates: []*x509.Certificate{cert}}); err != nil {
		tb.Fatal(err)
	}
	e := &Env{CA: ca, Entra: ent, Cert: cert, Key: key}
	e.EntraURL = serveTLS(tb, ca, ent).URL
	vault, err := keyvault.New(keyvault.Options{
		AuthorityHost: e.EntraURL, TenantID: TenantID,
		Verify: func(bearer string) error {
			_, err := ent.Verify(bearer, keyvault.DefaultResource)
			return err
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.Vault = vault
	e.vaultServer = serveTLS(tb, ca, vault)
	e.VaultURL = e.vaultServer.URL
	return e
}

// StopVault closes the vault's listener, so later requests fail at the network level.
func (e *Env) StopVault() { e.vaultServer.Close() }

// ClientOptions trust the emulators' CA, point Entra requests at the emulator, and keep retries
// short so failure tests finish quickly.
func (e *Env) ClientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: e.EntraURL + "/"},
		Transport: e.CA.Client(),
		Retry:     policy.RetryOptions{MaxRetries: 1, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 50 * time.Millisecond},
	}
}

// SecretsOptions are azsecrets options for the emulated vault. Challenge resource verification
// is off because the challenge names https://vault.azure.net while the vault is on 127.0.0.1.
func (e *Env) SecretsOptions() *azsecrets.ClientOptions {
	return &azsecrets.ClientOptions{ClientOptions: e.ClientOptions(), DisableChallengeResourceVerification: true}
}

// SecretCredential is a ClientSecretCredential for the app, with the given secret.
func (e *Env) SecretCredential(tb testing.TB, secret string) azcore.TokenCredential {
	tb.Helper()
	c, err := azidentity.NewClientSecretCredential(TenantID, ClientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: e.ClientOptions(), DisableInstanceDiscovery: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// CertificateCredential is a ClientCertificateCredential for the app's registered certificate.
func (e *Env) CertificateCredential(tb testing.TB) azcore.TokenCredential {
	tb.Helper()
	c, err := azidentity.NewClientCertificateCredential(TenantID, ClientID, []*x509.Certificate{e.Cert}, e.Key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: e.ClientOptions(), DisableInstanceDiscovery: true})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// SelfSigned makes an RSA key and a self-signed certificate for it, as an app credential.
func SelfSigned(tb testing.TB) (*x509.Certificate, *rsa.PrivateKey) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "mail2jira emulator app"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return cert, key
}

func serveTLS(tb testing.TB, ca *tlsca.CA, h http.Handler) *httptest.Server {
	tb.Helper()
	ts := httptest.NewUnstartedServer(h)
	cfg, err := ca.ServerConfig()
	if err != nil {
		tb.Fatal(err)
	}
	ts.TLS = cfg
	ts.StartTLS()
	tb.Cleanup(ts.Close)
	return ts
}
