package store

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"
)

// fakeCredential hands out a fixed token and remembers the scopes asked for.
type fakeCredential struct {
	mu     sync.Mutex
	scopes []string
}

func (f *fakeCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.scopes = append(f.scopes, o.Scopes...)
	return azcore.AccessToken{Token: "fake-token"}, nil
}

// TestOpenWithIdentity opens the store the way it runs in Azure (table endpoint plus a
// token credential) against a loopback TLS server standing in for the table endpoint: every
// request carries the bearer token, none a shared key, and existing tables are fine.
func TestOpenWithIdentity(t *testing.T) {
	var mu sync.Mutex
	var auth, created []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auth = append(auth, r.Header.Get("Authorization"))
		if r.Method != http.MethodPost || r.URL.Path != "/Tables" {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		var body struct{ TableName string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		created = append(created, body.TableName)
		if body.TableName == "idledger" {
			w.Header().Set("x-ms-error-code", "TableAlreadyExists")
			w.WriteHeader(http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"TableName":"` + body.TableName + `"}`))
	}))
	defer srv.Close()
	cred := &fakeCredential{}
	_, err := Open(context.Background(), Options{TableServiceURL: srv.URL, Credential: cred, TablePrefix: "id", Transport: srv.Client()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	slices.Sort(created)
	if diff := cmp.Diff([]string{"idcache", "idledger", "idstate", "idtickets"}, created); diff != "" {
		t.Errorf("tables created (-want +got):\n%s", diff)
	}
	for _, a := range auth {
		if a != "Bearer fake-token" {
			t.Errorf("Authorization %q, want the bearer token", a)
		}
	}
	if len(cred.scopes) == 0 || !strings.HasPrefix(cred.scopes[0], "https://storage.azure.com") {
		t.Errorf("token scopes %v, want Azure Storage", cred.scopes)
	}
}
