package tlsca

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientTrustsServer(t *testing.T) {
	ca, err := New()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	srv.TLS = cfg
	srv.StartTLS()
	defer srv.Close()

	resp, err := ca.Client().Get(srv.URL)
	if err != nil {
		t.Fatalf("client with CA: %v", err)
	}
	resp.Body.Close()
	if _, err := http.Get(srv.URL); err == nil {
		t.Fatal("a client without the CA accepted the emulator certificate")
	}
}
