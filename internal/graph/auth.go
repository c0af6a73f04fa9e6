package graph

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// knownAuthorities are the Entra hosts MSAL's instance discovery knows: the public cloud
// and the national clouds, with their aliases. Any other authority (Azure Stack, the Entra
// emulator) is private and gets DisableInstanceDiscovery, since discovery would ask
// login.microsoftonline.com about a host it has never heard of.
// https://learn.microsoft.com/en-us/graph/deployments#app-registration-and-token-service-root-endpoints
var knownAuthorities = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoft.com":              true,
	"login.windows.net":                true,
	"sts.windows.net":                  true,
	"login.microsoftonline.us":         true,
	"login.usgovcloudapi.net":          true,
	"login-us.microsoftonline.com":     true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}

// knownGraphHosts are Graph's national cloud endpoints; a token for one of them is
// requested for that host itself.
// https://learn.microsoft.com/en-us/graph/deployments#microsoft-graph-and-graph-explorer-service-root-endpoints
var knownGraphHosts = map[string]bool{
	"graph.microsoft.com":             true,
	"graph.microsoft.us":              true,
	"dod-graph.microsoft.us":          true,
	"microsoftgraph.chinacloudapi.cn": true,
}

// defaultResource is the Graph application id URI that tokens are requested for when the
// base URL points somewhere else (an emulator or a proxy).
const defaultResource = "https://graph.microsoft.com"

// instanceDiscoveryOff reports whether authority is a private Entra host.
func instanceDiscoveryOff(authority string) bool {
	u, err := url.Parse(authority)
	if err != nil {
		return true
	}
	return !knownAuthorities[strings.ToLower(u.Hostname())]
}

// resourceFor returns the resource whose "/.default" scope a token must carry for base.
func resourceFor(base *url.URL) string {
	if knownGraphHosts[strings.ToLower(base.Hostname())] {
		return "https://" + strings.ToLower(base.Hostname())
	}
	return defaultResource
}

// credential builds the app-only credential: an explicit one, else a client certificate,
// else a client secret.
func credential(o *Options) (azcore.TokenCredential, *x509.Certificate, error) {
	if o.Credential != nil {
		return o.Credential, nil, nil
	}
	co := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: o.AuthorityHost}}
	if o.IdentityTransport != nil {
		co.Transport = o.IdentityTransport
	}
	noDiscovery := instanceDiscoveryOff(o.AuthorityHost)
	if len(o.Certificate) > 0 {
		certs, key, err := ParseCertificate(o.Certificate, o.CertificatePassword)
		if err != nil {
			return nil, nil, err
		}
		c, err := azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
		if err != nil {
			return nil, nil, fmt.Errorf("graph client certificate credential: %w", errors.Join(errs.ErrInvalid, err))
		}
		return c, certs[0], nil
	}
	if o.ClientSecret == "" {
		return nil, nil, fmt.Errorf("graph credential: %w: set a client secret, a client certificate or a credential", errs.ErrInvalid)
	}
	c, err := azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, o.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
	if err != nil {
		return nil, nil, fmt.Errorf("graph client secret credential: %w", errors.Join(errs.ErrInvalid, err))
	}
	return c, nil, nil
}

// ParseCertificate reads a client certificate with its private key from a PFX (PKCS#12)
// or PEM file, given raw or base64-encoded (the form Key Vault and app settings hold).
// The error never quotes the data or the password.
func ParseCertificate(data []byte, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	raw := decodeMaybeBase64(data)
	var pw []byte
	if password != "" {
		pw = []byte(password)
	}
	certs, key, err := azidentity.ParseCertificates(raw, pw)
	if err != nil {
		return nil, nil, fmt.Errorf("graph client certificate: %w: not a PFX or PEM with a certificate and an unencrypted (or password-protected PFX) key", errs.ErrInvalid)
	}
	if len(certs) == 0 || key == nil {
		return nil, nil, fmt.Errorf("graph client certificate: %w: it needs both a certificate and its private key", errs.ErrInvalid)
	}
	return certs, key, nil
}

// decodeMaybeBase64 returns data decoded when it is base64 text, else data unchanged.
func decodeMaybeBase64(data []byte) []byte {
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "-----BEGIN") {
		return data
	}
	s = strings.NewReplacer("\n", "", "\r", "", " ", "").Replace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b
		}
	}
	return data
}

// AppRoles returns the application roles (permissions such as Mail.ReadWrite and Mail.Send)
// carried by the access token the client uses, for the `check` command. It reads the
// token's claims without verifying them: the token comes straight from Entra over TLS.
func (c *Client) AppRoles(ctx context.Context) ([]string, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return nil, mapErr("get graph token", err)
	}
	parts := strings.Split(tok.Token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("graph token: %w: not a JWT", errs.ErrInvalid)
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("graph token claims: %w", errs.ErrInvalid)
	}
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err := json.Unmarshal(body, &claims); err != nil {
		return nil, fmt.Errorf("graph token claims: %w", errs.ErrInvalid)
	}
	return claims.Roles, nil
}

// CertificateExpiry returns when the client certificate stops being valid; ok is false
// when the client authenticates another way.
func (c *Client) CertificateExpiry() (notAfter time.Time, ok bool) {
	if c.cert == nil {
		return time.Time{}, false
	}
	return c.cert.NotAfter, true
}
