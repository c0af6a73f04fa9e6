package store

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// lossy forwards every request but, for the next write it is armed for, throws the answer
// away and reports a broken connection: the write landed, the caller never heard, and the
// SDK's retry policy sends it again.
type lossy struct {
	next http.RoundTripper
	mu   sync.Mutex
	arm  int
}

func (l *lossy) Do(req *http.Request) (*http.Response, error) {
	// Send a copy of the body: net/http may still be writing a body after RoundTrip returned,
	// and the retry policy rewinds the original as soon as we report the lost answer.
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := l.next.RoundTrip(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.arm > 0 && req.Method != http.MethodGet {
		l.arm--
		resp.Body.Close()
		return nil, errors.New("connection reset after the request was sent")
	}
	return resp, err
}

func (l *lossy) drop(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.arm = n
}

// TestLostAnswers: when the answer to a write is lost and the SDK resends it, the store
// recognises its own write instead of reporting someone else's.
func TestLostAnswers(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	o := testTables(t)
	o.Now = clk.Now
	l := &lossy{next: &http.Transport{}}
	o.Transport = l
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}

	l.drop(1)
	_, c, err := s.ClaimConversation(ctx, "help@example.com", "lost-1", time.Minute)
	if err != nil || c == nil || c.Attempt() != 1 {
		t.Fatalf("claim with a lost answer: %v, %v; want our first claim", c, err)
	}

	clk.Advance(2 * time.Minute)
	l.drop(1)
	_, c2, err := s.ClaimConversation(ctx, "help@example.com", "lost-1", time.Minute)
	if err != nil || c2 == nil || c2.Attempt() != 2 {
		t.Fatalf("takeover with a lost answer: %v, %v; want our takeover", c2, err)
	}
	l.drop(1)
	if err := c2.Renew(ctx); err != nil {
		t.Fatalf("renew with a lost answer: %v", err)
	}
	l.drop(3) // two index rows and the completion
	if _, err := s.CompleteTicket(ctx, c2, Ticket{Mailbox: "help@example.com", ConversationID: "lost-1", Key: "L-1"}); err != nil {
		t.Fatalf("complete with lost answers: %v", err)
	}

	ref := MailRef{Mailbox: "help@example.com", InternetMessageID: "<lost@x>"}
	l.drop(1)
	if ok, err := s.MarkEnqueued(ctx, ref, EnqueueOptions{}); !ok || err != nil {
		t.Errorf("enqueue with a lost answer: %v, %v; want true", ok, err)
	}
	if ok, err := s.MarkEnqueued(ctx, ref, EnqueueOptions{}); ok || err != nil {
		t.Errorf("second enqueue: %v, %v; want false", ok, err)
	}
	l.drop(1)
	e, err := s.RecordMail(ctx, ref, Outcome{State: StateFiltered, Reason: "bulk"})
	if err != nil || e.State != StateFiltered {
		t.Errorf("record with a lost answer: %+v, %v", e, err)
	}
	if _, err := s.Ticket(ctx, "help@example.com", "lost-1"); err != nil {
		t.Errorf("ticket: %v", err)
	}
	if _, err := s.RecordMail(ctx, MailRef{}, Outcome{State: StateOwn}); !errors.Is(err, errs.ErrInvalid) {
		t.Errorf("sanity: %v", err)
	}
}
