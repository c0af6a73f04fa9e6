// Package cli holds the operator's subcommands (sweep, subscriptions, check, log). They run
// the same code as the functions, from an operator's machine against the deployed resources
// or locally, and each has --help.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/ingest"
)

// Deps are what the subcommands run on.
type Deps struct {
	Sweeper *ingest.Sweeper
	Renewer *ingest.Renewer
	Checker *ingest.Checker
	Store   ingest.Store
	// Deliver receives the mail a sweep finds (enqueue it, or process it in this process).
	Deliver func(ctx context.Context, msgs []ingest.QueueMessage) error
	Now     func() time.Time // time.Now when nil
}

// Commands are the subcommands Run knows, with one line each for the program's usage.
var Commands = []struct{ Name, Summary string }{
	{"sweep", "find mail that has no outcome and hand it to processing (was check-for-missing-tickets)"},
	{"subscriptions", "list, ensure or delete the Graph subscriptions"},
	{"check", "verify settings, Graph and Jira permissions, storage and the certificate"},
	{"log", "what happened to each mail and why, from the ledger"},
}

// IsCommand reports whether name is one of Commands.
func IsCommand(name string) bool {
	return slices.ContainsFunc(Commands, func(c struct{ Name, Summary string }) bool { return c.Name == name })
}

// Run runs subcommand cmd with its arguments (after the subcommand's name). --help prints
// the subcommand's usage and returns nil.
func Run(ctx context.Context, cmd string, args []string, d Deps, stdout, stderr io.Writer) error {
	var run func(context.Context, []string, Deps, io.Writer, io.Writer) error
	switch cmd {
	case "sweep":
		run = sweep
	case "subscriptions":
		run = subscriptions
	case "check":
		run = check
	case "log":
		run = mailLog
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	err := run(ctx, args, d, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// flags builds a subcommand's flag set whose --help prints usage and the flags.
func flags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%s: unexpected arguments %s", fs.Name(), strings.Join(fs.Args(), " "))
	}
	return nil
}

const sweepUsage = `Usage: mail2jira sweep [--mailbox M] [--days N] [--retry-failed]

Walks each mailbox's inbox and sent items and hands every mail the ledger has no outcome for
(and did not enqueue within the last hour) to processing. Without --days it continues the
timer's sweep; with --days N it walks the last N days with a cursor of its own, and resumes
where an interrupted run of the same command stopped.

`

func sweep(ctx context.Context, args []string, d Deps, stdout, stderr io.Writer) error {
	fs := flags("sweep", sweepUsage, stderr)
	mailbox := fs.String("mailbox", "", "only this configured mailbox")
	days := fs.Int("days", 0, "walk the last `N` days (1-365)")
	retry := fs.Bool("retry-failed", false, "also hand over mail that failed permanently")
	budget := fs.Duration("budget", time.Hour, "stop after this long; run again to resume")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *days < 0 || *days > 365 {
		return fmt.Errorf("sweep: --days must be from 1 to 365")
	}
	if d.Sweeper == nil || d.Deliver == nil {
		return errors.New("sweep: not available in this build (no Graph or delivery configured)")
	}
	o := ingest.SweepOptions{Days: *days, RetryFailed: *retry, Budget: *budget, Classify: true, Emit: d.Deliver,
		Progress: func(p ingest.Progress) {
			fmt.Fprintf(stdout, "%s %s page %d: %d seen, %d enqueued\n", p.Mailbox, p.Folder, p.Page, p.Seen, p.Enqueued)
		}}
	if *mailbox != "" {
		if !slices.ContainsFunc(d.Sweeper.Mailboxes, func(m string) bool { return strings.EqualFold(m, *mailbox) }) {
			return fmt.Errorf("sweep: %s is not a configured mailbox (MAILBOX)", *mailbox)
		}
		o.Mailboxes = []string{*mailbox}
	}
	rep, err := d.Sweeper.Run(ctx, o)
	fmt.Fprintf(stdout, "seen %d, already done %d, enqueued %d, failed %d, waiting %d\n", rep.Seen, rep.Done, rep.Enqueued, rep.Failed, rep.Waiting)
	if err == nil && !rep.Complete {
		fmt.Fprintln(stdout, "stopped at the time budget: run the same command again to continue")
	}
	return err
}

const subscriptionsUsage = `Usage: mail2jira subscriptions [list|ensure|delete]

list    the stored subscriptions and the live ones pointing at this deployment (default)
ensure  one renewal run: create, renew, recreate and reconcile, as the timer does
delete  delete every subscription pointing at this deployment (e.g. before decommissioning)

`

func subscriptions(ctx context.Context, args []string, d Deps, stdout, stderr io.Writer) error {
	fs := flags("subscriptions", subscriptionsUsage, stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if d.Renewer == nil {
		return errors.New("subscriptions: not available in this build (no Graph configured)")
	}
	action := "list"
	if fs.NArg() > 0 {
		action = fs.Arg(0)
	}
	switch action {
	case "list":
		list, err := d.Renewer.List(ctx)
		for _, s := range list {
			fmt.Fprintf(stdout, "%-32s %-10s %-38s expires %s  %s  in Graph: %v\n", s.Mailbox, s.Folder, s.ID, s.Expires, s.Status, s.InGraph)
		}
		return err
	case "ensure":
		rep, err := d.Renewer.Ensure(ctx)
		fmt.Fprintf(stdout, "created %d, renewed %d, kept %d, deleted %d %s\n", rep.Created, rep.Renewed, rep.Kept, rep.Deleted, rep.Skipped)
		return err
	case "delete":
		n, err := d.Renewer.DeleteAll(ctx)
		fmt.Fprintf(stdout, "deleted %d subscriptions\n", n)
		return err
	}
	fs.Usage()
	return fmt.Errorf("subscriptions: unknown action %q", action)
}

const checkUsage = `Usage: mail2jira check [--send-test ADDRESS]

Verifies the deployment and prints one PASS or FAIL line per check, with the fix under each
failure: storage, the Graph token's roles, reading each mailbox's inbox, (with --send-test)
sending as each mailbox, each board's project and the Jira permissions there, and the days
left on a client certificate. Settings were validated when the command started.

`

func check(ctx context.Context, args []string, d Deps, stdout, stderr io.Writer) error {
	fs := flags("check", checkUsage, stderr)
	sendTo := fs.String("send-test", "", "send a test mail from each mailbox to `ADDRESS`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if d.Checker == nil {
		return errors.New("check: not available in this build")
	}
	fmt.Fprintln(stdout, "PASS  settings")
	results := d.Checker.Run(ctx, *sendTo)
	if !ingest.PrintChecks(stdout, results) {
		failed := 0
		for _, r := range results {
			if !r.OK {
				failed++
			}
		}
		return fmt.Errorf("check: %d of %d checks failed", failed, len(results)+1)
	}
	return nil
}

const logUsage = `Usage: mail2jira log [--mailbox M] [--since 24h] [--outcome created|commented|filtered|own|failed]

What happened to each mail and why, newest first, from the ledger: the answer to "why did my
mail not become a ticket?".

`

func mailLog(ctx context.Context, args []string, d Deps, stdout, stderr io.Writer) error {
	fs := flags("log", logUsage, stderr)
	var r ingest.LogRequest
	fs.StringVar(&r.Mailbox, "mailbox", "", "only this mailbox")
	fs.DurationVar(&r.Since, "since", 24*time.Hour, "how far back")
	fs.StringVar(&r.Outcome, "outcome", "", "only this outcome ("+strings.Join(ingest.Outcomes, ", ")+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	if d.Store == nil {
		return errors.New("log: no storage configured")
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	entries, err := ingest.MailLog(ctx, d.Store, now(), r)
	if err != nil {
		return fmt.Errorf("log: %w", err)
	}
	return ingest.PrintLog(stdout, entries)
}
