package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
)

// table is one Table Storage table with every call's error mapped to the project's sentinels.
type table struct {
	name string
	c    *aztables.Client
}

// row is one entity: its keys, its properties and the ETag it was read or written with.
type row struct {
	PK, RK string
	Props  props
	ETag   azcore.ETag
}

// props are an entity's own properties, typed as aztables.EDMEntity expects them.
type props map[string]any

func (p props) str(name string) string {
	s, _ := p[name].(string)
	return s
}

func (p props) integer(name string) int {
	switch v := p[name].(type) {
	case int32:
		return int(v)
	case aztables.EDMInt64:
		return int(v)
	case float64:
		return int(v)
	}
	return 0
}

func (p props) flag(name string) bool {
	b, _ := p[name].(bool)
	return b
}

func (p props) time(name string) time.Time {
	if v, ok := p[name].(aztables.EDMDateTime); ok {
		return time.Time(v).UTC()
	}
	return time.Time{}
}

// setTime stores t as Edm.DateTime so filters can compare it; the zero time is left out
// because Table Storage's DateTime starts in 1601.
func (p props) setTime(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	p[name] = aztables.EDMDateTime(t.UTC())
}

func (p props) strings(name string) []string {
	var out []string
	if s := p.str(name); s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

// setStrings stores v as a JSON list, dropping its oldest (first) items while the list would
// not fit one string property.
func (p props) setStrings(name string, v []string) {
	if v == nil {
		v = []string{}
	}
	size, start := 2, len(v) // the brackets
	for start > 0 {
		item, _ := json.Marshal(v[start-1])
		if size+len(item)+1 > maxText*8 {
			break
		}
		size += len(item) + 1
		start--
	}
	b, _ := json.Marshal(v[start:])
	p[name] = string(b)
}

// maxText bounds free text we store (subjects, reasons): a string property holds 64 KiB of
// UTF-16, and an operator needs no more than the start.
const maxText = 2048

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (r row) marshal() ([]byte, error) {
	return json.Marshal(aztables.EDMEntity{
		Entity:     aztables.Entity{PartitionKey: r.PK, RowKey: r.RK},
		Properties: r.Props,
	})
}

func decodeRow(b []byte, etag azcore.ETag) (row, error) {
	var e aztables.EDMEntity
	if err := json.Unmarshal(b, &e); err != nil {
		return row{}, fmt.Errorf("decode entity: %w", err)
	}
	if etag == "" {
		etag = azcore.ETag(e.ETag)
	}
	return row{PK: e.PartitionKey, RK: e.RowKey, Props: e.Properties, ETag: etag}, nil
}

func (t *table) op(verb string, pk, rk string) string {
	return fmt.Sprintf("%s %s (%s, %s)", verb, t.name, pk, rk)
}

func (t *table) get(ctx context.Context, pk, rk string) (row, error) {
	resp, err := t.c.GetEntity(ctx, pk, rk, nil)
	if err != nil {
		return row{}, mapErr(t.op("read", pk, rk), err)
	}
	return decodeRow(resp.Value, resp.ETag)
}

// add inserts r and fails with errs.ErrConflict when the row exists.
func (t *table) add(ctx context.Context, r row) (azcore.ETag, error) {
	b, err := r.marshal()
	if err != nil {
		return "", err
	}
	resp, err := t.c.AddEntity(ctx, b, nil)
	if err != nil {
		return "", mapErr(t.op("insert", r.PK, r.RK), err)
	}
	return resp.ETag, nil
}

// merge updates the properties in r, only if the row still has etag ("*" for any).
func (t *table) merge(ctx context.Context, r row, etag azcore.ETag) (azcore.ETag, error) {
	return t.update(ctx, r, etag, aztables.UpdateModeMerge)
}

// replace overwrites the row with r, only if the row still has etag ("*" for any).
func (t *table) replace(ctx context.Context, r row, etag azcore.ETag) (azcore.ETag, error) {
	return t.update(ctx, r, etag, aztables.UpdateModeReplace)
}

func (t *table) update(ctx context.Context, r row, etag azcore.ETag, mode aztables.UpdateMode) (azcore.ETag, error) {
	b, err := r.marshal()
	if err != nil {
		return "", err
	}
	resp, err := t.c.UpdateEntity(ctx, b, &aztables.UpdateEntityOptions{IfMatch: &etag, UpdateMode: mode})
	if err != nil {
		return "", mapErr(t.op("update", r.PK, r.RK), err)
	}
	return resp.ETag, nil
}

// upsert writes r whatever is there; used only for rows that are derived data (indexes).
func (t *table) upsert(ctx context.Context, r row) (azcore.ETag, error) {
	b, err := r.marshal()
	if err != nil {
		return "", err
	}
	resp, err := t.c.UpsertEntity(ctx, b, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace})
	if err != nil {
		return "", mapErr(t.op("upsert", r.PK, r.RK), err)
	}
	return resp.ETag, nil
}

func (t *table) delete(ctx context.Context, pk, rk string, etag azcore.ETag) error {
	if etag == "" {
		etag = azcore.ETagAny
	}
	_, err := t.c.DeleteEntity(ctx, pk, rk, &aztables.DeleteEntityOptions{IfMatch: &etag})
	return mapErr(t.op("delete", pk, rk), err)
}

// query returns every row matching filter, following continuation tokens. Callers pass
// filters that pin the PartitionKey unless the doc comment of the exported method says why not.
func (t *table) query(ctx context.Context, filter, sel string) ([]row, error) {
	opts := &aztables.ListEntitiesOptions{Filter: &filter}
	if sel != "" {
		opts.Select = &sel
	}
	var out []row
	pager := t.c.NewListEntitiesPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, mapErr(fmt.Sprintf("query %s", t.name), err)
		}
		for _, b := range page.Entities {
			r, err := decodeRow(b, "")
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// transact applies actions to rows of one partition atomically (an entity group transaction).
func (t *table) transact(ctx context.Context, pk string, actions []aztables.TransactionAction) error {
	_, err := t.c.SubmitTransaction(ctx, actions, nil)
	return mapErr(fmt.Sprintf("transaction on %s (%s)", t.name, pk), err)
}

func partitionFilter(pk string) string { return "PartitionKey eq " + odataString(pk) }

func odataTime(t time.Time) string {
	return "datetime'" + t.UTC().Format("2006-01-02T15:04:05.0000000Z") + "'"
}
