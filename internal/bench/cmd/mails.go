package main

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/sandbox"
)

// The two Cc'd colleagues of the new-ticket mail have Jira accounts, so each becomes a
// watcher (a Jira call each).
var ccPeople = []jiraemu.User{
	{AccountID: "5b10bench0000000000000d01", DisplayName: "Dana Bench", Email: "dana@contoso.example"},
	{AccountID: "5b10bench0000000000000e02", DisplayName: "Erin Bench", Email: "erin@contoso.example"},
}

func addPeople(sb *sandbox.Sandbox) error {
	for _, u := range ccPeople {
		if err := sb.Jira.AddUser(u); err != nil {
			return fmt.Errorf("seed %s: %w", u.Email, err)
		}
	}
	return nil
}

// mailer writes the benchmark's mails from a seeded generator, so every run sends the same
// bytes (the emulators' ids and dates differ).
type mailer struct {
	rng  *rand.Rand
	file []byte // the attachment, 24 KiB of seeded bytes
	n    int
}

func newMailer(seed uint64) *mailer {
	m := &mailer{rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	m.file = make([]byte, 24<<10)
	for i := range m.file {
		m.file[i] = byte(m.rng.UintN(256))
	}
	return m
}

var topics = []string{"the VPN drops every hour", "printer on floor 3 jams", "cannot open the payroll report",
	"laptop battery swells", "access to the finance share", "Teams crashes on start", "new starter needs a badge"}

// newTicket is a new request from sender with two Cc's (both Jira users) and one PDF
// attachment: the mail rows 2, 3 and 4 measure.
func (m *mailer) newTicket(sender string) (id, raw string) {
	m.n++
	id = fmt.Sprintf("<bench-%d-%d@contoso.example>", m.n, m.rng.Uint32())
	topic := topics[m.rng.IntN(len(topics))]
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\nTo: %s\nCc: %s <%s>, %s <%s>\nSubject: Request %d: %s\nMessage-ID: %s\nDate: %s\n",
		sender, sandbox.Mailbox, ccPeople[0].DisplayName, ccPeople[0].Email, ccPeople[1].DisplayName, ccPeople[1].Email,
		m.n, topic, id, time.Now().UTC().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"bench-boundary\"\n\n")
	fmt.Fprintf(&b, "--bench-boundary\nContent-Type: text/plain; charset=utf-8\n\nHello,\n\n%s since this morning (request %d).\nThe log is attached.\n\nThanks\n", topic, m.n)
	b.WriteString("--bench-boundary\nContent-Type: application/pdf; name=\"log.pdf\"\nContent-Disposition: attachment; filename=\"log.pdf\"\nContent-Transfer-Encoding: base64\n\n")
	enc := base64.StdEncoding.EncodeToString(m.file)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\n--bench-boundary--\n")
	return id, b.String()
}

// reply answers the thread of parent: it becomes a comment.
func (m *mailer) reply(sender, parent string) string {
	m.n++
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: RE: the request\nMessage-ID: <bench-reply-%d@contoso.example>\nIn-Reply-To: %s\nReferences: %s\nDate: %s\nContent-Type: text/plain; charset=utf-8\n\nIt happened again just now (%d).\n",
		sender, sandbox.Mailbox, m.n, parent, parent, time.Now().UTC().Format(time.RFC1123Z), m.rng.Uint32())
}

// autoReply is an out-of-office answer: filtered, never a ticket.
func (m *mailer) autoReply() string {
	m.n++
	return fmt.Sprintf("From: Bob Outsider <bob@fabrikam.example>\nTo: %s\nSubject: Automatic reply: away\nMessage-ID: <bench-oof-%d@fabrikam.example>\nAuto-Submitted: auto-replied\nDate: %s\nContent-Type: text/plain; charset=utf-8\n\nI am out of the office until Monday (%d).\n",
		sandbox.Mailbox, m.n, time.Now().UTC().Format(time.RFC1123Z), m.rng.Uint32())
}

// short is a one-line new request (row 1's background work).
func (m *mailer) short(sender string) string {
	m.n++
	return fmt.Sprintf("From: %s\nTo: %s\nSubject: Question %d\nMessage-ID: <bench-q-%d@contoso.example>\nDate: %s\nContent-Type: text/plain; charset=utf-8\n\nA short question (%d).\n",
		sender, sandbox.Mailbox, m.n, m.n, time.Now().UTC().Format(time.RFC1123Z), m.rng.Uint32())
}

// sender picks one of n seeded senders without Jira accounts.
func (m *mailer) sender(n int) string { return customer(m.rng.IntN(n)) }

// customer is sender i, without a Jira account.
func customer(i int) string {
	return fmt.Sprintf("Customer %[1]d <customer%[1]d@fabrikam.example>", i)
}

// deliver puts raw into the sandbox mailbox's inbox.
func deliver(sb *sandbox.Sandbox, raw string) (graphemu.Delivered, error) {
	msg, err := eml.Parse(strings.NewReader(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		return graphemu.Delivered{}, fmt.Errorf("parse bench mail: %w", err)
	}
	return sb.Graph.Deliver(sandbox.Mailbox, msg, graphemu.Delivery{})
}
