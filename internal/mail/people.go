package mail

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// People are the Jira accounts of a mail's From, Cc and Bcc addresses, by lower-case
// address; an address without an account is absent.
type People map[string]User

// lookupPeople resolves every address concurrently. A missing or hidden account is no
// error; any other failure is.
func lookupPeople(ctx context.Context, j Jira, addresses []string) (People, error) {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		out = People{}
		bad []error
	)
	for _, a := range unique(addresses) {
		wg.Go(func() {
			u, err := j.UserByEmail(ctx, a)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil && u.AccountID != "":
				out[a] = u
			case err != nil && !errors.Is(err, errs.ErrNotFound):
				bad = append(bad, fmt.Errorf("look up Jira account of %s: %w", a, err))
			}
		})
	}
	wg.Wait()
	return out, errors.Join(bad...)
}

// persons turns addresses into From:/Cc: line entries.
func (p People) persons(list []Address) []adf.Person {
	var out []adf.Person
	for _, a := range list {
		addr := normAddr(a.Address)
		if addr == "" {
			continue
		}
		person := adf.Person{DisplayName: a.Name, Email: addr}
		if u, ok := p[addr]; ok {
			person.AccountID, person.DisplayName = u.AccountID, u.DisplayName
		}
		out = append(out, person)
	}
	return out
}

// headerLines are the From: and Cc: paragraphs of a description or comment.
func headerLines(p People, m *Message) []*adf.Node {
	from := m.From
	if from.Address == "" {
		from = m.Sender
	}
	lines := []*adf.Node{adf.PeopleLine("From", p.persons([]Address{from}))}
	if cc := p.persons(m.Cc); len(cc) > 0 {
		lines = append(lines, adf.PeopleLine("Cc", cc))
	}
	return lines
}

// watchers are the accounts of Cc and Bcc recipients, except the configured mailboxes
// and those in skip (the reporter, existing participants).
func watchers(cfg *Config, p People, m *Message, skip ...string) []string {
	var ids []string
	for _, a := range append(addrs(m.Cc), addrs(m.Bcc)...) {
		u, ok := p[a]
		if !ok || cfg.isMailbox(a) || containsFold(skip, a) || containsFold(ids, u.AccountID) {
			continue
		}
		ids = append(ids, u.AccountID)
	}
	return ids
}

// mailAddresses lists the From, Sender, Cc and Bcc addresses of m.
func mailAddresses(m *Message) []string {
	out := addrs([]Address{m.From, m.Sender})
	out = append(out, addrs(m.Cc)...)
	return append(out, addrs(m.Bcc)...)
}

func unique(list []string) []string {
	var out []string
	for _, s := range list {
		if s != "" && !containsFold(out, s) {
			out = append(out, s)
		}
	}
	return out
}
