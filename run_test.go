package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/tlsca"
	"github.com/mail2jira/mail2jira/internal/sandbox"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for the server's logging goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testCA signs the HTTPS emulators' certificates; TestMain makes the process trust it the way
// the sandbox makes the service trust it, through SSL_CERT_FILE.
var testCA *tlsca.CA

// lastSandbox is the sandbox the latest baseEnv started, for tests that inspect the emulators.
var lastSandbox *sandbox.Sandbox

func TestMain(m *testing.M) {
	var err error
	if testCA, err = tlsca.New(); err != nil {
		panic(err)
	}
	f, err := os.CreateTemp("", "mail2jira-test-ca-*.pem")
	if err != nil {
		panic(err)
	}
	f.Write(testCA.PEM())
	f.Close()
	os.Setenv("SSL_CERT_FILE", f.Name())
	code := m.Run()
	os.Remove(f.Name())
	os.Exit(code)
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// baseEnv is a complete standalone configuration pointing at a fresh sandbox (the Entra,
// Graph and Jira emulators) and the Azurite that `make test` started; tests override single
// settings.
func baseEnv(tb testing.TB, overrides ...string) func(string) string {
	tb.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{CA: testCA,
		Storage: testenv.StorageConnection(tb), Dir: tb.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(sb.Close)
	lastSandbox = sb
	sb.SetServiceAddr(freeAddr(tb))
	env := sb.ServiceEnv()
	// Tests share one Azurite: each service gets tables of its own.
	env["TABLE_PREFIX"] = testenv.UniqueName(tb, "t")
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestRunHelpAndUnknownCommand(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		wantOut string
	}{
		{[]string{"mail2jira", "help"}, "", "Usage:"},
		{[]string{"mail2jira", "--help"}, "", "Usage:"},
		{[]string{"mail2jira", "frobnicate"}, `unknown command "frobnicate"`, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), tt.args, baseEnv(t), &out, &errOut)
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && err != nil {
				t.Errorf("err = %v", err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestRunRefusesBadConfigNamingEverySetting(t *testing.T) {
	err := run(context.Background(), []string{"mail2jira"}, baseEnv(t, "MAILBOX=", "ATLASSIAN_URL=nope", "WORKERS=x"), &bytes.Buffer{}, &bytes.Buffer{})
	for _, want := range []string{"MAILBOX", "ATLASSIAN_URL", "WORKERS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// TestRunServesStandalone starts the real program and waits for its health route.
func TestRunServesStandalone(t *testing.T) {
	env := baseEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"mail2jira"}, env, out, out) }()

	url := "http://" + env("LISTEN_ADDRESS") + "/api/health"
	var status int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if status != http.StatusOK {
		t.Fatalf("health status %d; log:\n%s", status, out)
	}
	logs := out.String()
	if !strings.Contains(logs, `"msg":"mail2jira listening"`) || !strings.Contains(logs, url) {
		t.Errorf("no start-up line naming %s:\n%s", url, logs)
	}
	for _, secret := range []string{sandbox.ClientSecret, sandbox.JiraToken, sandbox.APIKey} {
		if strings.Contains(logs, secret) {
			t.Errorf("log leaks a secret:\n%s", logs)
		}
	}
}
