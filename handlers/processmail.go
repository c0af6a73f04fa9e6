package handlers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// MailProcessor turns one queued mail into exactly one outcome (mail.Processor).
type MailProcessor interface {
	Process(ctx context.Context, ref mail.Ref) (mail.Outcome, error)
}

// processMail is the queue-triggered ProcessMail function. A transient failure is returned so
// the queue redelivers the message; the processor itself records permanent failures, and a
// failure on the last of maxDequeue attempts, in the ledger.
func processMail(p MailProcessor, maxDequeue int) InvokeFunc {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		var ref mail.Ref
		if err := json.Unmarshal(inv.Message, &ref); err != nil || ref.Mailbox == "" || ref.MessageID == "" {
			// Kept, not dropped: after maxDequeue attempts the host parks it in the poison queue.
			return nil, fmt.Errorf("queue message %.200s is not a mail reference {mailbox, folder, messageId}: %w", inv.Message, errs.ErrInvalid)
		}
		ref.DequeueCount, ref.MaxDequeue = inv.DequeueCount, maxDequeue
		_, err := p.Process(ctx, ref)
		return nil, err
	}
}
