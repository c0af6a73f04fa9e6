package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// accessClaims are the claims of an app-only v1.0 access token, which is what Entra issues for
// Microsoft Graph and Key Vault; see
// https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
type accessClaims struct {
	Aud      string   `json:"aud"`
	Iss      string   `json:"iss"`
	Iat      int64    `json:"iat"`
	Nbf      int64    `json:"nbf"`
	Exp      int64    `json:"exp"`
	AppID    string   `json:"appid"`
	AppIDAcr string   `json:"appidacr"` // "1" client secret, "2" certificate
	IDP      string   `json:"idp"`
	IDTyp    string   `json:"idtyp"`
	OID      string   `json:"oid"`
	Roles    []string `json:"roles,omitempty"`
	Sub      string   `json:"sub"`
	TID      string   `json:"tid"`
	UTI      string   `json:"uti"`
	Ver      string   `json:"ver"`
}

// handleToken implements the client-credentials grant of
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// with a shared secret or a certificate assertion.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	tenant := r.PathValue("tenant")
	if !s.tenantKnown(tenant) {
		errTenantNotFound(tenant).write(w, now)
		return
	}
	if err := r.ParseForm(); err != nil {
		errMissingParam("grant_type").write(w, now)
		return
	}
	app, acr, oerr := s.authenticate(r, tenant, now)
	if oerr != nil {
		oerr.write(w, now)
		return
	}
	resource, oerr := s.resource(r.PostForm.Get("scope"), tenant)
	if oerr != nil {
		oerr.write(w, now)
		return
	}
	token, err := s.issue(r, app, resource, acr, now)
	if err != nil {
		http.Error(w, "token signing failed", http.StatusInternalServerError)
		return
	}
	secs := int(s.opts.TokenLifetime / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": token,
	})
}

// authenticate checks the grant and the client's credential, returning the app and the
// appidacr value for the credential type.
func (s *Server) authenticate(r *http.Request, tenant string, now time.Time) (App, string, *oauthError) {
	f := r.PostForm
	for _, p := range []string{"grant_type", "client_id", "scope"} {
		if f.Get(p) == "" {
			e := errMissingParam(p)
			return App{}, "", &e
		}
	}
	if g := f.Get("grant_type"); g != "client_credentials" {
		e := errUnsupportedGrant(g)
		return App{}, "", &e
	}
	clientID := f.Get("client_id")
	app, ok := s.app(tenant, clientID)
	if !ok {
		e := errAppNotFound(clientID, tenant)
		return App{}, "", &e
	}
	switch {
	case f.Has("client_secret"):
		if app.Secret == "" || subtle.ConstantTimeCompare([]byte(app.Secret), []byte(f.Get("client_secret"))) != 1 {
			e := errBadSecret(clientID)
			return App{}, "", &e
		}
		return app, "1", nil
	case f.Has("client_assertion"):
		if e := s.checkAssertion(r, app, tenant, now); e != nil {
			return App{}, "", e
		}
		return app, "2", nil
	default:
		e := errNoCredential()
		return App{}, "", &e
	}
}

// resource extracts the one resource of a client-credentials scope ("<resource>/.default"),
// ignoring the OpenID scopes MSAL appends.
func (s *Server) resource(scope, tenant string) (string, *oauthError) {
	var res []string
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case "openid", "profile", "offline_access":
			continue
		}
		r, ok := strings.CutSuffix(sc, "/.default")
		if !ok {
			e := errScopeNotDefault(scope)
			return "", &e
		}
		res = append(res, r)
	}
	if len(res) != 1 {
		e := errScopeResources(scope)
		return "", &e
	}
	if !s.resourceKnown(res[0]) {
		e := errResourceNotFound(res[0], tenant)
		return "", &e
	}
	return res[0], nil
}

// issue signs an access token for app and resource carrying the roles granted on it.
func (s *Server) issue(r *http.Request, app App, resource, acr string, now time.Time) (string, error) {
	var roles []string
	for res, rs := range app.Roles {
		if strings.EqualFold(strings.TrimSuffix(res, "/"), resource) {
			roles = append(roles, rs...)
		}
	}
	slices.Sort(roles)
	oid := objectID(app)
	c := accessClaims{
		Aud: resource, Iss: issuer(r, app.TenantID),
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(s.opts.TokenLifetime).Unix(),
		AppID: app.ClientID, AppIDAcr: acr, IDP: issuer(r, app.TenantID), IDTyp: "app",
		OID: oid, Sub: oid, Roles: slices.Compact(roles), TID: app.TenantID, UTI: newGUID(), Ver: "1.0",
	}
	tok, err := signRS256(s.key, jwtHeader{Typ: "JWT", Kid: s.kid}, c)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.issued++
	s.mu.Unlock()
	return tok, nil
}

// issuer is the v1.0 token issuer, https://sts.windows.net/{tid}/ in the real service, here on
// the emulator's own host.
func issuer(r *http.Request, tenant string) string {
	return baseURL(r) + "/" + tenant + "/"
}

// objectID derives a stable service principal object id from the app.
func objectID(app App) string {
	sum := sha256.Sum256([]byte(strings.ToLower(app.TenantID + "/" + app.ClientID)))
	h := hex.EncodeToString(sum[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
