package entra_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
	"github.com/mail2jira/mail2jira/internal/errs"
)

const (
	tenant   = "11111111-2222-3333-4444-555555555555"
	clientID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	secret   = "s3cr3t~value"
)

var graphScope = entra.GraphResource + "/.default"

// fakeClock is a settable clock shared by the emulator and the test.
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

type env struct {
	srv   *entra.Server
	url   string
	ca    *tlsca.CA
	cert  *x509.Certificate
	key   *rsa.PrivateKey
	clock *fakeClock
}

// start serves a fresh emulator over TLS with one app that has a secret, a certificate and
// Graph mail roles.
func start(t *testing.T) *env {
	t.Helper()
	ca, err := tlsca.New()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Now()}
	srv, err := entra.New(entra.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cert, key := selfSigned(t)
	if err := srv.AddApp(entra.App{
		TenantID: tenant, ClientID: clientID, Secret: secret, Certificates: []*x509.Certificate{cert},
		Roles: map[string][]string{entra.GraphResource: {"Mail.Send", "Mail.ReadWrite"}},
	}); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	if ts.TLS, err = ca.ServerConfig(); err != nil {
		t.Fatal(err)
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return &env{srv: srv, url: ts.URL, ca: ca, cert: cert, key: key, clock: clock}
}

func (e *env) clientOptions() azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: e.url + "/"},
		Transport: e.ca.Client(),
	}
}

func (e *env) secretCred(t *testing.T, tenantID, client, sec string) azcore.TokenCredential {
	t.Helper()
	c, err := azidentity.NewClientSecretCredential(tenantID, client, sec, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: e.clientOptions(), DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func selfSigned(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "mail2jira test app"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func getToken(t *testing.T, cred azcore.TokenCredential, scope string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	return tok.Token, err
}

type wantClaims struct {
	Audience, TenantID, AppID string
	Roles                     []string
}

func claimsOf(c *entra.Claims) wantClaims {
	return wantClaims{Audience: c.Audience, TenantID: c.TenantID, AppID: c.AppID, Roles: c.Roles}
}

func TestCredentialsObtainVerifiableTokens(t *testing.T) {
	e := start(t)
	certCred, err := azidentity.NewClientCertificateCredential(tenant, clientID, []*x509.Certificate{e.cert}, e.key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: e.clientOptions(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cred  azcore.TokenCredential
		scope string
		want  wantClaims
	}{
		{"secret for graph", e.secretCred(t, tenant, clientID, secret), graphScope,
			wantClaims{entra.GraphResource, tenant, clientID, []string{"Mail.ReadWrite", "Mail.Send"}}},
		{"certificate for graph", certCred, graphScope,
			wantClaims{entra.GraphResource, tenant, clientID, []string{"Mail.ReadWrite", "Mail.Send"}}},
		{"secret for key vault has no graph roles", e.secretCred(t, tenant, clientID, secret), entra.VaultResource + "/.default",
			wantClaims{entra.VaultResource, tenant, clientID, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := getToken(t, tt.cred, tt.scope)
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c, err := e.srv.Verify(tok, strings.TrimSuffix(tt.scope, "/.default"))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(tt.want, claimsOf(c)); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCredentialCachesToken(t *testing.T) {
	e := start(t)
	cred := e.secretCred(t, tenant, clientID, secret)
	for range 3 {
		if _, err := getToken(t, cred, graphScope); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.srv.TokensIssued(); got != 1 {
		t.Errorf("tokens issued = %d, want 1 (azidentity caches)", got)
	}
}

func TestTokenRequestsRefused(t *testing.T) {
	e := start(t)
	strangerCert, strangerKey := selfSigned(t)
	stranger, err := azidentity.NewClientCertificateCredential(tenant, clientID, []*x509.Certificate{strangerCert}, strangerKey,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: e.clientOptions(), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cred  azcore.TokenCredential
		scope string
		want  string // the AADSTS code and OAuth error Entra answers with
	}{
		{"wrong secret", e.secretCred(t, tenant, clientID, "wrong"), graphScope, "AADSTS7000215"},
		{"unknown client", e.secretCred(t, tenant, "99999999-0000-0000-0000-000000000000", secret), graphScope, "AADSTS700016"},
		{"unknown tenant", e.secretCred(t, "00000000-0000-0000-0000-000000000000", clientID, secret), graphScope, "AADSTS90002"},
		{"unregistered certificate", stranger, graphScope, "AADSTS700027"},
		{"delegated scope", e.secretCred(t, tenant, clientID, secret), entra.GraphResource + "/Mail.Read", "AADSTS1002012"},
		{"unknown resource", e.secretCred(t, tenant, clientID, secret), "https://example.invalid/.default", "AADSTS500011"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := getToken(t, tt.cred, tt.scope)
			var afe *azidentity.AuthenticationFailedError
			if !errors.As(err, &afe) {
				t.Fatalf("GetToken error = %v, want an AuthenticationFailedError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name %s:\n%v", tt.want, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the client secret")
			}
		})
	}
}

// assertion signs a client assertion like MSAL does (PS256 is MSAL's; RS256 with x5t is what
// older clients send), with the audience and lifetime a test chooses.
func (e *env) assertion(t *testing.T, aud string, exp time.Time) string {
	t.Helper()
	sum := sha256.Sum256(e.cert.Raw)
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])})
	c, _ := json.Marshal(map[string]any{"aud": aud, "iss": clientID, "sub": clientID, "jti": "x",
		"nbf": e.clock.Now().Add(-time.Minute).Unix(), "exp": exp.Unix()})
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, e.key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestClientAssertionChecks(t *testing.T) {
	e := start(t)
	endpoint := e.url + "/" + tenant + "/oauth2/v2.0/token"
	later := e.clock.Now().Add(10 * time.Minute)
	tests := []struct {
		name      string
		assertion func() string
		want      string // "" for success
	}{
		{"valid", func() string { return e.assertion(t, endpoint, later) }, ""},
		{"wrong audience", func() string { return e.assertion(t, e.url+"/common/oauth2/v2.0/token", later) }, "AADSTS700023"},
		{"expired", func() string { return e.assertion(t, endpoint, e.clock.Now().Add(-time.Hour)) }, "AADSTS700024"},
		{"tampered", func() string { return e.assertion(t, endpoint, later) + "A" }, "AADSTS700027"},
		{"not a jwt", func() string { return "garbage" }, "AADSTS50027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := azidentity.NewClientAssertionCredential(tenant, clientID,
				func(context.Context) (string, error) { return tt.assertion(), nil },
				&azidentity.ClientAssertionCredentialOptions{ClientOptions: e.clientOptions(), DisableInstanceDiscovery: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = getToken(t, cred, graphScope)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("GetToken: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("GetToken error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	e := start(t)
	tok, err := getToken(t, e.secretCred(t, tenant, clientID, secret), graphScope)
	if err != nil {
		t.Fatal(err)
	}
	other := start(t) // a different emulator: a different signing key
	foreign, err := getToken(t, other.secretCred(t, tenant, clientID, secret), graphScope)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")
	tests := []struct {
		name, token, audience string
		advance               time.Duration
	}{
		{"wrong audience", tok, entra.VaultResource, 0},
		{"another issuer's key", foreign, entra.GraphResource, 0},
		{"tampered payload", parts[0] + "." + parts[1] + "x." + parts[2], entra.GraphResource, 0},
		{"not a jwt", "opaque", entra.GraphResource, 0},
		{"expired", tok, entra.GraphResource, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Add(tt.advance)
			defer e.clock.Add(-tt.advance)
			_, err := e.srv.Verify(tt.token, tt.audience)
			if !errors.Is(err, errs.ErrUnauthorized) {
				t.Fatalf("Verify error = %v, want ErrUnauthorized", err)
			}
			if strings.Contains(err.Error(), tt.token) {
				t.Errorf("error quotes the token")
			}
		})
	}
}
