package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// send mails the comment: reply-all on the thread's last message, or a new mail to the
// reporter of a ticket that has no thread (made through the API).
func (r *Relayer) send(ctx context.Context, key string, is Issue, c Comment, t Ticket, recovering bool) (Outcome, error) {
	if recovering {
		if out, done, err := r.resume(ctx, key); done || err != nil {
			return out, err
		}
	}
	m, err := r.compose(ctx, is, c, t)
	if err != nil {
		return Outcome{}, err
	}
	if t.Mailbox != "" && t.LastMessageID != "" {
		return r.replyAll(ctx, key, t, m)
	}
	if t.Reporter == "" {
		return Outcome{Skipped, "the ticket has neither a mail thread nor a reporter address"}, nil
	}
	return r.newMail(ctx, key, is, t, m)
}

// replyAll records the draft before sending it, so a worker that takes over finds it
// (resume) instead of sending a second mail.
func (r *Relayer) replyAll(ctx context.Context, key string, t Ticket, m Mail) (Outcome, error) {
	d, err := r.o.Mailer.CreateReplyAll(ctx, t.Mailbox, t.LastMessageID, mail.Reply{Subject: m.Subject, HTML: m.HTML, Headers: m.Headers}, m.Files)
	if errors.Is(err, errs.ErrNotFound) {
		return Outcome{Skipped, "the thread's last message is gone from " + t.Mailbox}, nil
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("create reply-all draft: %w", err)
	}
	sent := mail.MailRef{Mailbox: t.Mailbox, InternetMessageID: d.InternetMessageID, GraphID: d.ID,
		ConversationID: d.ConversationID, Sender: t.Mailbox, Subject: m.Subject, Received: r.o.Now()}
	if err := r.o.Store.RecordSent(ctx, t.Key, sent); err != nil {
		return Outcome{}, fmt.Errorf("record relay draft: %w", err)
	}
	if err := r.o.Store.PutMarker(ctx, key, Marker{Mailbox: t.Mailbox, DraftID: d.ID}); err != nil {
		return Outcome{}, fmt.Errorf("note relay draft: %w", err)
	}
	if err := r.o.Mailer.Send(ctx, t.Mailbox, d.ID); err != nil {
		return Outcome{}, fmt.Errorf("send relay draft: %w", err)
	}
	return Outcome{Relayed, "replied to all on the thread in " + t.Mailbox}, nil
}

// newMail writes to the reporter of a ticket without a thread. Graph's sendMail returns
// no ids, so the marker is noted first and a worker that takes over does not send again
// (at most once); the key in the subject and the reporter's address thread the answer
// back (mail.FindThread's subject rule).
func (r *Relayer) newMail(ctx context.Context, key string, is Issue, t Ticket, m Mail) (Outcome, error) {
	from := r.o.Mailboxes[is.ProjectKey]
	if from == "" {
		from = r.o.DefaultMailbox
	}
	if from == "" {
		return Outcome{Skipped, "no mailbox is configured to write to the reporter"}, nil
	}
	if err := r.o.Store.PutMarker(ctx, key, Marker{Mailbox: from, NewMail: true}); err != nil {
		return Outcome{}, fmt.Errorf("note relay mail: %w", err)
	}
	m.Subject = strings.TrimPrefix(m.Subject, "RE: ") // a new mail answers nothing yet
	start := r.o.Now()
	err := r.o.Mailer.SendMail(ctx, from, NewMail{Subject: m.Subject, HTML: m.HTML,
		To: []mail.Address{{Address: t.Reporter}}, Headers: m.Headers, Files: m.Files})
	if err != nil {
		return Outcome{}, fmt.Errorf("send relay mail: %w", err)
	}
	reason := "new mail from " + from + " to the reporter"
	if n := r.recordCopy(ctx, t.Key, from, m.Subject, start); n == 0 {
		reason += " (its copy was not found in Sent Items; the answer threads by the key in the subject)"
	}
	return Outcome{Relayed, reason}, nil
}

// sentSkew allows for clocks: Sent Items are filtered by Exchange's time, not ours.
const sentSkew = time.Minute

// recordCopy finds the new mail's copy in Sent Items (sendMail returns no ids) and records
// its ids on the ticket, so the reporter's answer threads back by In-Reply-To as well as by
// the key in the subject. It is best effort: the mail is sent either way, so a failure is
// logged, not returned. It reports how many copies it recorded.
func (r *Relayer) recordCopy(ctx context.Context, key, mailbox, subject string, since time.Time) int {
	refs, err := r.o.Mailer.SentSince(ctx, mailbox, since.Add(-sentSkew))
	if err != nil {
		r.o.Log.WarnContext(ctx, "look for the relayed mail in Sent Items", "issue", key, "err", err)
		return 0
	}
	n := 0
	for _, ref := range refs {
		if ref.Subject != subject || ref.InternetMessageID == "" {
			continue
		}
		ref.Mailbox, ref.Sender = mailbox, mailbox
		if err := r.o.Store.RecordSent(ctx, key, ref); err != nil {
			r.o.Log.WarnContext(ctx, "record the relayed mail", "issue", key, "err", err)
			continue
		}
		n++
	}
	return n
}

// resume finishes what an earlier holder of the claim noted: a recorded draft is sent
// when it still is a draft; a new mail it was about to send is not sent again.
func (r *Relayer) resume(ctx context.Context, key string) (Outcome, bool, error) {
	mk, ok, err := r.o.Store.Marker(ctx, key)
	if err != nil {
		return Outcome{}, false, fmt.Errorf("read relay marker: %w", err)
	}
	switch {
	case !ok:
		return Outcome{}, false, nil
	case mk.NewMail:
		return Outcome{Relayed, "an earlier attempt sent (or tried to send) the mail from " + mk.Mailbox + "; not sent twice"}, true, nil
	}
	d, err := r.o.Mailer.Draft(ctx, mk.Mailbox, mk.DraftID)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return Outcome{Skipped, "the recorded draft was deleted; not sending another"}, true, nil
	case err != nil:
		return Outcome{}, false, fmt.Errorf("read relay draft: %w", err)
	case !d.IsDraft:
		return Outcome{Relayed, "an earlier attempt sent the reply"}, true, nil
	}
	if err := r.o.Mailer.Send(ctx, mk.Mailbox, d.ID); err != nil {
		return Outcome{}, false, fmt.Errorf("send relay draft: %w", err)
	}
	return Outcome{Relayed, "sent the draft an earlier attempt recorded"}, true, nil
}
