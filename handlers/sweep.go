package handlers

import (
	"context"
	"time"

	"github.com/mail2jira/mail2jira/internal/ingest"
	"github.com/mail2jira/mail2jira/internal/logging"
)

// sweep is the Sweep timer: the timer's sweep of every mailbox, its messages on the queue
// output, then the daily retention purge.
func sweep(in *Ingest) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		log := logging.From(ctx)
		rep, err := in.Sweeper.Run(ctx, ingest.SweepOptions{})
		log.Info("sweep", "seen", rep.Seen, "enqueued", rep.Enqueued, "skipped", rep.Skipped, "complete", rep.Complete)
		raw, eerr := ingest.Encode(rep.Messages)
		if eerr != nil {
			return nil, eerr
		}
		if err != nil {
			// Deliver what was marked enqueued before failing; the error is logged, not
			// returned, since a failed invocation would drop these outputs.
			log.Error("sweep stopped; the next run resumes", "err", err)
			return &Result{Messages: raw}, nil
		}
		if p, ran, perr := in.Sweeper.Housekeep(ctx, time.Duration(in.RetentionDays)*24*time.Hour); perr != nil {
			log.Error("retention purge", "err", perr)
		} else if ran {
			log.Info("retention purge", "ledger", p.Ledger, "deliveries", p.Deliveries, "cache", p.Cache)
		}
		if in.AfterSweep != nil {
			if err := in.AfterSweep(ctx); err != nil {
				log.Error("after-sweep work failed; the next sweep retries", "err", err)
			}
		}
		return &Result{Messages: raw}, nil
	}
}

// ingestInvoke and ingestServe build an ingestion function, or its 501 stand-in while
// ingestion is not wired.
func ingestInvoke(in *Ingest, f func(*Ingest) InvokeFunc) InvokeFunc {
	return orPending(in != nil, func() InvokeFunc { return f(in) }, "issue 5 (mail ingestion)")
}

func ingestServe(in *Ingest, f func(*Ingest) HTTPFunc) HTTPFunc {
	if in == nil {
		return pendingServe("issue 5 (mail ingestion)")
	}
	return f(in)
}
