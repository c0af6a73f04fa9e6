package mail

import (
	"regexp"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
)

// NewCommentFor is everything needed to comment a reply on its ticket.
type NewCommentFor struct {
	Comment   NewComment
	Watchers  []string // account ids of Cc/Bcc not yet on the thread
	Truncated bool
}

// BuildComment builds the comment for a reply on a known thread: the same From:/Cc: lines
// as a description, then only the new text (uniqueBody, with quoted history and
// signatures stripped where it still carries them). images resolves inline images to the
// attachments uploaded for this mail; repeated logos resolve to nothing and are left out.
func BuildComment(cfg *Config, m *Message, t Ticket, p People, plan AttachmentPlan, images map[string]JiraAttachment) NewCommentFor {
	resolve := func(cid string) (adf.Image, bool) {
		a, ok := images[cid]
		if !ok {
			return adf.Image{}, false
		}
		return adf.Image{LinkURL: a.ContentURL, Name: a.Filename}, true
	}
	doc, cut := describe(m, p, plan, true, resolve)
	skip := append([]string{t.Reporter}, t.Participants...)
	return NewCommentFor{
		Comment:   NewComment{Body: doc, Origin: m.Key()},
		Watchers:  watchers(cfg, p, m, skip...),
		Truncated: cut,
	}
}

// historyStart matches the first line of quoted history in a plain-text reply: Outlook's
// separators and header block, and the "On ... wrote:" lines of other clients in a few
// languages.
var historyStart = regexp.MustCompile(`(?i)^\s*(` +
	`-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}` +
	`|_{10,}` +
	`|(from|von|de|van|från|fra):\s.+` +
	`|on\s.+\swrote:` +
	`|am\s.+\sschrieb.*:` +
	`|le\s.+\sa\sécrit\s?:` +
	`)\s*$`)

// signatureStart matches the lines that begin a signature: the "-- " delimiter of RFC
// 3676 and mobile clients' taglines.
var signatureStart = regexp.MustCompile(`(?i)^(--\s?|sent from my .+|get outlook for .+|von meinem .+ gesendet)$`)

// StripQuotedText keeps the new part of a plain-text reply: everything before the quoted
// history or the signature, without ">" quoted lines.
func StripQuotedText(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var keep []string
	for i, line := range lines {
		trimmed := strings.TrimRight(line, " \t")
		if historyStart.MatchString(trimmed) && quotedBelow(lines[i:]) {
			break
		}
		if signatureStart.MatchString(strings.TrimSpace(line)) && strings.TrimSpace(line) != "" {
			break
		}
		if strings.HasPrefix(strings.TrimLeft(line, " "), ">") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// quotedBelow guards against a "From: ..." line in the new text itself: history is only
// history when more text follows it.
func quotedBelow(lines []string) bool {
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) != "" {
			return true
		}
	}
	return false
}
