package jira

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

const userSearchRoute = "GET /rest/api/3/user/search"

func TestUserByEmail(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	alice := mail.User{AccountID: aliceID, DisplayName: "Alice Adams", Email: "Alice@Example.com"}
	tests := []struct {
		name    string
		email   string
		want    mail.User
		wantErr error
	}{
		{"exact", "Alice@Example.com", alice, nil},
		{"other case", "alice@EXAMPLE.COM", alice, nil},
		{"surrounding space", "  alice@example.com ", alice, nil},
		{"hidden by privacy settings", "bob@example.com", mail.User{}, errs.ErrNotFound},
		{"prefix of a visible address", "alice@example.co", mail.User{}, errs.ErrNotFound},
		{"display name, not an email", "Alice", mail.User{}, errs.ErrNotFound},
		{"X.500 address", "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=ALICE", mail.User{}, errs.ErrNotFound},
		{"named address", "Alice <alice@example.com>", mail.User{}, errs.ErrNotFound},
		{"two addresses", "alice@example.com, bob@example.com", mail.User{}, errs.ErrNotFound},
		{"deactivated account", "olga@example.com", mail.User{}, errs.ErrNotFound},
		{"app account", "robot@example.com", mail.User{}, errs.ErrNotFound},
		{"nobody", "nobody@example.net", mail.User{}, errs.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.UserByEmail(testCtx(t), tt.email)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("UserByEmail(%q): got %v, want %v", tt.email, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UserByEmail(%q) (-want +got):\n%s", tt.email, diff)
			}
		})
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestFindUserByEmailRefusesNonAddresses(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	for _, in := range []string{"", "Alice", "Alice <alice@example.com>", "alice@example.com, bob@example.com"} {
		t.Run(in, func(t *testing.T) {
			if _, err := c.FindUserByEmail(testCtx(t), in); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("FindUserByEmail(%q): got %v, want ErrInvalid", in, err)
			}
		})
	}
	if n := s.calls(userSearchRoute); n != 0 {
		t.Errorf("user searches = %d, want none for non-addresses", n)
	}
}

func TestUserCacheDefault(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	c, _ := s.client(t, botID, func(cfg *Config) {
		cfg.Now, cfg.UserTTL, cfg.NoUserTTL = clk.now, time.Hour, 10*time.Minute
	})
	steps := []struct {
		name      string
		advance   time.Duration
		email     string
		wantErr   error
		wantCalls int // user searches so far
	}{
		{"first look-up asks Jira", 0, "alice@example.com", nil, 1},
		{"again from the cache", time.Minute, "ALICE@example.com", nil, 1},
		{"hidden address asks Jira", 0, "bob@example.com", errs.ErrNotFound, 2},
		{"the miss is cached too", time.Minute, "bob@example.com", errs.ErrNotFound, 2},
		{"the miss expires first", 10 * time.Minute, "bob@example.com", errs.ErrNotFound, 3},
		{"the hit still holds", 0, "alice@example.com", nil, 3},
		{"the hit expires", time.Hour, "alice@example.com", nil, 4},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clk.advance(st.advance)
			_, err := c.UserByEmail(testCtx(t), st.email)
			if !errors.Is(err, st.wantErr) {
				t.Fatalf("UserByEmail: got %v, want %v", err, st.wantErr)
			}
			if got := s.calls(userSearchRoute); got != st.wantCalls {
				t.Errorf("user searches = %d, want %d", got, st.wantCalls)
			}
		})
	}
}

// recordingCache is a Cache backed by a MemoryCache that counts calls and can fail.
type recordingCache struct {
	inner      *MemoryCache
	mu         sync.Mutex
	gets, puts int
	fail       error
	lastTTL    time.Duration
	lastKind   string
	lastKey    string
}

func (r *recordingCache) GetCached(ctx context.Context, kind, key string, v any) (bool, error) {
	r.mu.Lock()
	r.gets++
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return false, fail
	}
	return r.inner.GetCached(ctx, kind, key, v)
}

func (r *recordingCache) PutCached(ctx context.Context, kind, key string, v any, ttl time.Duration) error {
	r.mu.Lock()
	r.puts++
	r.lastTTL, r.lastKind, r.lastKey = ttl, kind, key
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return fail
	}
	return r.inner.PutCached(ctx, kind, key, v, ttl)
}

func TestUserCacheInterface(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	rc := &recordingCache{inner: NewMemoryCache(10, nil)}
	c, _ := s.client(t, botID, func(cfg *Config) { cfg.Cache, cfg.UserTTL = rc, 2*time.Hour })

	if _, err := c.UserByEmail(testCtx(t), "Alice@Example.com"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]any{"jira-user", "alice@example.com", 2 * time.Hour}, []any{rc.lastKind, rc.lastKey, rc.lastTTL}); diff != "" {
		t.Errorf("cache write (-want +got):\n%s", diff)
	}
	if _, err := c.UserByEmail(testCtx(t), "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if got := s.calls(userSearchRoute); got != 1 {
		t.Errorf("user searches = %d, want 1 (second answered by the cache)", got)
	}

	// A broken cache (storage down) must not break look-ups.
	rc.mu.Lock()
	rc.fail = errors.New("table storage unavailable")
	rc.mu.Unlock()
	got, err := c.UserByEmail(testCtx(t), "alice@example.com")
	if err != nil || got.AccountID != aliceID {
		t.Fatalf("with a failing cache: %+v, %v", got, err)
	}
	if got := s.calls(userSearchRoute); got != 2 {
		t.Errorf("user searches = %d, want 2 (the failing cache fell back to Jira)", got)
	}
}

func TestMemoryCache(t *testing.T) {
	clk := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := NewMemoryCache(3, clk.now)
	put := func(key string, ttl time.Duration) {
		t.Helper()
		if err := m.PutCached(context.Background(), "k", key, key+"-value", ttl); err != nil {
			t.Fatal(err)
		}
	}
	has := func(key string) bool {
		var v string
		ok, err := m.GetCached(context.Background(), "k", key, &v)
		if err != nil {
			t.Fatal(err)
		}
		if ok && v != key+"-value" {
			t.Fatalf("%s = %q", key, v)
		}
		return ok
	}
	put("a", time.Minute)
	put("b", time.Hour)
	if !has("a") || !has("b") || has("c") {
		t.Fatal("fresh entries")
	}
	var other string
	if ok, _ := m.GetCached(context.Background(), "other-kind", "a", &other); ok {
		t.Error("kinds share keys")
	}
	clk.advance(2 * time.Minute)
	if has("a") {
		t.Error("a outlived its TTL")
	}
	put("c", time.Hour)
	put("d", time.Hour) // full: the expired a goes first
	if !has("b") || !has("c") || !has("d") {
		t.Error("live entries dropped while an expired one was there")
	}
	put("e", time.Hour)
	n := 0
	for _, k := range []string{"b", "c", "d", "e"} {
		if has(k) {
			n++
		}
	}
	if n != 3 || !has("e") {
		t.Errorf("%d entries live (want the bound, 3) or the newest missing", n)
	}
}

func TestMyself(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	got, err := c.Myself(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := User{AccountID: botID, DisplayName: "Mail Bot", Email: botEmail, AccountType: "atlassian", Active: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Myself (-want +got):\n%s", diff)
	}

	wrong, _ := s.client(t, botID, func(cfg *Config) { cfg.APIToken = "secret-token-wrong" })
	_, err = wrong.Myself(testCtx(t))
	if !errors.Is(err, errs.ErrUnauthorized) {
		t.Fatalf("wrong token: got %v, want ErrUnauthorized", err)
	}
	assertNoToken(t, err)
}
