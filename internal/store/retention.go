package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxBatch is the most operations one entity group transaction may hold
// (https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions).
const maxBatch = 100

// Purged counts the rows Purge removed.
type Purged struct {
	Ledger     int // ledger entries
	Deliveries int // Jira webhook deliveries
	Cache      int // cached values (expired, or older than the retention)
}

// Purge removes ledger entries and deliveries not updated within retention (DefaultRetention
// when zero) and cached values that expired: they hold personal data (addresses, subjects).
// The sweep timer runs it. It scans with a server-side filter, which suits a background job;
// rows of one partition go in one entity group transaction, and a row that changes while
// Purge runs is left for the next run. Tickets are kept. The sweep's window must stay
// shorter than the retention, or it would find purged mail again.
func (s *Store) Purge(ctx context.Context, retention time.Duration) (Purged, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	var out Purged
	now := s.now()
	cutoff := odataTime(now.Add(-retention))
	var err error
	if out.Ledger, err = s.purge(ctx, s.ledger, "Updated lt "+cutoff); err != nil {
		return out, err
	}
	if out.Deliveries, err = s.purge(ctx, s.cache, "PartitionKey ge 'd:' and PartitionKey lt 'd;' and Updated lt "+cutoff); err != nil {
		return out, err
	}
	out.Cache, err = s.purge(ctx, s.cache,
		"PartitionKey ge 'v:' and PartitionKey lt 'v;' and (Expires lt "+odataTime(now)+" or Updated lt "+cutoff+")")
	return out, err
}

// purge deletes the rows matching filter, each only in the version the query saw.
func (s *Store) purge(ctx context.Context, t *table, filter string) (int, error) {
	rows, err := t.query(ctx, filter, "PartitionKey,RowKey")
	if err != nil {
		return 0, fmt.Errorf("purge %s: %w", t.name, err)
	}
	byPK := map[string][]aztables.TransactionAction{}
	var order []string
	for _, r := range rows {
		b, err := row{PK: r.PK, RK: r.RK}.marshal()
		if err != nil {
			return 0, err
		}
		etag := r.ETag
		if etag == "" {
			etag = azcore.ETagAny
		}
		if _, ok := byPK[r.PK]; !ok {
			order = append(order, r.PK)
		}
		byPK[r.PK] = append(byPK[r.PK], aztables.TransactionAction{
			ActionType: aztables.TransactionTypeDelete, Entity: b, IfMatch: to.Ptr(etag),
		})
	}
	n := 0
	for _, pk := range order {
		actions := byPK[pk]
		for len(actions) > 0 {
			batch := actions[:min(maxBatch, len(actions))]
			actions = actions[len(batch):]
			err := t.transact(ctx, pk, batch)
			switch {
			case err == nil:
				n += len(batch)
			case errors.Is(err, errs.ErrPrecondition), errors.Is(err, errs.ErrNotFound):
				s.log.InfoContext(ctx, "purge skipped rows that changed meanwhile", "table", t.name, "rows", len(batch))
			default:
				return n, fmt.Errorf("purge %s: %w", t.name, err)
			}
		}
	}
	return n, nil
}
