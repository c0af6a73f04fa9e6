package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxKeyPart bounds one encoded key component so that a composite key of two components and a
// prefix stays far below Table Storage's 1 KiB key limit (counted in UTF-16, so 512 characters).
const maxKeyPart = 200

// hashedPrefix starts every hashed key component. Escapes are '~' plus two hex digits, so "~h"
// can never come out of escaping and hashed and escaped components never collide.
const hashedPrefix = "~h"

// keyPart turns any string into a component that is safe in a PartitionKey or RowKey.
// Table Storage forbids / \ # ? and control characters in keys
// (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model#characters-disallowed-in-key-fields);
// we keep a much smaller alphabet so keys also survive URLs and OData filters unquoted.
// Everything else is escaped byte-wise as ~XX. Components that would grow past maxKeyPart are
// replaced by a SHA-256 hash; callers keep the original as a property.
func keyPart(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safeKeyByte(c) {
			b.WriteByte(c)
		} else {
			const hexDigits = "0123456789ABCDEF"
			b.WriteByte('~')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0x0f])
		}
		if b.Len() > maxKeyPart {
			return hashKey(s)
		}
	}
	return b.String()
}

// hashKey is the fixed-length stand-in for a component too long to escape.
func hashKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hashedPrefix + hex.EncodeToString(sum[:])
}

func safeKeyByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '@':
		return true
	}
	return false
}

// joinKey builds a composite key; ':' never occurs inside an encoded component.
func joinKey(prefix string, parts ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(keyPart(p))
	}
	return b.String()
}

// normAddress is the canonical form of a mail address or mailbox: addresses are
// case-insensitive in practice, and Graph echoes them in whatever case the sender used.
func normAddress(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

// normIssueKey is the canonical form of a Jira issue key (project keys are upper case).
func normIssueKey(k string) string { return strings.ToUpper(strings.TrimSpace(k)) }

// odataString quotes s for an OData filter literal.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
