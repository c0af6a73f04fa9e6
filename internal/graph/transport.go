package graph

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// preferImmutable asks Graph for ids that survive moves between folders.
// https://learn.microsoft.com/en-us/graph/outlook-immutable-id
const preferImmutable = `IdType="ImmutableId"`

type mailboxKey struct{}

// withMailbox tags ctx with the mailbox a request is for, so the transport can apply
// that mailbox's limits.
func withMailbox(ctx context.Context, mailbox string) context.Context {
	return context.WithValue(ctx, mailboxKey{}, mailbox)
}

// mailboxOf returns the mailbox a request is for: the tag on its context, else the user
// segment of a users/{id}/... path (next links carry it).
func mailboxOf(req *http.Request) string {
	if m, ok := req.Context().Value(mailboxKey{}).(string); ok && m != "" {
		return m
	}
	segs := strings.Split(req.URL.EscapedPath(), "/")
	for i := 0; i+1 < len(segs); i++ {
		if strings.EqualFold(segs[i], "users") {
			if m, err := url.PathUnescape(segs[i+1]); err == nil {
				return m
			}
		}
	}
	return ""
}

// limitTransport is the innermost hop of the SDK's middleware pipeline, below the retry
// handler, so that every attempt (retries included) is counted and holds a concurrency
// slot only while it is on the wire: a retry waiting out Retry-After holds none.
type limitTransport struct {
	next    http.RoundTripper
	limiter *Limiter
	log     *slog.Logger
}

// RoundTrip adds the immutable-id preference, waits for the mailbox's limiter, and keeps
// the slot until a successful response's body is read or closed.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if !preferSet(req.Header) {
		req.Header.Add("Prefer", preferImmutable)
	}
	mailbox := mailboxOf(req)
	if mailbox == "" {
		return t.next.RoundTrip(req)
	}
	release, err := t.limiter.Acquire(req.Context(), mailbox)
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		ra := retryAfter(resp.Header)
		t.limiter.Pause(mailbox, ra)
		t.log.WarnContext(req.Context(), "graph throttled a mailbox; its requests pause", "mailbox", mailbox,
			"method", req.Method, "retryAfter", ra.String(), "attempt", req.Header.Get("Retry-Attempt"))
	}
	if resp.StatusCode >= 300 {
		// The SDK's retry and redirect handlers drop such responses without closing
		// them; buffer the (small) body so the slot is given back now, not never.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		release()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.ContentLength = int64(len(b))
		return resp, nil
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// preferSet reports whether the request already states an IdType preference.
func preferSet(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		if strings.Contains(strings.ToLower(v), "idtype") {
			return true
		}
	}
	return false
}

// releasingBody gives the limiter slot back at EOF or Close, whichever comes first.
type releasingBody struct {
	io.ReadCloser
	release func()
	once    sync.Once
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// retryAfter parses Retry-After as seconds or an HTTP date; zero when absent.
// https://learn.microsoft.com/en-us/graph/throttling#best-practices-to-handle-throttling
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
