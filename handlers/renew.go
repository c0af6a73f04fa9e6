package handlers

import (
	"context"

	"github.com/mail2jira/mail2jira/internal/logging"
)

// renewSubscriptions is the RenewSubscriptions timer.
func renewSubscriptions(in *Ingest) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		rep, err := in.Renewer.Run(ctx)
		logging.From(ctx).Info("subscriptions reconciled", "created", rep.Created, "renewed", rep.Renewed,
			"kept", rep.Kept, "deleted", rep.Deleted, "skipped", rep.Skipped)
		return &Result{}, err
	}
}
