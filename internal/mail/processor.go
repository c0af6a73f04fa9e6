package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// Processor turns one queued mail into exactly one outcome: a ticket, a comment, or a
// recorded reason why not.
type Processor struct {
	Config *Config
	Graph  Graph
	Jira   Jira
	Store  Store
	Log    *slog.Logger     // slog.Default() when nil
	Now    func() time.Time // time.Now when nil
}

// Outcome is what Process did with a mail.
type Outcome struct {
	Result
	Class  Class // the classification, when the mail got that far
	Repeat bool  // the ledger had an outcome already; nothing was done
	Busy   bool  // another worker holds the mail; nothing was done
}

// Process fetches the mail ref names and gives it its outcome. A returned error is
// transient (throttling, an unavailable service, a claim held elsewhere): the queue should
// deliver the message again. Permanent failures are recorded as failed and return nil, as
// does a transient failure on the queue's last delivery.
func (p *Processor) Process(ctx context.Context, ref Ref) (out Outcome, err error) {
	start := p.now()
	defer func() { p.logOutcome(ctx, ref, out, err, start) }()
	m, err := p.Graph.Message(ctx, ref.Mailbox, ref.MessageID)
	if err != nil {
		return p.fetchFailed(ctx, ref, err)
	}
	m.Mailbox, m.Folder = ref.Mailbox, ref.Folder
	entry, claim, err := p.Store.BeginMail(ctx, mailRef(m))
	switch {
	case errors.Is(err, errs.ErrConflict):
		return p.busy(ref, err)
	case err != nil:
		return p.failed(ctx, ref, nil, mailRef(m), fmt.Errorf("begin mail: %w", err))
	case claim == nil:
		return Outcome{Result: Result{State: entry.State, Reason: entry.Reason, TicketKey: entry.TicketKey}, Repeat: true}, nil
	}
	stop := claim.KeepAlive(ctx, 0)
	defer stop()
	out, err = p.handle(ctx, m, claim.Recover())
	if err != nil {
		return p.failed(ctx, ref, claim, mailRef(m), err)
	}
	if err := p.Store.FinishMail(ctx, claim, out.Result); err != nil {
		return out, fmt.Errorf("record outcome: %w", err)
	}
	return out, nil
}

// handle classifies and threads the mail and acts on it; recovering says an earlier
// worker held this mail and may have done part of the work.
func (p *Processor) handle(ctx context.Context, m *Message, recovering bool) (Outcome, error) {
	th, facts, err := p.gather(ctx, m)
	if err != nil {
		return Outcome{}, err
	}
	v := Classify(p.Config, m, facts)
	if v.Class != ClassRequest {
		return Outcome{Result: Result{State: stateOf(v.Class), Reason: v.Reason, TicketKey: th.Ticket.Key}, Class: v.Class}, nil
	}
	var res Result
	if th.Known {
		res, err = p.onThread(ctx, m, th, recovering)
	} else {
		res, err = p.create(ctx, m)
	}
	return Outcome{Result: res, Class: v.Class}, err
}

// gather finds the thread and counts the sender's recent tickets concurrently.
func (p *Processor) gather(ctx context.Context, m *Message) (Thread, Facts, error) {
	var (
		th         Thread
		n          int
		terr, cerr error
		wg         sync.WaitGroup
	)
	wg.Go(func() { th, terr = FindThread(ctx, p.Store, m, p.Config.projects()) })
	wg.Go(func() {
		n, cerr = p.Store.TicketsOpenedSince(ctx, m.SenderAddress(), p.now().Add(-time.Hour))
	})
	wg.Wait()
	if err := errors.Join(terr, cerr); err != nil {
		return Thread{}, Facts{}, err
	}
	sent := m.InternetMessageID != "" && slices.Contains(th.Ticket.SentIDs, m.InternetMessageID)
	return th, Facts{KnownThread: th.Known, SentByUs: sent, NewTicketsLastHour: n}, nil
}

// onThread handles a request on a known thread: normally a comment, but when recovering,
// the issue may be the one this very mail created before its worker died.
func (p *Processor) onThread(ctx context.Context, m *Message, th Thread, recovering bool) (Result, error) {
	if recovering {
		is, err := p.Jira.Issue(ctx, th.Ticket.Key)
		switch {
		case errors.Is(err, errs.ErrNotFound):
			return p.recreate(ctx, m, th.Ticket)
		case err != nil:
			return Result{}, fmt.Errorf("read issue %s: %w", th.Ticket.Key, err)
		case is.Origin == m.Key():
			return p.finishCreated(ctx, m, th.Ticket)
		}
	}
	res, err := p.comment(ctx, m, th, recovering)
	if errors.Is(err, errIssueGone) {
		return p.recreate(ctx, m, th.Ticket)
	}
	return res, err
}

// errIssueGone says the thread's issue was deleted in Jira.
var errIssueGone = errors.New("issue deleted in Jira")

// recreate forgets a ticket whose issue was deleted and opens a new one.
func (p *Processor) recreate(ctx context.Context, m *Message, t Ticket) (Result, error) {
	if err := p.Store.ForgetTicket(ctx, t); err != nil && !errors.Is(err, errs.ErrNotFound) {
		return Result{}, fmt.Errorf("forget deleted issue %s: %w", t.Key, err)
	}
	p.log().InfoContext(ctx, "issue deleted in Jira; thread forgotten", "issue", t.Key, "mailbox", t.Mailbox)
	res, err := p.create(ctx, m)
	if err == nil {
		res.Reason += " (" + t.Key + " was deleted in Jira)"
	}
	return res, err
}

func stateOf(c Class) State {
	if c == ClassOwn {
		return StateOwn
	}
	return StateFiltered
}

func mailRef(m *Message) MailRef {
	return MailRef{
		Mailbox: m.Mailbox, InternetMessageID: m.InternetMessageID, GraphID: m.ID,
		ConversationID: m.ConversationID, Sender: m.SenderAddress(), Subject: m.Subject, Received: m.Received,
	}
}

func (p *Processor) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Processor) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}
