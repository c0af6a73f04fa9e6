package entra

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// oauthError is a token endpoint refusal in the shape Entra returns: the RFC 6749 "error" code,
// an AADSTS-prefixed description and the numeric codes. Shape and codes follow
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
type oauthError struct {
	status int
	code   string // OAuth 2.0 error: invalid_client, invalid_request, ...
	aadsts int
	text   string
}

// The refusals the emulator gives, with the AADSTS numbers the reference page lists for them.
func errTenantNotFound(tenant string) oauthError {
	return oauthError{http.StatusBadRequest, "invalid_request", 90002,
		fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)}
}

func errMissingParam(name string) oauthError {
	return oauthError{http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", name)}
}

func errUnsupportedGrant(grant string) oauthError {
	return oauthError{http.StatusBadRequest, "unsupported_grant_type", 70003,
		fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
}

func errAppNotFound(clientID, tenant string) oauthError {
	return oauthError{http.StatusBadRequest, "unauthorized_client", 700016,
		fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'.", clientID, tenant)}
}

func errNoCredential() oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 7000218,
		"The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

func errBadSecret(clientID string) oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 7000215,
		fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)}
}

func errBadAssertion(reason string) oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 50027, "JWT token is invalid or malformed: " + reason + "."}
}

func errAssertionKey(reason string) oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 700027,
		fmt.Sprintf("Client assertion contains an invalid signature. [Reason - %s]", reason)}
}

func errAssertionAudience() oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 700023,
		"Client assertion audience claim does not match Realm issuer."}
}

func errAssertionTime() oauthError {
	return oauthError{http.StatusUnauthorized, "invalid_client", 700024,
		"Client assertion is not within its valid time range."}
}

func errScopeNotDefault(scope string) oauthError {
	return oauthError{http.StatusBadRequest, "invalid_scope", 1002012,
		fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)}
}

func errScopeResources(scope string) oauthError {
	return oauthError{http.StatusBadRequest, "invalid_scope", 70011,
		fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope)}
}

func errResourceNotFound(resource, tenant string) oauthError {
	return oauthError{http.StatusBadRequest, "invalid_resource", 500011,
		fmt.Sprintf("The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.", resource, tenant)}
}

// write sends the error as JSON with the trace fields Entra adds.
func (e oauthError) write(w http.ResponseWriter, now time.Time) {
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	trace, corr := newGUID(), newGUID()
	body := map[string]any{
		"error": e.code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			e.aadsts, e.text, trace, corr, ts),
		"error_codes":    []int{e.aadsts},
		"timestamp":      ts,
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", e.aadsts),
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing useful to do
}

// newGUID returns a random RFC 4122 version 4 identifier.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
