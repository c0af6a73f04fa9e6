package relay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// SignatureHeader is the header Jira signs secured admin webhooks with.
// https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
const SignatureHeader = "X-Hub-Signature"

// Sign returns the X-Hub-Signature value for body: sha256=<hex HMAC-SHA256 with secret>.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks header (an X-Hub-Signature value) against body in constant time. A
// missing, malformed or wrong signature is errs.ErrUnauthorized; the error never quotes
// the expected value.
func Verify(secret string, body []byte, header string) error {
	if secret == "" {
		return fmt.Errorf("webhook secret not configured: %w", errs.ErrUnavailable)
	}
	algo, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	if !ok || !strings.EqualFold(algo, "sha256") {
		return fmt.Errorf("%s missing or not sha256=<hex>: %w", SignatureHeader, errs.ErrUnauthorized)
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return fmt.Errorf("%s is not hex: %w", SignatureHeader, errs.ErrUnauthorized)
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return fmt.Errorf("%s does not match the body: %w", SignatureHeader, errs.ErrUnauthorized)
	}
	return nil
}
