package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// defaultHTTPBudget keeps an operator's sweep inside Azure's 230-second HTTP limit.
const defaultHTTPBudget = 200 * time.Second

// opsSweep is the OpsSweep function (POST /api/ops/sweep?days=N&mailbox=M&retryFailed=true):
// `sweep` for operators without a shell. It answers the run's summary; when complete is
// false, calling again resumes where it stopped.
func opsSweep(in *Ingest) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		o, err := sweepOptions(inv.Request.URL.Query())
		if err != nil {
			return nil, err
		}
		o.Budget = durationOr(in.HTTPBudget, defaultHTTPBudget)
		o.Classify = true
		rep, err := in.Sweeper.Run(ctx, o)
		raw, eerr := ingest.Encode(rep.Messages)
		if eerr != nil {
			return nil, eerr
		}
		body := map[string]any{"summary": rep}
		if err != nil {
			body["error"] = "the sweep stopped early; see the logs, then call again to resume"
		}
		return &Result{Response: jsonResponse(http.StatusOK, body), Messages: raw}, nil
	}
}

func sweepOptions(q url.Values) (ingest.SweepOptions, error) {
	var o ingest.SweepOptions
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			return o, errs.WithPublic(fmt.Errorf("days %q: %w", v, errs.ErrInvalid), "days must be a whole number from 1 to 365")
		}
		o.Days = n
	}
	if v := q.Get("mailbox"); v != "" {
		o.Mailboxes = []string{v}
	}
	o.RetryFailed = q.Get("retryFailed") == "true"
	return o, nil
}

// opsLog is the OpsLog function (GET /api/ops/log?mailbox=M&since=24h&outcome=failed).
func opsLog(in *Ingest) HTTPFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		req := ingest.LogRequest{Mailbox: q.Get("mailbox"), Outcome: q.Get("outcome"), Since: 24 * time.Hour}
		if v := q.Get("since"); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errs.WithPublic(fmt.Errorf("since %q: %w", v, errs.ErrInvalid), "since must be a positive duration such as 24h or 90m")
			}
			req.Since = d
		}
		entries, err := ingest.MailLog(r.Context(), in.Store, time.Now(), req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, "application/json", map[string]any{"entries": entries})
		return nil
	}
}

// opsCheck is the OpsCheck function: GET runs every check, POST with ?sendTest=ADDRESS also
// sends a test mail from each mailbox. 200 when all pass, 503 otherwise.
func opsCheck(in *Ingest) HTTPFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sendTo := ""
		if r.Method == http.MethodPost {
			sendTo = r.URL.Query().Get("sendTest")
		}
		results := in.Checker.Run(r.Context(), sendTo)
		status := http.StatusOK
		for _, c := range results {
			if !c.OK {
				status = http.StatusServiceUnavailable
			}
		}
		writeJSON(w, status, "application/json", map[string]any{"checks": results})
		return nil
	}
}

func jsonResponse(status int, v any) *Response {
	b, _ := json.Marshal(v)
	return &Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: b}
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
