package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/registry"
)

// DefaultLease is how long a claim stays with its holder without renewal. The Functions host
// ends an invocation after functionTimeout (30 minutes by default on Flex Consumption,
// https://learn.microsoft.com/azure/azure-functions/functions-host-json#functiontimeout), so a
// holder older than that is dead; the extra minutes cover Jira's search index lag, so a taker's
// JQL search for the marker label sees an issue the dead holder created just before it died.
const DefaultLease = 35 * time.Minute

// DefaultRetention is how long ledger, delivery and cache rows are kept (they hold personal data).
const DefaultRetention = 180 * 24 * time.Hour

// DefaultReenqueueAge is how long the sweep waits before enqueuing again a mail it already
// enqueued that has produced no outcome yet.
const DefaultReenqueueAge = time.Hour

// developmentStorage is Azurite's documented well-known account on its default ports
// (https://learn.microsoft.com/azure/storage/common/storage-use-azurite#http-connection-strings).
// The key is public and identical on every machine; it is not a secret.
const developmentStorage = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
	"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
	"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;" +
	"TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

// ExpandConnectionString returns Azurite's full connection string for the
// `UseDevelopmentStorage=true` shortcut that Functions tooling writes (aztables rejects it),
// and any other connection string unchanged.
func ExpandConnectionString(cs string) string {
	norm := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cs), ";")))
	if strings.ReplaceAll(norm, " ", "") == "usedevelopmentstorage=true" {
		return developmentStorage
	}
	return cs
}

// Options says how to reach the storage account. Set ConnectionString, or AccountName (or
// TableServiceURL) with a Credential; the latter is how the service runs in Azure, with a
// managed identity and no account key.
type Options struct {
	ConnectionString string                 // account key or SAS connection string; UseDevelopmentStorage=true is expanded
	AccountName      string                 // identity-based: the storage account's name
	TableServiceURL  string                 // identity-based: the table endpoint; defaults to https://<AccountName>.table.core.windows.net
	Credential       azcore.TokenCredential // identity-based: e.g. azidentity's managed identity credential
	TablePrefix      string                 // prepended to every table name, so tests can isolate their tables
	Transport        policy.Transporter     // optional HTTP transport (an *http.Client works), e.g. to count requests
	Now              func() time.Time       // optional clock for leases and retention; time.Now by default
	Logger           *slog.Logger           // optional; slog.Default() by default
}

// Store is the service's state in Azure Table Storage. It is safe for concurrent use.
type Store struct {
	tickets, ledger, state, cache *table
	now                           func() time.Time
	log                           *slog.Logger
}

// Open connects to the account and creates the tables that are missing.
func Open(ctx context.Context, o Options) (*Store, error) {
	svc, err := newServiceClient(o)
	if err != nil {
		return nil, err
	}
	s := &Store{now: o.Now, log: o.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, t := range []struct {
		dst  **table
		name string
	}{
		{&s.tickets, registry.TableTickets},
		{&s.ledger, registry.TableLedger},
		{&s.state, registry.TableState},
		{&s.cache, registry.TableCache},
	} {
		name := o.TablePrefix + t.name
		if _, err := svc.CreateTable(ctx, name, nil); err != nil {
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.ErrorCode != string(aztables.TableAlreadyExists) {
				return nil, mapErr("create table "+name, err)
			}
		}
		*t.dst = &table{name: name, c: svc.NewClient(name)}
	}
	return s, nil
}

func newServiceClient(o Options) (*aztables.ServiceClient, error) {
	opts := &aztables.ClientOptions{}
	if o.Transport != nil {
		opts.Transport = o.Transport
	}
	switch {
	case o.ConnectionString != "":
		c, err := aztables.NewServiceClientFromConnectionString(ExpandConnectionString(o.ConnectionString), opts)
		if err != nil {
			// The SDK's message never echoes the string, which may hold a key.
			return nil, fmt.Errorf("storage connection string: %w: %v", errs.ErrInvalid, err)
		}
		return c, nil
	case o.AccountName != "" || o.TableServiceURL != "":
		if o.Credential == nil {
			return nil, fmt.Errorf("storage account %q: %w: identity-based access needs a credential", o.AccountName, errs.ErrInvalid)
		}
		u := o.TableServiceURL
		if u == "" {
			u = "https://" + o.AccountName + ".table.core.windows.net"
		}
		c, err := aztables.NewServiceClient(u, o.Credential, opts)
		if err != nil {
			return nil, fmt.Errorf("storage endpoint %s: %w: %v", u, errs.ErrInvalid, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("storage: %w: set a connection string or an account name", errs.ErrInvalid)
}

// compile-time check that a plain *http.Client can be passed as Options.Transport.
var _ policy.Transporter = (*http.Client)(nil)
