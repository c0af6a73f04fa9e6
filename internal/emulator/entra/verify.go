package entra

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Claims are the facts a resource emulator needs from a verified access token.
type Claims struct {
	Audience  string
	Issuer    string
	TenantID  string
	AppID     string
	ObjectID  string
	Roles     []string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// HasRole reports whether the token carries the application permission role.
func (c *Claims) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// verifySkew tolerates small clock differences on nbf and exp, like Microsoft's token
// validation libraries do by default.
const verifySkew = 5 * time.Minute

// Verify checks that token is an access token this emulator issued for audience and that it is
// within its lifetime, the validation a resource API performs per
// https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-tokens
// Errors wrap errs.ErrUnauthorized and never quote the token.
func (s *Server) Verify(token, audience string) (*Claims, error) {
	fail := func(why string) (*Claims, error) {
		return nil, fmt.Errorf("access token %s: %w", why, errs.ErrUnauthorized)
	}
	tok, err := parseJWT(strings.TrimSpace(token))
	if err != nil {
		return fail("malformed")
	}
	if tok.header.Alg != "RS256" || tok.header.Kid != s.kid {
		return fail("not signed by this issuer")
	}
	if tok.verify(&s.key.PublicKey) != nil {
		return fail("has an invalid signature")
	}
	var c accessClaims
	if err := json.Unmarshal(tok.payload, &c); err != nil {
		return fail("has unreadable claims")
	}
	if !strings.EqualFold(strings.TrimSuffix(c.Aud, "/"), strings.TrimSuffix(audience, "/")) {
		return fail(fmt.Sprintf("is for audience %q, not %q", c.Aud, audience))
	}
	now := s.opts.Now()
	if now.Add(-verifySkew).Unix() >= c.Exp {
		return fail("has expired")
	}
	if now.Add(verifySkew).Unix() < c.Nbf {
		return fail("is not yet valid")
	}
	if !strings.HasSuffix(c.Iss, "/"+c.TID+"/") {
		return fail("has an issuer that does not match its tenant")
	}
	return &Claims{
		Audience: c.Aud, Issuer: c.Iss, TenantID: c.TID, AppID: c.AppID, ObjectID: c.OID,
		Roles: c.Roles, IssuedAt: time.Unix(c.Iat, 0), ExpiresAt: time.Unix(c.Exp, 0),
	}, nil
}
