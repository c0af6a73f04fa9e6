package entra

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha1" // #nosec G505 -- x5t is defined as a SHA-1 thumbprint (RFC 7515 4.1.7)
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionSkew tolerates clock differences between client and emulator, as Entra does.
const assertionSkew = 5 * time.Minute

// assertionClaims are the claims a certificate credential carries; see
// https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials#assertion-format
type assertionClaims struct {
	Aud string       `json:"aud"`
	Iss string       `json:"iss"`
	Sub string       `json:"sub"`
	Exp *json.Number `json:"exp"`
	Nbf *json.Number `json:"nbf"`
}

// checkAssertion verifies a client assertion: its type, the registered certificate named by
// its thumbprint, its signature, audience (this token endpoint), issuer/subject (the client id)
// and validity window.
func (s *Server) checkAssertion(r *http.Request, app App, tenant string, now time.Time) *oauthError {
	fail := func(e oauthError) *oauthError { return &e }
	if r.PostForm.Get("client_assertion_type") != assertionType {
		return fail(errBadAssertion("client_assertion_type must be " + assertionType))
	}
	tok, err := parseJWT(r.PostForm.Get("client_assertion"))
	if err != nil {
		return fail(errBadAssertion(err.Error()))
	}
	cert := findCert(app.Certificates, tok.header)
	if cert == nil {
		return fail(errAssertionKey("The key was not found."))
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || tok.verify(pub) != nil {
		return fail(errAssertionKey("The signature is invalid."))
	}
	var c assertionClaims
	if err := json.Unmarshal(tok.payload, &c); err != nil {
		return fail(errBadAssertion("claims are not JSON"))
	}
	if c.Iss != app.ClientID || c.Sub != app.ClientID {
		return fail(errBadAssertion("iss and sub must be the client id"))
	}
	if c.Aud != baseURL(r)+"/"+tenant+"/oauth2/v2.0/token" {
		return fail(errAssertionAudience())
	}
	if !withinWindow(c, now) {
		return fail(errAssertionTime())
	}
	return nil
}

func withinWindow(c assertionClaims, now time.Time) bool {
	if c.Exp == nil {
		return false
	}
	exp, err := c.Exp.Int64()
	if err != nil || now.Add(-assertionSkew).Unix() > exp {
		return false
	}
	if c.Nbf != nil {
		nbf, err := c.Nbf.Int64()
		if err != nil || now.Add(assertionSkew).Unix() < nbf {
			return false
		}
	}
	return true
}

// findCert returns the registered certificate whose thumbprint the header names. MSAL writes
// thumbprints in standard base64 while RFC 7515 says base64url, so both are accepted.
func findCert(certs []*x509.Certificate, h jwtHeader) *x509.Certificate {
	for _, c := range certs {
		s256 := sha256.Sum256(c.Raw)
		s1 := sha1.Sum(c.Raw) // #nosec G401 -- thumbprint, not a security boundary
		if (h.X5tS256 != "" && bytes.Equal(decodeThumb(h.X5tS256), s256[:])) ||
			(h.X5t != "" && bytes.Equal(decodeThumb(h.X5t), s1[:])) {
			return c
		}
	}
	return nil
}

func decodeThumb(s string) []byte {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b
	}
	b, _ := base64.RawURLEncoding.DecodeString(s)
	return b
}
