package mail

import (
	"fmt"
	"strings"
)

// Class is what a message is, as far as ticketing goes.
type Class string

// Classes. Only ClassRequest becomes a ticket or a comment.
const (
	ClassRequest      Class = "request"       // a person's mail: ticket or comment
	ClassOwn          Class = "own"           // mail the service or the mailbox itself sent
	ClassAutomatic    Class = "automatic"     // out-of-office, bounce, receipt, bulk, another service's reply
	ClassMeeting      Class = "meeting"       // meeting request, response or cancellation
	ClassBlocked      Class = "blocked"       // blacklisted sender or domain not whitelisted
	ClassNotAddressed Class = "not-addressed" // a new thread with the mailbox only in Cc/Bcc
	ClassCapped       Class = "capped"        // the sender reached the hourly cap on new tickets
)

// Verdict is a classification with the reason an operator reads in the log.
type Verdict struct {
	Class  Class
	Reason string
}

// Facts are what classification needs beyond the message, gathered by the processor.
type Facts struct {
	KnownThread        bool // threading found a ticket for the message
	SentByUs           bool // its internetMessageId is among the ids the service recorded as sent
	NewTicketsLastHour int  // tickets the sender opened in the last hour
}

// Classify gives m exactly one class. The order matters: own mail before automatic mail (our
// replies carry X-Auto-Response-Suppress, which is no reason on its own), automatic mail
// before sender rules (a bounce from a whitelisted domain is still a bounce), and the rules
// that only guard new tickets last.
func Classify(cfg *Config, m *Message, f Facts) Verdict {
	for _, rule := range []func(*Config, *Message, Facts) (Verdict, bool){
		ownMail, automaticByClass, automaticByHeaders, meeting, blocked, notAddressed, capped,
	} {
		if v, ok := rule(cfg, m, f); ok {
			return v
		}
	}
	if f.KnownThread {
		return Verdict{ClassRequest, "reply on a known thread"}
	}
	return Verdict{ClassRequest, "new request"}
}

func ownMail(cfg *Config, m *Message, f Facts) (Verdict, bool) {
	from := m.SenderAddress()
	if _, ok := m.Header(HeaderTicket); ok {
		if f.SentByUs || cfg.isMailbox(from) {
			return Verdict{ClassOwn, "carries our " + HeaderTicket + " header"}, true
		}
		return Verdict{ClassAutomatic, "reply from another mail2jira service (" + HeaderTicket + " header)"}, true
	}
	if f.SentByUs {
		return Verdict{ClassOwn, "sent by the service"}, true
	}
	if cfg.isMailbox(from) && !f.KnownThread {
		return Verdict{ClassOwn, "sent from a configured mailbox and starts a new thread"}, true
	}
	return Verdict{}, false
}

// messageClasses maps Exchange message class prefixes to reasons. Exchange sets the class
// on automatic mail even when the headers say nothing
// (https://learn.microsoft.com/office/vba/outlook/concepts/forms/item-types-and-message-classes).
var messageClasses = []struct{ prefix, reason string }{
	{"IPM.Note.Rules.OofTemplate.", "out-of-office"},
	{"IPM.Note.Rules.ReplyTemplate.", "automatic reply by a mailbox rule"},
	{"REPORT.", "delivery, non-delivery or read report"},
	{"IPM.Outlook.Recall", "message recall"},
	{"IPM.Recall.Report", "message recall report"},
	{"IPM.Schedule.Meeting.", "meeting request"},
	{"IPM.Note.Receipt.", "receipt"},
}

func automaticByClass(_ *Config, m *Message, _ Facts) (Verdict, bool) {
	cls := strings.ToUpper(strings.TrimSpace(m.MessageClass))
	for _, mc := range messageClasses {
		p := strings.ToUpper(mc.prefix)
		if cls == strings.TrimSuffix(p, ".") || strings.HasPrefix(cls, p) {
			if strings.HasPrefix(p, "IPM.SCHEDULE.") {
				return Verdict{ClassMeeting, mc.reason + " (message class " + m.MessageClass + ")"}, true
			}
			return Verdict{ClassAutomatic, mc.reason + " by message class " + m.MessageClass}, true
		}
	}
	return Verdict{}, false
}

func automaticByHeaders(_ *Config, m *Message, _ Facts) (Verdict, bool) {
	if v, ok := m.Header("Auto-Submitted"); ok && !strings.EqualFold(headerToken(v), "no") {
		return Verdict{ClassAutomatic, "Auto-Submitted: " + v}, true
	}
	if v, ok := m.Header("Precedence"); ok {
		switch strings.ToLower(headerToken(v)) {
		case "bulk", "junk", "list":
			return Verdict{ClassAutomatic, "Precedence: " + v}, true
		}
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond"} {
		if _, ok := m.Header(h); ok {
			return Verdict{ClassAutomatic, h + " header"}, true
		}
	}
	if v, ok := m.Header("Content-Type"); ok && strings.EqualFold(headerToken(v), "multipart/report") {
		return Verdict{ClassAutomatic, "delivery report (multipart/report)"}, true
	}
	if v, ok := m.Header("Return-Path"); ok && strings.Trim(v, "<> \t") == "" {
		return Verdict{ClassAutomatic, "bounce (empty Return-Path)"}, true
	}
	if local := localPart(m.SenderAddress()); local == "mailer-daemon" || local == "postmaster" {
		return Verdict{ClassAutomatic, "bounce (sender " + local + ")"}, true
	}
	return Verdict{}, false
}

func meeting(_ *Config, m *Message, _ Facts) (Verdict, bool) {
	if m.IsEventMessage {
		return Verdict{ClassMeeting, "meeting request (eventMessage)"}, true
	}
	return Verdict{}, false
}

func blocked(cfg *Config, m *Message, f Facts) (Verdict, bool) {
	from := m.SenderAddress()
	if containsFold(cfg.Blacklist, from) {
		return Verdict{ClassBlocked, "sender " + from + " is blacklisted"}, true
	}
	// The whitelist guards new tickets; a participant from elsewhere may still answer on a
	// thread someone from a whitelisted domain opened.
	if len(cfg.WhitelistDomains) > 0 && !f.KnownThread && !containsFold(cfg.WhitelistDomains, domain(from)) {
		return Verdict{ClassBlocked, "sender domain " + domain(from) + " is not whitelisted"}, true
	}
	return Verdict{}, false
}

func notAddressed(_ *Config, m *Message, f Facts) (Verdict, bool) {
	if f.KnownThread {
		return Verdict{}, false
	}
	box := normAddr(m.Mailbox)
	inTo := containsFold(addrs(m.To), box)
	inCopy := containsFold(addrs(m.Cc), box) || containsFold(addrs(m.Bcc), box)
	if !inTo && inCopy {
		return Verdict{ClassNotAddressed, "new thread with the mailbox only in Cc/Bcc"}, true
	}
	return Verdict{}, false
}

func capped(cfg *Config, _ *Message, f Facts) (Verdict, bool) {
	limit := cfg.maxPerHour()
	if f.KnownThread || limit < 0 || f.NewTicketsLastHour < limit {
		return Verdict{}, false
	}
	return Verdict{ClassCapped, fmt.Sprintf("sender opened %d tickets in the last hour (cap %d)", f.NewTicketsLastHour, limit)}, true
}

// headerToken is a header value without parameters or comments, e.g. "auto-replied" from
// "auto-replied; owner-email=...".
func headerToken(v string) string {
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

func domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}
