package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// acknowledge sends the reply-all for a new ticket exactly once. The draft's ids are
// recorded before it is sent, so a worker resuming after a crash finds the draft: still a
// draft means send it, sent means done. A crash between creating the draft and recording
// it leaves an unsent draft behind, never a second sent reply.
func (p *Processor) acknowledge(ctx context.Context, m *Message, t Ticket) error {
	if len(t.SentIDs) > 0 {
		return p.resumeReply(ctx, m.Mailbox, t)
	}
	r, err := BuildReply(p.Config, m, t.Key, t.Summary)
	if err != nil {
		return fmt.Errorf("%w: %w", errs.ErrInvalid, err)
	}
	d, err := p.Graph.CreateReplyAll(ctx, m.Mailbox, m.ID, r)
	if err != nil {
		return fmt.Errorf("create reply draft: %w", err)
	}
	sent := MailRef{
		Mailbox: m.Mailbox, InternetMessageID: d.InternetMessageID, GraphID: d.ID,
		ConversationID: d.ConversationID, Sender: normAddr(m.Mailbox), Subject: r.Subject, Received: p.now(),
	}
	if _, err := p.Store.RecordSent(ctx, t, sent); err != nil {
		return fmt.Errorf("record reply draft: %w", err)
	}
	if err := p.Graph.Send(ctx, m.Mailbox, d.ID); err != nil {
		return fmt.Errorf("send reply: %w", err)
	}
	return nil
}

// resumeReply finishes the acknowledgement an earlier attempt recorded: the first mail the
// service sends on a thread is always its acknowledgement.
func (p *Processor) resumeReply(ctx context.Context, mailbox string, t Ticket) error {
	e, err := p.Store.MailByMessageID(ctx, t.SentIDs[0])
	if err != nil {
		return fmt.Errorf("find recorded reply: %w", err)
	}
	d, err := p.Graph.Draft(ctx, mailbox, e.GraphID)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		p.log().WarnContext(ctx, "recorded reply draft is gone; not sending another", "issue", t.Key)
		return nil
	case err != nil:
		return fmt.Errorf("read reply draft: %w", err)
	case !d.IsDraft:
		return nil
	}
	if err := p.Graph.Send(ctx, mailbox, d.ID); err != nil {
		return fmt.Errorf("send reply: %w", err)
	}
	return nil
}
