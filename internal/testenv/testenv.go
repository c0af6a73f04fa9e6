// Package testenv gives tests the real services they run against: Azurite, started by
// `make test` (internal/devtools/with-azurite.sh), and unique names so parallel tests never share state.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// AzuriteEnv is the variable scripts/with-azurite.sh sets to Azurite's connection string.
const AzuriteEnv = "AZURITE_CONNECTION_STRING"

// StorageConnection returns the connection string of the Azurite that `make test` started.
// It fails the test, saying how to fix it, when there is none: storage tests never fall back
// to an in-memory imitation.
func StorageConnection(tb testing.TB) string {
	tb.Helper()
	cs := os.Getenv(AzuriteEnv)
	if cs == "" {
		tb.Fatalf("this test needs Azurite: run it through `make test`, or `make azurite` then "+
			"`internal/devtools/with-azurite.sh go test ./...` (%s is not set)", AzuriteEnv)
	}
	return cs
}

// UniqueName returns prefix followed by random letters and digits, valid as a table or queue
// name, so tests sharing one Azurite never see each other's data.
func UniqueName(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatalf("random name: %v", err)
	}
	return strings.ToLower(prefix) + hex.EncodeToString(b)
}
