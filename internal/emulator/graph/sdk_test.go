package graphemu_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	abstractions "github.com/microsoft/kiota-abstractions-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
)

const (
	supportBox = "support@contoso.test"
	aliceBox   = "alice@fabrikam.test"
)

// staticToken is an auth provider that sends a fixed bearer token, standing in for azidentity.
type staticToken string

func (s staticToken) AuthenticateRequest(_ context.Context, req *abstractions.RequestInformation, _ map[string]any) error {
	req.Headers.Add("Authorization", "Bearer "+string(s))
	return nil
}

// sdkEnv is the emulator behind a loopback server and a real msgraph-sdk-go client.
type sdkEnv struct {
	emu     *graphemu.Emulator
	srv     *httptest.Server
	adapter *msgraphsdk.GraphRequestAdapter
	client  *msgraphsdk.GraphServiceClient
}

func newSDKEnv(t *testing.T, opts graphemu.Options) *sdkEnv {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	emu := graphemu.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		srv.Close()
		emu.Close()
	})
	emu.AddMailbox(supportBox, "Support")
	emu.AddMailbox(aliceBox, "Alice")
	adapter, err := msgraphsdk.NewGraphRequestAdapter(staticToken("app-token"))
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(srv.URL + "/v1.0")
	return &sdkEnv{emu: emu, srv: srv, adapter: adapter, client: msgraphsdk.NewGraphServiceClient(adapter)}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// immutable is the Prefer header the service sends on every call.
func immutable() *abstractions.RequestHeaders {
	h := abstractions.NewRequestHeaders()
	h.Add("Prefer", `IdType="ImmutableId"`)
	return h
}

// odataErr unwraps the SDK's error into status and Graph error code.
func odataErr(t *testing.T, err error) (int, string, *abstractions.ResponseHeaders) {
	t.Helper()
	var oe *odataerrors.ODataError
	if !errors.As(err, &oe) {
		t.Fatalf("want an ODataError, got %T: %v", err, err)
	}
	code := ""
	if oe.GetErrorEscaped() != nil && oe.GetErrorEscaped().GetCode() != nil {
		code = *oe.GetErrorEscaped().GetCode()
	}
	return oe.ResponseStatusCode, code, oe.ResponseHeaders
}

// raw sends a GET the generated builders do not offer (attachment /$value) through the
// same adapter and middleware.
func (env *sdkEnv) raw(ctx context.Context, path string) ([]byte, error) {
	u, err := url.Parse(env.srv.URL + "/v1.0/" + path)
	if err != nil {
		return nil, err
	}
	ri := abstractions.NewRequestInformation()
	ri.Method = abstractions.GET
	ri.SetUri(*u)
	ri.Headers.Add("Accept", "application/octet-stream")
	b, err := env.adapter.SendPrimitive(ctx, ri, "[]byte", abstractions.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		return nil, err
	}
	out, _ := b.([]byte)
	return out, nil
}

func newMail(from, to, subject string) *eml.Message {
	return &eml.Message{
		MessageID:  "<" + subject + "-" + time.Now().Format("150405.000000000") + "@fabrikam.test>",
		Subject:    subject,
		From:       &eml.Address{Name: "Alice", Address: from},
		Sender:     &eml.Address{Name: "Alice", Address: from},
		ReplyTo:    []eml.Address{{Address: from}},
		To:         []eml.Address{{Name: "Support", Address: to}},
		Cc:         []eml.Address{{Name: "Carol", Address: "carol@fabrikam.test"}},
		Date:       time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC),
		Headers:    []eml.Header{{Name: "Subject", Value: subject}, {Name: "X-Custom", Value: "kept"}},
		TextBody:   "New text\n\n> old text",
		HTMLBody:   "<p>New text</p><blockquote>old text</blockquote>",
		UniqueText: "New text",
		UniqueHTML: "<p>New text</p>",
		Importance: "high",
	}
}
