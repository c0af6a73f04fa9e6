package mail

import (
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxSummary is Jira's limit on an issue summary, in characters.
const MaxSummary = 255

// NoSubject is the summary of a mail without a subject.
const NoSubject = "(no subject)"

// replyPrefix matches one reply or forward prefix as mail clients write it in English,
// German (AW, WG), Scandinavian (SV) and French (TR), with an optional counter ("RE[2]:")
// and either colon.
var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|fw|fwd|aw|sv|wg|tr)(\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// Summary turns a mail subject into an issue summary: reply and forward prefixes removed
// (repeated, any case; tags such as "[EXTERNAL]" are the sender's and stay), whitespace
// collapsed, at most MaxSummary characters, NoSubject when nothing is left.
func Summary(subject string) string {
	s := strings.Join(strings.Fields(subject), " ")
	for {
		loc := replyPrefix.FindStringIndex(s)
		if loc == nil {
			break
		}
		s = s[loc[1]:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return NoSubject
	}
	return truncateRunes(s, MaxSummary)
}

// truncateRunes cuts s on a rune boundary to at most n characters as Jira counts them (Java
// string length: UTF-16 code units, so an emoji counts twice), ending with an ellipsis when
// cut.
func truncateRunes(s string, n int) string {
	if utf16Len(s) <= n {
		return s
	}
	used, end := 1, 0 // the ellipsis takes one unit
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		w := max(utf16.RuneLen(r), 1)
		if used+w > n {
			break
		}
		used, end = used+w, end+size
	}
	return strings.TrimSpace(s[:end]) + "…"
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}

// issueKey matches a Jira issue key as it appears in a subject, e.g. "[SUP-12]".
var issueKey = regexp.MustCompile(`\b([A-Z][A-Z0-9_]{0,9})-([1-9][0-9]{0,9})\b`)

// SubjectKeys lists the issue keys a subject names, in order, without repeats.
func SubjectKeys(subject string) []string {
	var keys []string
	for _, m := range issueKey.FindAllString(strings.ToUpper(subject), -1) {
		if !containsFold(keys, m) {
			keys = append(keys, m)
		}
	}
	return keys
}

// ReplySubject is the subject of the service's reply: the key in brackets, so replies carry
// it back, followed by the original subject.
func ReplySubject(key, subject string) string {
	s := strings.Join(strings.Fields(subject), " ")
	if containsFold(SubjectKeys(s), key) {
		return "RE: " + s
	}
	if s == "" {
		s = NoSubject
	}
	return "RE: [" + key + "] " + Summary(s)
}
