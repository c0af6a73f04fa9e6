package graphemu

import (
	"maps"
	"net/http"
	"strings"
)

// Stats are the emulator's counters, for tests and the benchmark.
type Stats struct {
	Calls          map[Route]int  // Graph calls per route, whatever their outcome
	MailboxCalls   map[string]int // Graph calls per mailbox address
	MaxConcurrent  map[string]int // highest number of concurrent calls seen per mailbox
	Throttled      int            // 429 answers, from limits or injected faults
	Faults         int            // injected faults answered
	Notifications  int            // change and lifecycle notifications delivered (2xx)
	FailedAttempts int            // notification delivery attempts that failed
	Dropped        int            // notifications given up after the last retry
}

type statsState struct {
	calls          map[Route]int
	mailboxCalls   map[string]int
	throttled      int
	faults         int
	notifications  int
	failedAttempts int
	dropped        int
}

func (s *statsState) reset() {
	*s = statsState{calls: map[Route]int{}, mailboxCalls: map[string]int{}}
}

func (e *Emulator) countCall(route Route, mbKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.calls[route]++
	if mbKey != "" {
		e.stats.mailboxCalls[mbKey]++
	}
}

func (e *Emulator) countStatus(status int) {
	if status != http.StatusTooManyRequests {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.throttled++
}

// Stats returns a snapshot of the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Stats{
		Calls:          maps.Clone(e.stats.calls),
		MailboxCalls:   maps.Clone(e.stats.mailboxCalls),
		MaxConcurrent:  map[string]int{},
		Throttled:      e.stats.throttled,
		Faults:         e.stats.faults,
		Notifications:  e.stats.notifications,
		FailedAttempts: e.stats.failedAttempts,
		Dropped:        e.stats.dropped,
	}
	for k, ld := range e.load {
		s.MaxConcurrent[k] = ld.maxInFlight
	}
	return s
}

// ResetStats zeroes the counters (not the limits' request windows).
func (e *Emulator) ResetStats() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.stats.reset()
	for _, ld := range e.load {
		ld.maxInFlight = ld.inFlight
	}
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
