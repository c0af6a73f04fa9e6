package graph

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Options configures a Client. TenantID, ClientID and one credential (ClientSecret,
// Certificate or Credential) are required; the rest default to Azure's public cloud.
type Options struct {
	TenantID string
	ClientID string
	// ClientSecret is the app registration's client secret.
	ClientSecret string
	// Certificate is a PFX or PEM holding the certificate and its private key, raw or
	// base64; it takes precedence over ClientSecret.
	Certificate         []byte
	CertificatePassword string
	// Credential replaces the two above (an operator's Azure CLI login, a managed identity).
	Credential azcore.TokenCredential
	// AuthorityHost is Entra's endpoint, e.g. https://login.microsoftonline.us/ for US
	// Government; default https://login.microsoftonline.com/.
	AuthorityHost string
	// BaseURL is Graph's root including the version, e.g. https://graph.microsoft.us/v1.0;
	// default https://graph.microsoft.com/v1.0.
	BaseURL string
	// Resource is the application id URI tokens are requested for; by default the
	// BaseURL's host for Graph's own hosts and https://graph.microsoft.com otherwise.
	Resource string
	// Limiter is shared per mailbox; default Shared(), the process-wide one.
	Limiter *Limiter
	// Retry configures the SDK's retry handler, the only retry layer.
	Retry RetryOptions
	// Transport carries Graph requests; default a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// IdentityTransport carries Entra requests (tests give one that trusts their CA).
	IdentityTransport policy.Transporter
	// Logger gets a warning each time Graph throttles a mailbox; default slog.Default().
	Logger *slog.Logger
}

// RetryOptions tune the SDK's retry handler, which retries 429, 503 and 504 honouring
// Retry-After. A POST (send, create) is retried only on 429, where Graph did nothing; a
// 503 or 504 may come after the work was done, and sending a mail twice is worse than
// surfacing ErrUnavailable to a caller that can check the draft's state first.
type RetryOptions struct {
	// MaxRetries per request; default 4 (the SDK caps it at 10).
	MaxRetries int
	// MaxRetryAfter is the longest Retry-After waited out in process; a longer one
	// returns *errs.Throttled at once so a queue retries later instead. Default 60s.
	MaxRetryAfter time.Duration
	// DelaySeconds is the base of the exponential backoff used when Graph sends no
	// Retry-After; default 2.
	DelaySeconds int
}

// Client talks to Microsoft Graph for any number of mailboxes. It is safe for
// concurrent use.
type Client struct {
	sdk     *msgraphsdk.GraphServiceClient
	adapter *msgraphsdk.GraphRequestAdapter
	http    *http.Client
	base    *url.URL
	cred    azcore.TokenCredential
	cert    *x509.Certificate
	scope   string
	limiter *Limiter
	log     *slog.Logger
}

func (o *Options) defaults() error {
	if o.AuthorityHost == "" {
		o.AuthorityHost = "https://login.microsoftonline.com/"
	}
	if !strings.HasSuffix(o.AuthorityHost, "/") {
		o.AuthorityHost += "/"
	}
	if o.BaseURL == "" {
		o.BaseURL = "https://graph.microsoft.com/v1.0"
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Limiter == nil {
		o.Limiter = Shared()
	}
	if o.Retry.MaxRetries <= 0 {
		o.Retry.MaxRetries = 4
	}
	if o.Retry.MaxRetryAfter <= 0 {
		o.Retry.MaxRetryAfter = 60 * time.Second
	}
	if o.Retry.DelaySeconds <= 0 {
		o.Retry.DelaySeconds = 2
	}
	if o.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// A hung call must not hold a mailbox slot forever; bodies may stream for longer.
		t.ResponseHeaderTimeout = 90 * time.Second
		o.Transport = t
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Credential == nil && (o.TenantID == "" || o.ClientID == "") {
		return fmt.Errorf("graph client: %w: tenant id and client id are required", errs.ErrInvalid)
	}
	return nil
}

// New builds a Client. It does not call Graph or Entra.
func New(o Options) (*Client, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	base, err := url.Parse(o.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("graph base url: %w: want an absolute URL such as https://graph.microsoft.com/v1.0", errs.ErrInvalid)
	}
	cred, cert, err := credential(&o)
	if err != nil {
		return nil, err
	}
	resource := strings.TrimRight(o.Resource, "/")
	if resource == "" {
		resource = resourceFor(base)
	}
	scope := resource + "/.default"
	// The allow-list holds the configured Graph host only: the provider sends the token
	// to no other host, whatever a next link says.
	auth, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{scope}, []string{base.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph auth provider: %w", err)
	}
	hc := &http.Client{
		Transport: khttp.NewCustomTransportWithParentTransport(&limitTransport{next: o.Transport, limiter: o.Limiter, log: o.Logger}, middlewares(o.Retry)...),
		// The redirect handler in the pipeline follows redirects, re-checking hosts.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(o.BaseURL)
	return &Client{sdk: msgraphsdk.NewGraphServiceClient(adapter), adapter: adapter, http: hc, base: base,
		cred: cred, cert: cert, scope: scope, limiter: o.Limiter, log: o.Logger}, nil
}

// middlewares is the SDK's default pipeline in a fixed order (the SDK builds it from a
// map, so its order varies), with the retry handler configured here. Request-body gzip
// stays on: Graph and the emulator both accept it, and the handler falls back to an
// uncompressed body on 415.
func middlewares(r RetryOptions) []khttp.Middleware {
	opts := msgraphsdk.GetDefaultClientOptions()
	return []khttp.Middleware{
		core.NewGraphTelemetryHandler(&opts),
		khttp.NewRetryHandlerWithOptions(khttp.RetryHandlerOptions{
			MaxRetries:   r.MaxRetries,
			DelaySeconds: r.DelaySeconds,
			ShouldRetry: func(_ time.Duration, _ int, req *http.Request, resp *http.Response) bool {
				if req.Method == http.MethodPost && resp.StatusCode != http.StatusTooManyRequests {
					return false
				}
				return retryAfter(resp.Header) <= r.MaxRetryAfter
			},
		}),
		khttp.NewRedirectHandler(),
		khttp.NewCompressionHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
	}
}

// Limiter returns the per-mailbox limiter the client's requests go through.
func (c *Client) Limiter() *Limiter { return c.limiter }
