package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// create opens a ticket for a mail that starts a thread: claim the conversation, find the
// issue a dead predecessor may have created (marker label) or create it, record it, then
// attachments, watchers and the acknowledgement.
func (p *Processor) create(ctx context.Context, m *Message) (Result, error) {
	route, ok := p.Config.route(m.Mailbox)
	if !ok {
		return Result{}, fmt.Errorf("%w: no board route for mailbox %s", errs.ErrInvalid, m.Mailbox)
	}
	conv := conversation(m)
	existing, claim, err := p.Store.ClaimConversation(ctx, m.Mailbox, conv)
	if err != nil {
		return Result{}, fmt.Errorf("claim conversation: %w", err)
	}
	if claim == nil { // another mail of the thread won the race
		return p.comment(ctx, m, Thread{Ticket: existing, Known: true, Via: "conversation"}, false)
	}
	stop := claim.KeepAlive(ctx, 0)
	defer stop()
	nt, issue, err := p.createIssue(ctx, m, route, claim.Recover())
	if err != nil {
		p.releaseUnlessAmbiguous(ctx, claim, err)
		return Result{}, err
	}
	t := Ticket{
		Mailbox: m.Mailbox, ConversationID: conv, Key: issue.Key, Reporter: m.SenderAddress(),
		Summary: nt.Issue.Summary, LastMessageID: m.ID, LastInternetMessageID: m.InternetMessageID,
		Participants: participants(p.Config, m),
	}
	if t, err = p.Store.CompleteTicket(ctx, claim, t); err != nil {
		return Result{}, fmt.Errorf("record ticket %s: %w", issue.Key, err)
	}
	if issue.Origin != "" && issue.Origin != m.Key() {
		// The marker search found the issue an earlier mail of this thread created: that
		// mail's own retry acknowledges it, and this one is a comment.
		return p.comment(ctx, m, Thread{Ticket: t, Known: true, Via: "conversation"}, false)
	}
	return p.afterCreate(ctx, m, t, nt, nil)
}

// createIssue looks up the people and the reporter permission (and, when recovering, the
// marker label) concurrently, then creates the issue unless the search found it.
func (p *Processor) createIssue(ctx context.Context, m *Message, route Route, recovering bool) (NewTicket, Issue, error) {
	var (
		people      People
		canReporter bool
		found       []Issue
		errc        [3]error
		wg          sync.WaitGroup
	)
	wg.Go(func() { people, errc[0] = lookupPeople(ctx, p.Jira, mailAddresses(m)) })
	wg.Go(func() { canReporter, errc[1] = p.Jira.CanSetReporter(ctx, route.ProjectKey) })
	if recovering {
		wg.Go(func() { found, errc[2] = p.Jira.SearchLabel(ctx, MarkerLabel(m.Mailbox, conversation(m))) })
	}
	wg.Wait()
	if err := errors.Join(errc[:]...); err != nil {
		return NewTicket{}, Issue{}, &prepareError{err}
	}
	nt := BuildTicket(p.Config, m, route, people, canReporter)
	if len(found) > 0 {
		p.log().InfoContext(ctx, "found the issue a previous attempt created", "issue", found[0].Key, "mailbox", m.Mailbox)
		return nt, found[0], nil
	}
	issue, err := p.Jira.CreateIssue(ctx, nt.Issue)
	if errors.Is(err, errs.ErrInvalid) && nt.Issue.Reporter != "" {
		// Jira refused the reporter although the permission check passed (e.g. the account
		// is inactive). A 400 created nothing, so asking again without it is safe.
		p.log().WarnContext(ctx, "reporter refused; creating without it", "err", err)
		nt.Issue.Reporter = ""
		issue, err = p.Jira.CreateIssue(ctx, nt.Issue)
	}
	if err != nil {
		return nt, Issue{}, fmt.Errorf("create issue: %w", err)
	}
	return nt, issue, nil
}

// releaseUnlessAmbiguous lets go of the conversation after a failure that surely created
// nothing (a refusal, throttling). After a timeout or a 5xx the issue may exist, and Jira's
// search may not show it for a while: the claim is kept until its lease ends, so the next
// holder's marker search comes late enough to see it.
func (p *Processor) releaseUnlessAmbiguous(ctx context.Context, c Claim, err error) {
	var prep *prepareError
	if Transient(err) && !errors.As(err, &prep) && !errors.Is(err, errs.ErrThrottled) && !errors.Is(err, errs.ErrConflict) {
		p.log().WarnContext(ctx, "issue creation ambiguous; conversation stays claimed until its lease ends", "err", err)
		return
	}
	if rerr := c.Release(context.WithoutCancel(ctx), err.Error()); rerr != nil {
		p.log().WarnContext(ctx, "release conversation", "err", rerr)
	}
}

// prepareError is a failure before any create was attempted.
type prepareError struct{ err error }

// Error says what failed while preparing.
func (e *prepareError) Error() string { return "prepare issue: " + e.err.Error() }

// Unwrap exposes the sentinel of the failed lookup.
func (e *prepareError) Unwrap() error { return e.err }

// finishCreated resumes a mail that created its issue before its worker died: the
// attachments, watchers and acknowledgement that may be missing.
func (p *Processor) finishCreated(ctx context.Context, m *Message, t Ticket) (Result, error) {
	route, _ := p.Config.route(m.Mailbox)
	var (
		people People
		done   []JiraAttachment
		errc   [2]error
		wg     sync.WaitGroup
	)
	wg.Go(func() { people, errc[0] = lookupPeople(ctx, p.Jira, mailAddresses(m)) })
	wg.Go(func() { done, errc[1] = p.Jira.Attachments(ctx, t.Key) })
	wg.Wait()
	if err := errors.Join(errc[:]...); err != nil {
		return Result{}, fmt.Errorf("resume %s: %w", t.Key, err)
	}
	nt := BuildTicket(p.Config, m, route, people, false)
	return p.afterCreate(ctx, m, t, nt, done)
}

// afterCreate uploads the files, adds the watchers and sends the acknowledgement, all at
// once. done are files an earlier attempt uploaded.
func (p *Processor) afterCreate(ctx context.Context, m *Message, t Ticket, nt NewTicket, done []JiraAttachment) (Result, error) {
	ups := nt.Plan.Uploads
	if done != nil {
		ups = withoutDone(ups, done)
	}
	var errc [3]error
	var wg sync.WaitGroup
	wg.Go(func() {
		u := &uploader{graph: p.Graph, jira: p.Jira, mailbox: m.Mailbox, msgID: m.ID, key: t.Key, existing: done, log: p.log()}
		_, errc[0] = u.run(ctx, ups)
	})
	wg.Go(func() { errc[1] = p.addWatchers(ctx, t.Key, nt.Watchers) })
	wg.Go(func() { errc[2] = p.acknowledge(ctx, m, t) })
	wg.Wait()
	res := Result{State: StateCreated, Reason: "new ticket", TicketKey: t.Key}
	if err := errors.Join(errc[0], errc[1]); err != nil {
		return res, err
	}
	if err := errc[2]; err != nil {
		if Transient(err) {
			return res, err
		}
		res.Reason += "; acknowledgement not sent: " + err.Error()
	}
	return res, nil
}

func withoutDone(ups []Upload, done []JiraAttachment) []Upload {
	var out []Upload
	for _, u := range ups {
		if !hasFile(done, u.Filename) {
			out = append(out, u)
		}
	}
	return out
}

// addWatchers adds each watcher; without "Manage watchers" they are skipped with a log line.
func (p *Processor) addWatchers(ctx context.Context, key string, ids []string) error {
	errc := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			err := p.Jira.AddWatcher(ctx, key, id)
			if errors.Is(err, errs.ErrForbidden) || errors.Is(err, errs.ErrNotFound) || errors.Is(err, errs.ErrInvalid) {
				p.log().WarnContext(ctx, "watcher skipped", "issue", key, "account", id, "err", err)
				err = nil
			}
			errc[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errc...); err != nil {
		return fmt.Errorf("add watchers to %s: %w", key, err)
	}
	return nil
}

// conversation is the thread's id: Graph's conversationId, or the mail itself when Graph
// gave none.
func conversation(m *Message) string {
	if m.ConversationID != "" {
		return m.ConversationID
	}
	return m.Key()
}

// participants are the addresses a mail involves (From, To, Cc), without the mailboxes.
func participants(cfg *Config, m *Message) []string {
	var out []string
	for _, a := range append(addrs([]Address{m.From, m.Sender}), append(addrs(m.To), addrs(m.Cc)...)...) {
		if !cfg.isMailbox(a) && !containsFold(out, a) {
			out = append(out, a)
		}
	}
	return out
}
