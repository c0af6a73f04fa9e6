package store

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/testenv"
)

// request is what the recorder saw of one HTTP request the SDK sent.
type request struct {
	Method string
	Path   string // unescaped, e.g. /devstoreaccount1/t1tickets(PartitionKey='x',RowKey='y')
	Filter string // $filter, if any
}

// recorder is an HTTP transport that records and counts every request, so tests can
// assert which queries reach the service and benchmarks can count round trips.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []request
}

func newRecorder() *recorder { return &recorder{next: &http.Transport{}} }

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	path, err := url.PathUnescape(req.URL.EscapedPath())
	if err != nil {
		path = req.URL.Path
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, request{Method: req.Method, Path: path, Filter: req.URL.Query().Get("$filter")})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) take() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// clock is a settable clock shared by the stores of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testTables gives a test its own tables in the harness's Azurite and deletes them after.
func testTables(tb testing.TB) Options {
	tb.Helper()
	cs := testenv.StorageConnection(tb)
	prefix := testenv.UniqueName(tb, "t")
	tb.Cleanup(func() {
		svc, err := aztables.NewServiceClientFromConnectionString(cs, nil)
		if err != nil {
			return
		}
		for _, name := range []string{registry.TableTickets, registry.TableLedger, registry.TableState, registry.TableCache} {
			_, _ = svc.DeleteTable(context.Background(), prefix+name, nil)
		}
	})
	return Options{ConnectionString: cs, TablePrefix: prefix}
}

// open opens a store on o with its own HTTP client and a recorder in front of it.
func open(tb testing.TB, o Options) (*Store, *recorder) {
	tb.Helper()
	rec := newRecorder()
	o.Transport = rec
	s, err := Open(context.Background(), o)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	rec.take()
	return s, rec
}

// isPointOrPartition reports whether a request reads one entity or one partition.
func isPointOrPartition(r request) bool {
	if strings.Contains(r.Path, "(PartitionKey='") {
		return true
	}
	return strings.HasPrefix(r.Filter, "PartitionKey eq '")
}
