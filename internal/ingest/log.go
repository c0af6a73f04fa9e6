package ingest

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

// Outcomes `log --outcome` accepts.
var Outcomes = []string{"created", "commented", "filtered", "own", "duplicate", "failed", "enqueued", "processing", "retry"}

// LogRequest selects what `log` shows.
type LogRequest struct {
	Mailbox string
	Since   time.Duration // how far back
	Outcome string        // one of Outcomes, or "" for all
}

// LogEntry is one mail in `log`'s answer.
type LogEntry struct {
	Updated  time.Time `json:"updated"`
	Mailbox  string    `json:"mailbox"`
	State    string    `json:"state"`
	Ticket   string    `json:"ticket,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Sender   string    `json:"sender,omitempty"`
	Subject  string    `json:"subject,omitempty"`
	Received time.Time `json:"received"`
	Attempts int       `json:"attempts,omitempty"`
}

// MailLog answers "why did my mail not become a ticket?" from the ledger.
func MailLog(ctx context.Context, st Store, now time.Time, r LogRequest) ([]LogEntry, error) {
	q := store.LogQuery{Since: now.Add(-r.Since), Mailbox: strings.ToLower(r.Mailbox)}
	if r.Outcome != "" {
		ok := false
		for _, o := range Outcomes {
			ok = ok || o == r.Outcome
		}
		if !ok {
			return nil, errs.WithPublic(fmt.Errorf("outcome %q: %w", r.Outcome, errs.ErrInvalid), "outcome must be one of %s", strings.Join(Outcomes, ", "))
		}
		q.States = []store.State{store.State(r.Outcome)}
	}
	entries, err := st.MailLog(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("read the ledger: %w", err)
	}
	out := make([]LogEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, LogEntry{Updated: e.Updated, Mailbox: e.Mailbox, State: string(e.State), Ticket: e.TicketKey,
			Reason: e.Reason, Sender: e.Sender, Subject: e.Subject, Received: e.Received, Attempts: e.Attempts})
	}
	return out, nil
}

// PrintLog writes entries as a table, newest first.
func PrintLog(w io.Writer, entries []LogEntry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UPDATED\tMAILBOX\tOUTCOME\tTICKET\tFROM\tSUBJECT\tWHY")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Updated.UTC().Format("2006-01-02 15:04:05"), e.Mailbox, e.State,
			dash(e.Ticket), dash(e.Sender), dash(clip(e.Subject, 50)), dash(clip(e.Reason, 120)))
	}
	if len(entries) == 0 {
		fmt.Fprintln(tw, "(no mail in this period)")
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
