// Package graphtest starts the Entra emulator (over TLS) and the Graph emulator for
// tests, with one app registration, and builds real graph.Clients that obtain their
// tokens from Entra and have them verified by the Graph emulator.
package graphtest

import (
	"crypto/x509"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mail2jira/mail2jira/internal/emulator/entra"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
	"github.com/mail2jira/mail2jira/internal/graph"
)

// The registered app's identity. The secret is fake and only valid against the emulator.
const (
	TenantID     = "0d3b2c1a-0000-4000-8000-00000000c0de"
	ClientID     = "7e6f5a4b-0000-4000-8000-0000000a11ce"
	ClientSecret = "graphtest-client-secret~not-real"
	// CertificatePassword protects testdata/app-cert.pfx.
	CertificatePassword = "fixture-only"
)

// Env is a running Entra emulator and Graph emulator that accepts only Entra's tokens.
type Env struct {
	CA       *tlsca.CA
	Entra    *entra.Server
	EntraURL string
	Graph    *graphemu.Emulator
	GraphURL string // without /v1.0
	// CertPEM and CertPFX are the app's registered certificate with its key.
	CertPEM, CertPFX []byte
}

// Options tune the Graph emulator; the zero value is fine.
type Options struct {
	Graph graphemu.Options
	Roles []string // Graph roles granted to the app; default Mail.ReadWrite and Mail.Send
}

// Start serves both emulators on loopback until the test ends.
func Start(tb testing.TB, o Options) *Env {
	tb.Helper()
	ca, err := tlsca.New()
	if err != nil {
		tb.Fatal(err)
	}
	ent, err := entra.New(entra.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	e := &Env{CA: ca, Entra: ent, CertPEM: fixture(tb, "app-cert.pem"), CertPFX: fixture(tb, "app-cert.pfx")}
	roles := o.Roles
	if roles == nil {
		roles = []string{"Mail.ReadWrite", "Mail.Send"}
	}
	if err := ent.AddApp(entra.App{TenantID: TenantID, ClientID: ClientID, Secret: ClientSecret,
		Certificates: []*x509.Certificate{certificate(tb, e.CertPEM)},
		Roles:        map[string][]string{entra.GraphResource: roles}}); err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(ent)
	if ts.TLS, err = ca.ServerConfig(); err != nil {
		tb.Fatal(err)
	}
	ts.StartTLS()
	tb.Cleanup(ts.Close)
	e.EntraURL = ts.URL

	gopts := o.Graph
	if gopts.Logger == nil {
		gopts.Logger = slog.New(slog.DiscardHandler)
	}
	gopts.Verify = func(bearer string) ([]string, error) {
		c, err := ent.Verify(bearer, entra.GraphResource)
		if err != nil {
			return nil, err
		}
		return c.Roles, nil
	}
	e.Graph = graphemu.New(gopts)
	gs := httptest.NewServer(e.Graph)
	tb.Cleanup(func() {
		gs.Close()
		e.Graph.Close()
	})
	e.GraphURL = gs.URL
	return e
}

// Options returns client options with the secret credential, pointed at the emulators,
// with a private limiter so tests do not share budgets.
func (e *Env) Options() graph.Options {
	return graph.Options{
		TenantID:          TenantID,
		ClientID:          ClientID,
		ClientSecret:      ClientSecret,
		AuthorityHost:     e.EntraURL + "/",
		BaseURL:           e.GraphURL + "/v1.0",
		IdentityTransport: e.CA.Client(),
		Limiter:           graph.NewLimiter(graph.GraphLimits()),
		Retry:             graph.RetryOptions{DelaySeconds: 1},
		Logger:            slog.New(slog.DiscardHandler),
	}
}

// Client builds a client from o (see Options).
func (e *Env) Client(tb testing.TB, o graph.Options) *graph.Client {
	tb.Helper()
	c, err := graph.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Transport wraps a round tripper so a test can see every request the client sends.
type Transport struct {
	Next http.RoundTripper
	Seen func(*http.Request)
}

// RoundTrip reports the request, then sends it.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.Seen(r)
	return t.Next.RoundTrip(r)
}

func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func certificate(tb testing.TB, pemData []byte) *x509.Certificate {
	tb.Helper()
	for {
		var blk *pem.Block
		blk, pemData = pem.Decode(pemData)
		if blk == nil {
			tb.Fatal("no certificate in the fixture")
		}
		if blk.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				tb.Fatal(err)
			}
			return c
		}
	}
}
