package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/logging"
)

// Check probes one dependency's readiness.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

type checkResult struct {
	Name   string `json:"name"`
	Status string `json:"status"`           // "ok" or "failing"
	Reason string `json:"reason,omitempty"` // an HTTP status text, never internal error text
	Ms     int64  `json:"ms"`
}

type healthBody struct {
	Status string        `json:"status"` // "ok" or "degraded"
	Mode   string        `json:"mode"`   // "host" or "standalone"
	Checks []checkResult `json:"checks"`
}

// healthTimeout keeps a hung dependency from hanging the probe.
const healthTimeout = 5 * time.Second

// health answers 200 when every dependency is ready and 503 otherwise, listing each.
func health(mode string, checks []Check) HTTPFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		body := healthBody{Status: "ok", Mode: mode, Checks: runChecks(ctx, checks)}
		status := http.StatusOK
		for _, c := range body.Checks {
			if c.Status != "ok" {
				body.Status, status = "degraded", http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, status, "application/json", body)
		return nil
	}
}

func runChecks(ctx context.Context, checks []Check) []checkResult {
	out := make([]checkResult, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := c.Run(ctx)
			out[i] = checkResult{Name: c.Name, Status: "ok", Ms: time.Since(start).Milliseconds()}
			if err != nil {
				logging.From(ctx).Warn("health check failing", "check", c.Name, "err", err)
				out[i].Status, out[i].Reason = "failing", http.StatusText(StatusOf(err))
			}
		}()
	}
	wg.Wait()
	return out
}
