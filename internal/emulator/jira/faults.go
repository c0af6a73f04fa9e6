package jiraemu

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is an error answer injected on a route instead of handling the request.
type Fault struct {
	// Status is 429 or 503 (any status works; those two carry Retry-After).
	Status int
	// RetryAfter is sent as Retry-After in whole seconds (rounded up); zero sends none.
	RetryAfter time.Duration
	// Times answers the next N calls with the fault; zero means no count limit.
	Times int
	// Fraction answers this share of calls (0..1, chosen with Options.Seed) when Times is zero.
	Fraction float64
}

type faultRule struct {
	Fault
	left int
}

// AllRoutes, as a route name, applies a fault to every REST route.
const AllRoutes = "*"

// InjectFault makes route (a pattern such as "POST /rest/api/3/issue", or AllRoutes) answer
// with f; it replaces any earlier fault on that route.
func (e *Emulator) InjectFault(route string, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[route] = &faultRule{Fault: f, left: f.Times}
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = map[string]*faultRule{}
}

// pickFault decides whether this call fails; the caller holds e.mu.
func (e *Emulator) pickFault(route string) *Fault {
	for _, name := range []string{route, AllRoutes} {
		rule, ok := e.faults[name]
		if !ok {
			continue
		}
		if rule.Times > 0 {
			if rule.left <= 0 {
				continue
			}
			rule.left--
			f := rule.Fault
			return &f
		}
		if rule.Fraction > 0 && e.rng.Float64() < rule.Fraction {
			f := rule.Fault
			return &f
		}
	}
	return nil
}

// writeFault answers like Jira's rate limiter or an unavailable node:
// https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
func writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	msg := "Service unavailable. Please try again later."
	if f.Status == http.StatusTooManyRequests {
		w.Header().Set("X-RateLimit-Reason", "jira-burst-based")
		msg = "Rate limit exceeded."
	}
	writeErrors(w, f.Status, []string{msg}, nil)
}
