package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

// DefaultRewalk is how often the timer's sweep walks a folder's whole window again instead
// of following its delta link: mail that was enqueued and then lost (a standalone worker
// that died, an output the host failed to write) has no change left for delta to report.
const DefaultRewalk = 3 * time.Hour

// TimerCursor names the cursor of the timer's sweep; manual sweeps over N days use their own.
const TimerCursor = "timer"

// Sweeper walks mailbox folders with Graph delta and enqueues mail without an outcome.
type Sweeper struct {
	Graph        Delta
	Store        Store
	Mailboxes    []string
	LookbackDays int           // the first walk's window
	Budget       time.Duration // default time budget of one run
	ReenqueueAge time.Duration // store.DefaultReenqueueAge when zero
	Rewalk       time.Duration // DefaultRewalk when zero
	PageSize     int
	Log          *slog.Logger
	Now          func() time.Time
}

// SweepOptions tunes one run.
type SweepOptions struct {
	Mailboxes   []string      // all configured mailboxes when empty
	Days        int           // > 0: walk the last Days days with a cursor of its own (sweep --days N)
	RetryFailed bool          // enqueue mail that failed permanently again
	Budget      time.Duration // the Sweeper's Budget when zero
	Classify    bool          // read the ledger entry of mail not enqueued to count done and failed
	// Emit receives each page's messages before the cursor moves past them; nil collects
	// them in the report (the timer returns them as its queue output).
	Emit func(ctx context.Context, msgs []QueueMessage) error
	// Progress is told about every page walked.
	Progress func(Progress)
}

// Progress is one walked page.
type Progress struct {
	Mailbox, Folder string
	Page            int
	Seen, Enqueued  int // on this page
}

// SweepReport is what one run did.
type SweepReport struct {
	Messages []QueueMessage `json:"-"`
	Seen     int            `json:"seen"`
	Enqueued int            `json:"enqueued"`
	Skipped  int            `json:"skipped"`           // not enqueued: done, failed, or waiting
	Done     int            `json:"done,omitempty"`    // with Classify: has a final outcome
	Failed   int            `json:"failed,omitempty"`  // with Classify: failed permanently
	Waiting  int            `json:"waiting,omitempty"` // with Classify: enqueued recently or in progress
	Complete bool           `json:"complete"`          // every folder walked to its end within the budget
}

// errBudget stops a walk when the run's time is up.
var errBudget = errors.New("time budget used up")

// Run sweeps. It returns early, with Complete false, when the budget is used up; the next
// run resumes each folder where this one stopped.
func (s *Sweeper) Run(ctx context.Context, o SweepOptions) (SweepReport, error) {
	rep := SweepReport{Complete: true}
	deadline := s.now().Add(durationOr(o.Budget, durationOr(s.Budget, 4*time.Minute)))
	mailboxes := o.Mailboxes
	if len(mailboxes) == 0 {
		mailboxes = s.Mailboxes
	}
	for _, mb := range mailboxes {
		for _, folder := range Folders {
			err := s.folder(ctx, &folderWalk{opts: o, rep: &rep, deadline: deadline, mailbox: strings.ToLower(mb), folder: folder})
			if errors.Is(err, errBudget) {
				rep.Complete = false
				return rep, nil
			}
			if err != nil {
				rep.Complete = false
				return rep, fmt.Errorf("sweep %s %s: %w", mb, folder, err)
			}
		}
	}
	return rep, nil
}

// folderWalk is one folder's part of a run.
type folderWalk struct {
	opts            SweepOptions
	rep             *SweepReport
	deadline        time.Time
	mailbox, folder string
	page            int
}

func (w *folderWalk) manual() bool { return w.opts.Days > 0 || w.opts.RetryFailed }

func (s *Sweeper) cursorName(o SweepOptions) string {
	if o.Days == 0 && !o.RetryFailed {
		return TimerCursor
	}
	name := fmt.Sprintf("days-%d", max(o.Days, s.LookbackDays))
	if o.RetryFailed {
		name += "-retry"
	}
	return name
}

func (s *Sweeper) window(o SweepOptions) time.Duration {
	return time.Duration(max(o.Days, s.LookbackDays, 1)) * 24 * time.Hour
}

// folder walks one folder from its cursor, saving the cursor after every page.
func (s *Sweeper) folder(ctx context.Context, w *folderWalk) error {
	name := s.cursorName(w.opts)
	cur, err := s.Store.Cursor(ctx, name, w.mailbox, w.folder)
	if errors.Is(err, errs.ErrNotFound) {
		cur, err = store.Cursor{Name: name, Mailbox: w.mailbox, Folder: w.folder}, nil
	}
	if err != nil {
		return fmt.Errorf("read cursor: %w", err)
	}
	if !w.manual() && isDeltaLink(cur.DeltaLink) && s.now().Sub(cur.Started) > durationOr(s.Rewalk, DefaultRewalk) {
		cur.DeltaLink = "" // time to walk the whole window again
	}
	if cur.DeltaLink == "" {
		cur.Started = s.now()
	}
	resynced := false
	for {
		if s.now().After(w.deadline) {
			return errBudget
		}
		req := DeltaRequest{Mailbox: w.mailbox, Folder: w.folder, Link: cur.DeltaLink, Since: cur.Started.Add(-s.window(w.opts)), PageSize: s.PageSize}
		page, err := s.Graph.MessageDelta(ctx, req)
		if errors.Is(err, ErrDeltaExpired) && req.Link != "" && !resynced {
			s.log().InfoContext(ctx, "delta link expired; resyncing the window", "mailbox", w.mailbox, "folder", w.folder)
			cur.DeltaLink, cur.Started, resynced = "", s.now(), true
			continue
		}
		if err != nil {
			return fmt.Errorf("delta: %w", err)
		}
		if err := s.page(ctx, w, page); err != nil {
			return err
		}
		done, err := s.advance(ctx, w, &cur, page)
		if done || err != nil {
			return err
		}
	}
}

// advance saves the cursor past page; done is true when the folder's walk is over (its end,
// or another sweep took the cursor over).
func (s *Sweeper) advance(ctx context.Context, w *folderWalk, cur *store.Cursor, page DeltaPage) (bool, error) {
	if page.NextLink == "" && w.manual() {
		// A manual sweep starts from its window every time; only an interrupted one resumes.
		if err := s.Store.DeleteCursor(ctx, cur.Name, cur.Mailbox, cur.Folder); err != nil && !errors.Is(err, errs.ErrNotFound) {
			return true, fmt.Errorf("clear cursor: %w", err)
		}
		return true, nil
	}
	cur.DeltaLink = page.NextLink
	if cur.DeltaLink == "" {
		cur.DeltaLink = page.DeltaLink
	}
	saved, err := s.Store.PutCursor(ctx, *cur)
	if errors.Is(err, errs.ErrPrecondition) || errors.Is(err, errs.ErrConflict) {
		s.log().InfoContext(ctx, "another sweep moved this cursor; leaving the folder to it", "mailbox", w.mailbox, "folder", w.folder, "cursor", cur.Name)
		return true, nil
	}
	if err != nil {
		return true, fmt.Errorf("save cursor: %w", err)
	}
	*cur = saved
	return page.NextLink == "", nil
}

// page marks and emits one page's messages.
func (s *Sweeper) page(ctx context.Context, w *folderWalk, page DeltaPage) error {
	w.page++
	p := Progress{Mailbox: w.mailbox, Folder: w.folder, Page: w.page}
	var msgs []QueueMessage
	for _, m := range page.Messages {
		if m.Removed || m.ID == "" {
			continue
		}
		p.Seen++
		ref := store.MailRef{Mailbox: w.mailbox, InternetMessageID: m.InternetMessageID, GraphID: m.ID,
			ConversationID: m.ConversationID, Sender: m.From, Subject: m.Subject, Received: m.Received}
		ok, err := s.Store.MarkEnqueued(ctx, ref, store.EnqueueOptions{MinAge: s.ReenqueueAge, RetryFailed: w.opts.RetryFailed})
		if err != nil {
			return fmt.Errorf("mark %s enqueued: %w", m.ID, err)
		}
		if ok {
			msgs = append(msgs, QueueMessage{Mailbox: w.mailbox, Folder: w.folder, MessageID: m.ID, ReceivedAt: m.Received, Source: "sweep"})
			continue
		}
		if err := s.classify(ctx, w, ref); err != nil {
			return err
		}
	}
	p.Enqueued = len(msgs)
	w.rep.Seen += p.Seen
	w.rep.Enqueued += p.Enqueued
	if w.opts.Progress != nil {
		w.opts.Progress(p)
	}
	if len(msgs) == 0 {
		return nil
	}
	if w.opts.Emit == nil {
		w.rep.Messages = append(w.rep.Messages, msgs...)
		return nil
	}
	if err := w.opts.Emit(ctx, msgs); err != nil {
		return fmt.Errorf("deliver %d messages: %w", len(msgs), err)
	}
	return nil
}

// classify counts a mail that was not enqueued.
func (s *Sweeper) classify(ctx context.Context, w *folderWalk, ref store.MailRef) error {
	w.rep.Skipped++
	if !w.opts.Classify {
		return nil
	}
	e, err := s.Store.Mail(ctx, ref)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		w.rep.Waiting++
	case err != nil:
		return fmt.Errorf("read ledger entry: %w", err)
	case e.State == store.StateFailed:
		w.rep.Failed++
	case e.State.Final():
		w.rep.Done++
	default:
		w.rep.Waiting++
	}
	return nil
}

// isDeltaLink tells a round's closing delta link from a next link in the middle of a round:
// Graph puts a $deltatoken in the former and a $skiptoken in the latter.
// https://learn.microsoft.com/en-us/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection
func isDeltaLink(link string) bool {
	return strings.Contains(strings.ToLower(link), "deltatoken")
}

// Housekeep runs the daily retention purge: the lease, never released, lets one run per
// day through across instances.
func (s *Sweeper) Housekeep(ctx context.Context, retention time.Duration) (store.Purged, bool, error) {
	_, err := s.Store.AcquireLease(ctx, "purge", 23*time.Hour)
	var held *store.HeldError
	if errors.As(err, &held) {
		return store.Purged{}, false, nil
	}
	if err != nil {
		return store.Purged{}, false, fmt.Errorf("purge lease: %w", err)
	}
	p, err := s.Store.Purge(ctx, retention)
	if err != nil {
		return p, true, fmt.Errorf("purge: %w", err)
	}
	return p, true, nil
}

func (s *Sweeper) log() *slog.Logger { return logOr(s.Log) }
func (s *Sweeper) now() time.Time    { return nowOr(s.Now)() }
