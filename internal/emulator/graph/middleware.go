package graphemu

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// call is one Graph request on its way through the emulator.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	m       match
	prefs   prefs
	applied []string
}

// prefs are the Prefer header values the emulator honours.
// https://learn.microsoft.com/en-us/graph/outlook-immutable-id
// https://learn.microsoft.com/en-us/graph/api/user-list-messages (Prefer: outlook.body-content-type)
type prefs struct {
	immutable   bool
	bodyType    string // "", "text" or "html"
	maxPageSize int
}

func parsePrefs(h http.Header) prefs {
	var p prefs
	for _, line := range h.Values("Prefer") {
		for _, part := range strings.Split(line, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			v = strings.Trim(strings.TrimSpace(v), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "idtype":
				p.immutable = strings.EqualFold(v, "ImmutableId")
			case "outlook.body-content-type":
				p.bodyType = strings.ToLower(v)
			case "odata.maxpagesize":
				p.maxPageSize, _ = strconv.Atoi(v)
			}
		}
	}
	return p
}

// statusRecorder remembers the status so 429s can be counted whoever wrote them.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// serveGraph runs a /v1.0 call through auth, limits, latency and faults, then its handler.
func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	w = rec
	w.Header().Set("request-id", newGUID())
	if id := r.Header.Get("client-request-id"); id != "" {
		w.Header().Set("client-request-id", id)
	}
	segs, ok := splitPath(strings.TrimPrefix(r.URL.EscapedPath(), "/v1.0/"))
	if !ok {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid request path.")
		return
	}
	m, status, reason := resolve(r.Method, segs)
	if status != 0 {
		writeError(w, r, status, "BadRequest", reason)
		return
	}
	mbKey := e.mailboxKey(m.user)
	e.countCall(m.route, mbKey)
	defer func() { e.countStatus(rec.status) }()
	if !e.authorize(w, r, m.need) || !e.policyAllows(w, r, mbKey) {
		return
	}
	release, ok := e.admit(w, r, mbKey)
	if !ok {
		return
	}
	defer release()
	if !e.wait(r.Context()) {
		return
	}
	if e.injectFault(w, r, m.route, mbKey) {
		return
	}
	if err := decodeBody(r); err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "The request body could not be decompressed.")
		return
	}
	// Handlers answer under the emulator's lock; buffering lets a slow reader not hold it.
	buf := &bufferedResponse{header: w.Header()}
	m.handler(e, &call{w: buf, r: r, m: m, prefs: parsePrefs(r.Header)})
	buf.flushTo(w)
}

// bufferedResponse collects a handler's answer in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) flushTo(w http.ResponseWriter) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}

// decodeBody undoes the gzip that msgraph-sdk-go's compression middleware applies to bodies.
func decodeBody(r *http.Request) error {
	if !strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") || r.Body == nil {
		return nil
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(zr)
	r.Header.Del("Content-Encoding")
	return nil
}

// mailboxKey names the mailbox a call is scoped to (its address when known).
func (e *Emulator) mailboxKey(user string) string {
	if user == "" {
		return ""
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if mb := e.findMailbox(user); mb != nil {
		return mb.address
	}
	return strings.ToLower(user)
}

// authorize checks the bearer token and the role the operation needs.
// https://learn.microsoft.com/en-us/graph/resolve-auth-errors
func (e *Emulator) authorize(w http.ResponseWriter, r *http.Request, n need) bool {
	auth := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if auth == "" || token == "" || !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return false
	}
	if e.opts.Verify == nil {
		return true
	}
	roles, err := e.opts.Verify(token)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure.")
		return false
	}
	if !hasRole(roles, n) {
		writeError(w, r, http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
		return false
	}
	return true
}

func hasRole(roles []string, n need) bool {
	anyOf := func(names ...string) bool {
		for _, r := range roles {
			for _, n := range names {
				if strings.EqualFold(r, n) {
					return true
				}
			}
		}
		return false
	}
	switch n {
	case needRead:
		return anyOf("Mail.Read", "Mail.ReadWrite")
	case needWrite:
		return anyOf("Mail.ReadWrite")
	case needSend:
		return anyOf("Mail.Send")
	default:
		return anyOf("User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All")
	}
}

// wait applies the configured latency; false when the client went away meanwhile.
func (e *Emulator) wait(ctx context.Context) bool {
	e.mu.Lock()
	d := e.latency
	e.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hasFold reports whether any of names equals s, ignoring case.
func hasFold(names []string, s string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, s) })
}

// SetAccessPolicy limits the app to the given mailbox addresses, like an Exchange application
// access policy; nil or empty lifts the restriction.
// https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access
func (e *Emulator) SetAccessPolicy(allowed []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.policy = nil
	for _, a := range allowed {
		if e.policy == nil {
			e.policy = map[string]bool{}
		}
		e.policy[strings.ToLower(a)] = true
	}
}

// policyAllows answers 403 for mailboxes outside the access policy.
func (e *Emulator) policyAllows(w http.ResponseWriter, r *http.Request, mbKey string) bool {
	e.mu.Lock()
	denied := mbKey != "" && e.policy != nil && !e.policy[mbKey]
	e.mu.Unlock()
	if denied {
		writeError(w, r, http.StatusForbidden, "ErrorAccessDenied", "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.")
	}
	return !denied
}
