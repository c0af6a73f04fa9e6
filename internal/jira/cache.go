package jira

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Cache keeps small values for a while, shared by instances when backed by a store.
// internal/store's Store implements it over Table Storage.
type Cache interface {
	// GetCached reads the value cached under kind and key into v; false when there is none
	// or it expired.
	GetCached(ctx context.Context, kind, key string, v any) (bool, error)
	// PutCached stores v (as JSON) under kind and key for ttl.
	PutCached(ctx context.Context, kind, key string, v any, ttl time.Duration) error
}

// MemoryCache is an in-process Cache with expiry and a bound on its size.
type MemoryCache struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[string]memEntry
}

type memEntry struct {
	value   []byte
	expires time.Time
}

// NewMemoryCache returns a cache holding at most max entries; now may be nil (time.Now).
func NewMemoryCache(max int, now func() time.Time) *MemoryCache {
	if now == nil {
		now = time.Now
	}
	return &MemoryCache{max: max, now: now, entries: map[string]memEntry{}}
}

func memKey(kind, key string) string { return kind + "\x00" + key }

// GetCached implements Cache.
func (m *MemoryCache) GetCached(_ context.Context, kind, key string, v any) (bool, error) {
	m.mu.Lock()
	e, ok := m.entries[memKey(kind, key)]
	m.mu.Unlock()
	if !ok || !e.expires.After(m.now()) {
		return false, nil
	}
	if err := json.Unmarshal(e.value, v); err != nil {
		return false, fmt.Errorf("cache %s: decode: %w", kind, err)
	}
	return true, nil
}

// PutCached implements Cache. When full it drops expired entries, then arbitrary ones.
func (m *MemoryCache) PutCached(_ context.Context, kind, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("cache %s: encode: %w", kind, err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.entries) >= m.max {
		for k, e := range m.entries {
			if !e.expires.After(now) {
				delete(m.entries, k)
			}
		}
		for k := range m.entries {
			if len(m.entries) < m.max {
				break
			}
			delete(m.entries, k)
		}
	}
	m.entries[memKey(kind, key)] = memEntry{value: b, expires: now.Add(ttl)}
	return nil
}
