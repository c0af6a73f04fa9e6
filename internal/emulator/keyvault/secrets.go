package keyvault

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// Secret names are 1-127 letters, digits and dashes, per "Object identifiers" in
// https://learn.microsoft.com/en-us/azure/key-vault/general/about-keys-secrets-certificates
var validName = regexp.MustCompile(`^[0-9A-Za-z-]{1,127}$`)

// maxValueBytes is the secret value size limit from
// https://learn.microsoft.com/en-us/azure/key-vault/secrets/about-secrets
const maxValueBytes = 25 * 1024

// bundle is a SecretBundle as Get Secret and Set Secret return it; timestamps are Unix seconds.
// https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/get-secret/get-secret#secretbundle
type bundle struct {
	Value       string            `json:"value"`
	ID          string            `json:"id"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Attributes  attributes        `json:"attributes"`
}

type attributes struct {
	Enabled         bool   `json:"enabled"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	RecoveryLevel   string `json:"recoveryLevel"`
	RecoverableDays int    `json:"recoverableDays"`
}

// setBody is the Set Secret request body.
// https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/set-secret/set-secret#request-body
type setBody struct {
	Value       *string           `json:"value"`
	ContentType string            `json:"contentType"`
	Tags        map[string]string `json:"tags"`
	Attributes  *struct {
		Enabled *bool `json:"enabled"`
	} `json:"attributes"`
}

// handleGet answers Get Secret: the latest version when the version segment is empty (azsecrets
// sends "/secrets/{name}/"), else that version. A disabled version is refused with 403.
// https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/get-secret/get-secret
func (v *Vault) handleGet(w http.ResponseWriter, r *http.Request) {
	name, ver := r.PathValue("name"), r.PathValue("version")
	if !validName.MatchString(name) || strings.Contains(ver, "/") {
		badName(w, name)
		return
	}
	v.mu.Lock()
	v.stats.Reads++
	found := v.find(name, ver)
	var b bundle
	if found != nil {
		b = v.bundleOf(r, name, found)
	}
	v.mu.Unlock()
	switch {
	case found == nil:
		id := name
		if ver != "" {
			id += "/" + ver
		}
		writeError(w, http.StatusNotFound, kvError{Code: "SecretNotFound", Message: fmt.Sprintf(
			"A secret with (name/id) %s was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.", id)})
	case !found.enabled:
		writeError(w, http.StatusForbidden, kvError{Code: "Forbidden",
			Message: "Operation get is not allowed on a disabled secret.", InnerError: &kvInnerr{Code: "SecretDisabled"}})
	default:
		writeJSON(w, http.StatusOK, b)
	}
}

// handleSet answers Set Secret: every call adds a new version, which becomes the latest.
// https://learn.microsoft.com/en-us/rest/api/keyvault/secrets/set-secret/set-secret
func (v *Vault) handleSet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !validName.MatchString(name) {
		badName(w, name)
		return
	}
	var body setBody
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4*maxValueBytes))
	if err != nil || json.Unmarshal(raw, &body) != nil || body.Value == nil {
		writeError(w, http.StatusBadRequest, kvError{Code: "BadParameter", Message: "The request body must be a JSON object with a string 'value'."})
		return
	}
	if len(*body.Value) > maxValueBytes {
		writeError(w, http.StatusBadRequest, kvError{Code: "BadParameter", Message: "The secret value exceeds the 25k bytes limit."})
		return
	}
	ver := version{value: *body.Value, contentType: body.ContentType, tags: body.Tags, enabled: true}
	if body.Attributes != nil && body.Attributes.Enabled != nil {
		ver.enabled = *body.Attributes.Enabled
	}
	v.mu.Lock()
	v.stats.Writes++
	b := v.bundleOf(r, name, v.put(name, ver))
	v.mu.Unlock()
	writeJSON(w, http.StatusOK, b)
}

func badName(w http.ResponseWriter, name string) {
	writeError(w, http.StatusBadRequest, kvError{Code: "BadParameter",
		Message: fmt.Sprintf("The request URI contains an invalid name: %s", name)})
}

// find returns the named version, or the latest when ver is empty; the caller holds v.mu.
func (v *Vault) find(name, ver string) *version {
	s, ok := v.secrets[strings.ToLower(name)]
	if !ok || len(s.versions) == 0 {
		return nil
	}
	if ver == "" {
		return s.versions[len(s.versions)-1]
	}
	for _, x := range s.versions {
		if strings.EqualFold(x.id, ver) {
			return x
		}
	}
	return nil
}

// bundleOf renders a version; the id is on the host the caller used, like
// https://{vault}.vault.azure.net/secrets/{name}/{version}. The caller holds v.mu.
func (v *Vault) bundleOf(r *http.Request, name string, x *version) bundle {
	if s, ok := v.secrets[strings.ToLower(name)]; ok {
		name = s.name
	}
	scheme := "https://"
	if r.TLS == nil {
		scheme = "http://"
	}
	return bundle{
		Value: x.value, ID: scheme + r.Host + "/secrets/" + name + "/" + x.id,
		ContentType: x.contentType, Tags: x.tags,
		Attributes: attributes{Enabled: x.enabled, Created: x.created.Unix(), Updated: x.updated.Unix(),
			RecoveryLevel: "Recoverable+Purgeable", RecoverableDays: 90},
	}
}
