package graphemu

import (
	"net/http"
	"time"
)

// Fault is an injected failure answered instead of a route's normal response.
type Fault struct {
	Status     int           // HTTP status, e.g. 429 or 503
	Code       string        // Graph error code; derived from Status when empty
	Message    string        // error message; a generic one when empty
	RetryAfter time.Duration // sent as Retry-After in whole seconds when positive
	Mailbox    string        // only calls for this mailbox address when set
	// Times limits the fault to this many calls; with Fraction zero and Times zero the fault
	// applies to every call until ClearFaults.
	Times int
	// Fraction applies the fault to this share of calls, drawn from the seeded RNG.
	Fraction float64
}

type faultRule struct {
	route Route
	f     Fault
	used  int
}

// InjectFault makes calls to route (RouteAny for all) fail as described by f.
func (e *Emulator) InjectFault(route Route, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &faultRule{route: route, f: f})
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// injectFault answers with the first matching fault; true when it did.
func (e *Emulator) injectFault(w http.ResponseWriter, r *http.Request, route Route, mbKey string) bool {
	e.mu.Lock()
	var hit *Fault
	for _, fr := range e.faults {
		if (fr.route != RouteAny && fr.route != route) || (fr.f.Mailbox != "" && !equalFold(fr.f.Mailbox, mbKey)) {
			continue
		}
		if fr.f.Times > 0 && fr.used >= fr.f.Times {
			continue
		}
		if fr.f.Fraction > 0 && e.rng.Float64() >= fr.f.Fraction {
			continue
		}
		fr.used++
		f := fr.f
		hit = &f
		break
	}
	if hit != nil {
		e.stats.faults++
	}
	e.mu.Unlock()
	if hit == nil {
		return false
	}
	code, msg := hit.Code, hit.Message
	if code == "" {
		code = defaultCode(hit.Status)
	}
	if msg == "" {
		msg = "Injected fault: " + http.StatusText(hit.Status)
	}
	writeThrottled(w, r, hit.Status, code, msg, hit.RetryAfter)
	return true
}

// mailboxLoad tracks one mailbox's requests for the limits and the counters.
type mailboxLoad struct {
	inFlight, maxInFlight int
	recent                []time.Time // admitted request times inside the window
}

// admit applies the per-mailbox limits: 4 concurrent requests and 10,000 per 10 minutes,
// both answered with 429 ApplicationThrottled like Outlook's service does.
// https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits
func (e *Emulator) admit(w http.ResponseWriter, r *http.Request, mbKey string) (release func(), ok bool) {
	if mbKey == "" {
		return func() {}, true
	}
	now := e.now()
	e.mu.Lock()
	ld := e.load[mbKey]
	if ld == nil {
		ld = &mailboxLoad{}
		e.load[mbKey] = ld
	}
	lim := e.limits
	if lim != nil && lim.Concurrent > 0 && ld.inFlight >= lim.Concurrent {
		e.mu.Unlock()
		writeThrottled(w, r, http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.", time.Second)
		return nil, false
	}
	if lim != nil && lim.Requests > 0 {
		cut := 0
		for cut < len(ld.recent) && now.Sub(ld.recent[cut]) >= lim.Window {
			cut++
		}
		ld.recent = ld.recent[cut:]
		if len(ld.recent) >= lim.Requests {
			wait := lim.Window - now.Sub(ld.recent[0])
			e.mu.Unlock()
			writeThrottled(w, r, http.StatusTooManyRequests, "ApplicationThrottled", "Application is over its MailboxRequestRate limit.", wait)
			return nil, false
		}
		ld.recent = append(ld.recent, now)
	}
	ld.inFlight++
	ld.maxInFlight = max(ld.maxInFlight, ld.inFlight)
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		ld.inFlight--
		e.mu.Unlock()
	}, true
}
