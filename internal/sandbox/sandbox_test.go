package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/mail2jira/mail2jira/internal/config"
)

func startSandbox(t *testing.T) *Sandbox {
	t.Helper()
	sb, err := Start(context.Background(), Options{ServiceAddr: "127.0.0.1:7999", Storage: "UseDevelopmentStorage=true",
		Dir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// The settings the sandbox hands the service must pass the service's own validation.
func TestServiceEnvIsValidConfig(t *testing.T) {
	sb := startSandbox(t)
	env := sb.ServiceEnv()
	if _, err := config.Load(context.Background(), func(k string) string { return env[k] }, nil); err != nil {
		t.Fatal(err)
	}
}

// The sample mail the banner tells users to curl is accepted by the deliver endpoint, and
// only a token from the Entra emulator opens the Graph emulator.
func TestSampleDeliveryAndGraphAuth(t *testing.T) {
	sb := startSandbox(t)
	f, err := os.Open("testdata/sample.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	resp, err := http.Post(sb.GraphURL+"/sandbox/deliver?mailbox="+Mailbox, "message/rfc822", f)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("deliver: %d", resp.StatusCode)
	}
	msgs, err := sb.Graph.Messages(Mailbox, "inbox")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("inbox: %d messages, %v", len(msgs), err)
	}

	url := sb.GraphURL + "/v1.0/users/" + Mailbox + "/mailFolders/inbox/messages"
	if status := getWithToken(t, url, ""); status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", status)
	}
	if status := getWithToken(t, url, graphToken(t, sb)); status != http.StatusOK {
		t.Errorf("emulator token: %d, want 200", status)
	}
}

func graphToken(t *testing.T, sb *Sandbox) string {
	t.Helper()
	pem, err := os.ReadFile(sb.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cred, err := azidentity.NewClientSecretCredential(TenantID, ClientID, ClientSecret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: cloudFor(sb.EntraURL), Transport: client},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

func getWithToken(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func cloudFor(authority string) cloud.Configuration {
	return cloud.Configuration{ActiveDirectoryAuthorityHost: authority + "/"}
}
