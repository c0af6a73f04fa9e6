package graph_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/graph/graphtest"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// TestCredentials obtains real tokens from the Entra emulator with each way of giving the
// app's credential, and has the Graph emulator verify them on a real call.
func TestCredentials(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	pem, pfx := e.CertPEM, e.CertPFX
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name     string
		set      func(*graph.Options)
		wantCert bool
		wantErr  error
	}{
		{"client secret", func(o *graph.Options) {}, false, nil},
		{"PEM raw", func(o *graph.Options) { o.ClientSecret, o.Certificate = "", pem }, true, nil},
		{"PEM base64", func(o *graph.Options) { o.ClientSecret, o.Certificate = "", []byte(b64(pem)) }, true, nil},
		{"PFX raw with password", func(o *graph.Options) {
			o.ClientSecret, o.Certificate, o.CertificatePassword = "", pfx, graphtest.CertificatePassword
		}, true, nil},
		{"PFX base64 with password", func(o *graph.Options) {
			o.ClientSecret, o.Certificate, o.CertificatePassword = "", []byte(b64(pfx)), graphtest.CertificatePassword
		}, true, nil},
		{"PFX base64 without password (Key Vault's form)", func(o *graph.Options) {
			o.ClientSecret, o.Certificate = "", []byte(b64(readFixture(t, "app-cert-nopass.pfx")))
		}, true, nil},
		{"certificate wins over secret", func(o *graph.Options) { o.ClientSecret, o.Certificate = "wrong", pem }, true, nil},
		{"wrong secret", func(o *graph.Options) { o.ClientSecret = "not-the-secret" }, false, errs.ErrUnauthorized},
		{"unknown client", func(o *graph.Options) { o.ClientID = "00000000-0000-4000-8000-000000000000" }, false, errs.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := e.Options()
			tt.set(&o)
			c := e.Client(t, o)
			err := c.ReadInbox(ctxT(t), support)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadInbox error = %v, want %v", err, tt.wantErr)
			}
			if _, ok := c.CertificateExpiry(); ok != tt.wantCert {
				t.Errorf("CertificateExpiry ok = %v, want %v", ok, tt.wantCert)
			}
		})
	}
}

func TestBadCertificate(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	tests := map[string]struct {
		data     []byte
		password string
	}{
		"garbage":                 {[]byte("not a certificate"), ""},
		"PFX with wrong password": {e.CertPFX, "wrong"},
		"certificate only":        {e.CertPEM[:bytes.Index(e.CertPEM, []byte("-----BEGIN PRIVATE KEY"))], ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			o := e.Options()
			o.Certificate, o.CertificatePassword = tt.data, tt.password
			_, err := graph.New(o)
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("New = %v, want ErrInvalid", err)
			}
			if tt.password != "" && strings.Contains(err.Error(), tt.password) {
				t.Error("error quotes the password")
			}
		})
	}
}

func TestRoles(t *testing.T) {
	e := graphtest.Start(t, graphtest.Options{Roles: []string{"Mail.Read"}})
	e.Graph.AddMailbox(support, "Support")
	c := e.Client(t, e.Options())
	roles, err := c.AppRoles(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Mail.Read"}, roles); diff != "" {
		t.Errorf("roles (-want +got)\n%s", diff)
	}
	// The emulator refuses a send without Mail.Send, as Graph does.
	err = c.SendMail(ctxT(t), support, graph.NewMail{Subject: "x", HTML: "<p>x</p>", To: toAlice()})
	if !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("SendMail without Mail.Send = %v, want ErrForbidden", err)
	}
}

func TestAccessPolicyForbidsMailbox(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	e.Graph.SetAccessPolicy([]string{alice})
	if err := e.c.ReadInbox(ctxT(t), support); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("ReadInbox of excluded mailbox = %v, want ErrForbidden", err)
	}
	if err := e.c.ReadInbox(ctxT(t), alice); err != nil {
		t.Errorf("ReadInbox of allowed mailbox = %v", err)
	}
	if err := e.c.SendTest(ctxT(t), support, alice); !errors.Is(err, errs.ErrForbidden) {
		t.Errorf("SendTest from excluded mailbox = %v, want ErrForbidden", err)
	}
	if err := e.c.SendTest(ctxT(t), alice, support); err != nil {
		t.Fatalf("SendTest = %v", err)
	}
	got, _ := e.Graph.Messages(support, "inbox")
	if len(got) != 1 || !hasHeader(got[0].Headers, "X-Mail2Jira-Ticket") {
		t.Errorf("test mail = %+v, want one carrying the service's header", got)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	tests := map[string]graph.Options{
		"no credential":   {TenantID: "t", ClientID: "c"},
		"no tenant":       {ClientID: "c", ClientSecret: "s"},
		"relative base":   {TenantID: "t", ClientID: "c", ClientSecret: "s", BaseURL: "graph/v1.0"},
		"bad certificate": {TenantID: "t", ClientID: "c", Certificate: []byte("x")},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := graph.New(o); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("New = %v, want ErrInvalid", err)
			}
		})
	}
}

func toAlice() []mail.Address { return []mail.Address{{Name: "Alice", Address: alice}} }

func hasHeader(hs []eml.Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
