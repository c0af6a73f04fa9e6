package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// comment adds a reply on a known thread to its ticket: files first (the comment links the
// inline images it shows), then the comment and the new watchers at once, then the
// thread's last message and participants. When recovering, a comment an earlier attempt
// added is found by its origin and not added again. errIssueGone means the issue was
// deleted in Jira.
func (p *Processor) comment(ctx context.Context, m *Message, th Thread, recovering bool) (Result, error) {
	key := th.Ticket.Key
	res := Result{State: StateCommented, Reason: "reply on " + key + " (by " + th.Via + ")", TicketKey: key}
	people, existing, err := p.commentInputs(ctx, m, key)
	if err != nil {
		return Result{}, err
	}
	var done []JiraAttachment
	if recovering {
		done = existing
		if _, err := p.Jira.CommentByOrigin(ctx, key, m.Key()); err == nil {
			nc := BuildComment(p.Config, m, th.Ticket, people, AttachmentPlan{}, nil)
			return res, p.commentDone(ctx, m, th.Ticket, nc.Watchers)
		} else if !errors.Is(err, errs.ErrNotFound) {
			return Result{}, fmt.Errorf("look for earlier comment on %s: %w", key, err)
		}
	}
	plan := planAttachments(m, shownImages(commentBody(m), true), done, p.Config.maxAttachment())
	u := &uploader{graph: p.Graph, jira: p.Jira, mailbox: m.Mailbox, msgID: m.ID, key: key, existing: existing, log: p.log()}
	images, err := u.run(ctx, plan.Uploads)
	if err != nil {
		return Result{}, gone(err)
	}
	nc := BuildComment(p.Config, m, th.Ticket, people, plan, images)
	if nc.Truncated && !hasFile(done, FullMailName) {
		if _, err := u.run(ctx, []Upload{{Filename: FullMailName, FullMail: true}}); err != nil {
			return Result{}, gone(err)
		}
	}
	var errc [2]error
	var wg sync.WaitGroup
	wg.Go(func() { _, errc[0] = p.Jira.AddComment(ctx, key, nc.Comment) })
	wg.Go(func() { errc[1] = p.addWatchers(ctx, key, nc.Watchers) })
	wg.Wait()
	if err := errors.Join(errc[:]...); err != nil {
		return Result{}, gone(fmt.Errorf("comment on %s: %w", key, err))
	}
	return res, p.commentDone(ctx, m, th.Ticket, nil)
}

// commentInputs looks up the people and the issue's attachments concurrently; the
// attachment list also tells whether the issue still exists.
func (p *Processor) commentInputs(ctx context.Context, m *Message, key string) (People, []JiraAttachment, error) {
	var (
		people   People
		existing []JiraAttachment
		errc     [2]error
		wg       sync.WaitGroup
	)
	wg.Go(func() { people, errc[0] = lookupPeople(ctx, p.Jira, mailAddresses(m)) })
	wg.Go(func() { existing, errc[1] = p.Jira.Attachments(ctx, key) })
	wg.Wait()
	if err := errors.Join(errc[:]...); err != nil {
		return nil, nil, gone(fmt.Errorf("prepare comment on %s: %w", key, err))
	}
	return people, existing, nil
}

// commentDone adds watchers a crashed attempt may have missed and records the mail as the
// thread's latest, with its people as participants.
func (p *Processor) commentDone(ctx context.Context, m *Message, t Ticket, watchers []string) error {
	if err := p.addWatchers(ctx, t.Key, watchers); err != nil {
		return err
	}
	_, err := p.Store.ModifyTicket(ctx, t.Mailbox, t.ConversationID, func(cur *Ticket) error {
		cur.LastMessageID, cur.LastInternetMessageID = m.ID, m.InternetMessageID
		for _, a := range participants(p.Config, m) {
			if !containsFold(cur.Participants, a) {
				cur.Participants = append(cur.Participants, a)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errs.ErrNotFound) {
		return fmt.Errorf("update thread of %s: %w", t.Key, err)
	}
	return nil
}

// gone turns Jira's "not found" for the thread's issue into errIssueGone.
func gone(err error) error {
	if errors.Is(err, errs.ErrNotFound) {
		return fmt.Errorf("%w: %w", errIssueGone, err)
	}
	return err
}
