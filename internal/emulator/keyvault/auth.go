package keyvault

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// kvError is Key Vault's error body: {"error":{"code","message","innererror"?}}, as shown in
// https://learn.microsoft.com/en-us/azure/key-vault/general/rest-error-codes
type kvError struct {
	Code       string    `json:"code"`
	Message    string    `json:"message"`
	InnerError *kvInnerr `json:"innererror,omitempty"`
}

type kvInnerr struct {
	Code string `json:"code"`
}

func writeError(w http.ResponseWriter, status int, e kvError) {
	writeJSON(w, status, map[string]kvError{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing useful to do
}

// checkAPIVersion refuses requests without a supported api-version, which every Key Vault
// request must carry (https://learn.microsoft.com/en-us/azure/key-vault/general/common-parameters-and-headers).
func (v *Vault) checkAPIVersion(w http.ResponseWriter, r *http.Request) bool {
	got := r.URL.Query().Get("api-version")
	if got == "" {
		writeError(w, http.StatusBadRequest, kvError{Code: "BadParameter", Message: "The 'api-version' query parameter is required."})
		return false
	}
	if !slices.Contains(v.opts.APIVersions, got) {
		latest := v.opts.APIVersions[len(v.opts.APIVersions)-1]
		writeError(w, http.StatusBadRequest, kvError{Code: "BadParameter",
			Message: fmt.Sprintf("The specified version (%s) is not recognized. Consider using the latest supported version (%s).", got, latest)})
		return false
	}
	return true
}

// authorize runs the bearer challenge: a request without a valid token gets 401 with a
// WWW-Authenticate header naming the authority (with tenant) and resource, from which azsecrets
// learns what token to get. See "Authentication" in
// https://learn.microsoft.com/en-us/azure/key-vault/general/authentication-requests-and-responses
// A vault in refuse mode answers authenticated callers 403 ForbiddenByRbac.
func (v *Vault) authorize(w http.ResponseWriter, r *http.Request) bool {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(bearer) == "" {
		v.challenge(w, "AKV10000: Request is missing a Bearer or PoP token.")
		return false
	}
	if err := v.opts.Verify(strings.TrimSpace(bearer)); err != nil {
		v.challenge(w, "Bearer token rejected: "+err.Error())
		return false
	}
	v.mu.Lock()
	refuse := v.refuse
	if refuse {
		v.stats.Refused++
	}
	v.mu.Unlock()
	if refuse {
		writeError(w, http.StatusForbidden, kvError{Code: "Forbidden",
			Message:    "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.",
			InnerError: &kvInnerr{Code: "ForbiddenByRbac"}})
		return false
	}
	return true
}

func (v *Vault) challenge(w http.ResponseWriter, message string) {
	v.mu.Lock()
	v.stats.Challenges++
	v.mu.Unlock()
	authority := strings.TrimSuffix(v.opts.AuthorityHost, "/") + "/" + v.opts.TenantID
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="%s", resource="%s"`, authority, v.opts.Resource))
	writeError(w, http.StatusUnauthorized, kvError{Code: "Unauthorized", Message: message})
}
