// Package entra emulates the parts of the Microsoft Entra ID (Azure AD) v2.0 endpoints that
// azidentity's ClientSecretCredential and ClientCertificateCredential use: the tenant's OpenID
// metadata, its signing keys, and the OAuth 2.0 client-credentials token endpoint. It signs its
// own access tokens, and Verify lets the Graph and Key Vault emulators accept only those.
//
// Serve it over TLS (see internal/emulator/tlsca); MSAL refuses plain-HTTP authorities.
package entra

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Resource identifiers (application ID URIs) that clients request as "<resource>/.default".
const (
	GraphResource = "https://graph.microsoft.com"
	VaultResource = "https://vault.azure.net"
)

// App is an app registration with its service principal in one tenant.
type App struct {
	TenantID string
	ClientID string
	// Secret is the client secret's value; empty means the app has none.
	Secret string
	// Certificates are the public certificates uploaded to the registration (keyCredentials).
	Certificates []*x509.Certificate
	// Roles are the application permissions granted with admin consent, keyed by resource,
	// e.g. {GraphResource: {"Mail.ReadWrite", "Mail.Send"}}.
	Roles map[string][]string
}

// Options configures a Server.
type Options struct {
	// Resources lists the resources tokens can be requested for; default Graph and Key Vault.
	Resources []string
	// TokenLifetime is how long issued access tokens live; default one hour.
	TokenLifetime time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Server is the emulated Entra ID endpoint; it is an http.Handler.
type Server struct {
	opts Options
	key  *rsa.PrivateKey
	kid  string
	mux  *http.ServeMux

	mu     sync.Mutex
	apps   map[appKey]App
	issued int
}

type appKey struct{ tenant, client string }

// New creates a Server with a fresh signing key and no apps.
func New(opts Options) (*Server, error) {
	if len(opts.Resources) == 0 {
		opts.Resources = []string{GraphResource, VaultResource}
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("entra signing key: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("entra signing key: %w", err)
	}
	sum := sha256.Sum256(der)
	s := &Server{opts: opts, key: key, kid: hex.EncodeToString(sum[:8]), apps: map[appKey]App{}}
	s.routes()
	return s, nil
}

// AddApp registers app, replacing any registration with the same tenant and client id (which
// is how a test rotates a client secret).
func (s *Server) AddApp(app App) error {
	if app.TenantID == "" || app.ClientID == "" {
		return errors.New("entra: app needs a tenant id and a client id")
	}
	if app.Secret == "" && len(app.Certificates) == 0 {
		return errors.New("entra: app needs a secret or a certificate")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[appKey{strings.ToLower(app.TenantID), strings.ToLower(app.ClientID)}] = app
	return nil
}

// TokensIssued counts the access tokens issued so far, so tests can see credential caching.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// ServeHTTP serves the metadata, keys and token endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleMetadata)
	s.mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleKeys)
	s.mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
}

func (s *Server) app(tenant, client string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[appKey{strings.ToLower(tenant), strings.ToLower(client)}]
	return a, ok
}

func (s *Server) tenantKnown(tenant string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.apps {
		if k.tenant == strings.ToLower(tenant) {
			return true
		}
	}
	return false
}

func (s *Server) resourceKnown(resource string) bool {
	for _, r := range s.opts.Resources {
		if strings.EqualFold(strings.TrimSuffix(r, "/"), resource) {
			return true
		}
	}
	return false
}

// baseURL is the authority host as the caller reached it, so the metadata's endpoints and the
// issuer match the authority MSAL was configured with.
func baseURL(r *http.Request) string {
	if r.TLS == nil {
		return "http://" + r.Host
	}
	return "https://" + r.Host
}
