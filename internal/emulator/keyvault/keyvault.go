// Package keyvault emulates the Azure Key Vault secrets data plane that azsecrets uses (get and
// set secret) over TLS, including the bearer challenge through which the SDK discovers the
// tenant and resource to ask Entra ID for a token.
//
// Tokens are checked by an injected function, normally the Entra emulator's Verify for the
// https://vault.azure.net audience, so the vault accepts only tokens that emulator issued.
package keyvault

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultResource is the resource Key Vault names in its challenge and expects as token audience.
const DefaultResource = "https://vault.azure.net"

// DefaultAPIVersions are the data-plane versions accepted unless Options say otherwise; the
// last one is the one named as latest in a refusal. azsecrets v1.5 sends 2026-04-01.
var DefaultAPIVersions = []string{"7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"}

// Options configures a Vault.
type Options struct {
	// AuthorityHost is the Entra authority (e.g. the Entra emulator's URL) named in the challenge.
	AuthorityHost string
	// TenantID is the vault's tenant, named in the challenge.
	TenantID string
	// Resource is the challenge's resource and the audience tokens must have; default DefaultResource.
	Resource string
	// Verify accepts or rejects a bearer token (without the "Bearer " prefix). Required.
	Verify func(bearer string) error
	// APIVersions are the accepted api-version values; default DefaultAPIVersions.
	APIVersions []string
	// Now is the clock for created/updated timestamps; default time.Now.
	Now func() time.Time
}

// Stats counts requests by outcome, so tests can see caching and the challenge flow.
type Stats struct {
	Challenges int // unauthenticated or rejected requests answered 401
	Refused    int // authenticated requests answered 403 because the vault refuses the caller
	Reads      int // authorized GETs of a secret (found or not)
	Writes     int // authorized PUTs of a secret
}

// Vault is one emulated key vault; it is an http.Handler.
type Vault struct {
	opts Options
	mux  *http.ServeMux

	mu      sync.Mutex
	secrets map[string]*secret // by lower-case name: Key Vault names are case-insensitive
	refuse  bool
	stats   Stats
}

type secret struct {
	name     string // as first created
	versions []*version
}

type version struct {
	id          string
	value       string
	contentType string
	tags        map[string]string
	enabled     bool
	created     time.Time
	updated     time.Time
}

// New returns an empty vault.
func New(opts Options) (*Vault, error) {
	if opts.Verify == nil {
		return nil, errors.New("keyvault: Options.Verify is required")
	}
	if opts.AuthorityHost == "" || opts.TenantID == "" {
		return nil, errors.New("keyvault: Options.AuthorityHost and TenantID are required for the challenge")
	}
	if opts.Resource == "" {
		opts.Resource = DefaultResource
	}
	if len(opts.APIVersions) == 0 {
		opts.APIVersions = DefaultAPIVersions
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	v := &Vault{opts: opts, secrets: map[string]*secret{}}
	v.mux = http.NewServeMux()
	v.mux.HandleFunc("GET /secrets/{name}", v.handleGet)
	v.mux.HandleFunc("GET /secrets/{name}/{version...}", v.handleGet)
	v.mux.HandleFunc("PUT /secrets/{name}", v.handleSet)
	return v, nil
}

// ServeHTTP checks api-version and the bearer token, then serves the secret operations.
func (v *Vault) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !v.checkAPIVersion(w, r) || !v.authorize(w, r) {
		return
	}
	v.mux.ServeHTTP(w, r)
}

// Set stores a new version of a secret directly (for seeding) and returns the version id.
func (v *Vault) Set(name, value string) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.put(name, version{value: value, enabled: true}).id
}

// SetRefuse makes the vault answer 403 to every authenticated request while on, as a vault
// whose access policy or RBAC lacks the caller does.
func (v *Vault) SetRefuse(on bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.refuse = on
}

// Stats returns the request counters so far.
func (v *Vault) Stats() Stats {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.stats
}

// put appends a version; the caller holds v.mu.
func (v *Vault) put(name string, ver version) *version {
	s, ok := v.secrets[strings.ToLower(name)]
	if !ok {
		s = &secret{name: name}
		v.secrets[strings.ToLower(name)] = s
	}
	now := v.opts.Now().UTC().Truncate(time.Second)
	ver.id, ver.created, ver.updated = newVersionID(), now, now
	s.versions = append(s.versions, &ver)
	return &ver
}

// newVersionID returns 32 hex digits, the shape of Key Vault object versions.
func newVersionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
