package eml

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// SandboxClassHeader names a header that sets the message class outright. It is a
// sandbox-only extension, never sent by Exchange: it lets anyone delivering an .eml through
// the emulator reproduce a class that plain MIME cannot carry (Exchange keeps the class of
// mail between its own mailboxes in TNEF or its organization headers, which we do not emulate).
const SandboxClassHeader = "X-Sandbox-Message-Class"

// Message classes Exchange stamps (PidTagMessageClass, property 0x001A). Values from
// https://learn.microsoft.com/en-us/office/client-developer/outlook/mapi/pidtagmessageclass-canonical-property
// and https://learn.microsoft.com/en-us/previous-versions/office/developer/exchange-server-2007/aa566388(v=exchg.80).
const (
	ClassNote             = "IPM.Note"                             // an ordinary mail
	ClassNDR              = "REPORT.IPM.Note.NDR"                  // a non-delivery report (bounce)
	ClassDR               = "REPORT.IPM.Note.DR"                   // a delivery report
	ClassDelayed          = "REPORT.IPM.Note.Delayed"              // a delayed-delivery notice
	ClassReadReceipt      = "REPORT.IPM.Note.IPNRN"                // a read receipt
	ClassNotReadReceipt   = "REPORT.IPM.Note.IPNNRN"               // a not-read receipt
	ClassOutOfOffice      = "IPM.Note.Rules.OofTemplate.Microsoft" // an out-of-office reply
	ClassRecall           = "IPM.Outlook.Recall"                   // a message recall
	ClassMeetingRequest   = "IPM.Schedule.Meeting.Request"         // a meeting invitation
	ClassMeetingCanceled  = "IPM.Schedule.Meeting.Canceled"        // a meeting cancellation
	ClassMeetingAccepted  = "IPM.Schedule.Meeting.Resp.Pos"        // a meeting acceptance
	ClassMeetingTentative = "IPM.Schedule.Meeting.Resp.Tent"       // a tentative acceptance
	ClassMeetingDeclined  = "IPM.Schedule.Meeting.Resp.Neg"        // a meeting decline
)

// classify sets MessageClass, IsMeeting and MeetingMessageType.
func classify(m *Message, h headers, root *part, r reportParts) error {
	if v := strings.TrimSpace(h.get(SandboxClassHeader)); v != "" {
		if err := validClass(v); err != nil {
			return err
		}
		m.MessageClass = v
	} else {
		m.MessageClass = deriveClass(h, root, r)
	}
	m.IsMeeting, m.MeetingMessageType = meetingType(m.MessageClass)
	return nil
}

// validClass applies PidTagMessageClass's rules: ASCII 32-127, at most 255 characters, no
// trailing period.
func validClass(v string) error {
	if len(v) > 255 || strings.HasSuffix(v, ".") {
		return fmt.Errorf("%s %q is not a message class: %w", SandboxClassHeader, truncate(v, 40), errs.ErrInvalid)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 32 || v[i] > 126 {
			return fmt.Errorf("%s %q is not a message class: %w", SandboxClassHeader, truncate(v, 40), errs.ErrInvalid)
		}
	}
	return nil
}

// deriveClass reproduces how Exchange classes mail arriving from the internet as MIME.
func deriveClass(h headers, root *part, r reportParts) string {
	reportType := strings.ToLower(root.params["report-type"])
	if root.mediaType == "multipart/report" && reportType == "delivery-status" || r.dsn != nil {
		if c := dsnClass(r.dsn); c != "" {
			return c
		}
	}
	if root.mediaType == "multipart/report" && reportType == "disposition-notification" || r.mdn != nil {
		if c := mdnClass(r.mdn); c != "" {
			return c
		}
	}
	// Exchange writes the content class of a recall as Content-Class (PidNameContentClass).
	if strings.EqualFold(strings.TrimSpace(h.get("Content-Class")), "urn:content-classes:recallmessage") {
		return ClassRecall
	}
	if r.calendar != nil {
		if c := meetingClass(r); c != "" {
			return c
		}
	}
	if isExchangeOOF(h) {
		return ClassOutOfOffice
	}
	return ClassNote
}

// dsnClass classes a delivery status notification (RFC 3464) by its most severe Action:
// one failed recipient makes it a non-delivery report.
func dsnClass(dsn []byte) string {
	rank := map[string]int{"delivered": 1, "expanded": 1, "relayed": 1, "delayed": 2, "failed": 3}
	worst := 0
	for _, v := range fieldValues(dsn, "Action") {
		if n := rank[strings.ToLower(v)]; n > worst {
			worst = n
		}
	}
	return [...]string{"", ClassDR, ClassDelayed, ClassNDR}[worst]
}

// mdnClass classes a message disposition notification (RFC 8098) by its disposition type:
// "manual-action/MDN-sent-manually; displayed" is a read receipt.
func mdnClass(mdn []byte) string {
	for _, v := range fieldValues(mdn, "Disposition") {
		_, typ, _ := strings.Cut(v, ";")
		typ, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(typ)), "/")
		switch strings.TrimSpace(typ) {
		case "displayed", "dispatched", "processed":
			return ClassReadReceipt
		case "deleted", "denied", "failed":
			return ClassNotReadReceipt
		}
	}
	return ""
}

// fieldValues returns every value of a field in a report body (header-like groups of lines).
func fieldValues(b []byte, name string) []string {
	var out []string
	prefix := strings.ToLower(name) + ":"
	for _, line := range bytes.Split(b, []byte("\n")) {
		s := strings.TrimSpace(string(line))
		if strings.HasPrefix(strings.ToLower(s), prefix) {
			out = append(out, strings.TrimSpace(s[len(prefix):]))
		}
	}
	return out
}

// meetingClass maps an iCalendar METHOD (RFC 5546) to the meeting message class, as
// [MS-OXCICAL] converts iTIP mail:
// https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxcical/
func meetingClass(r reportParts) string {
	props := icalProps(r.calendar)
	method := strings.ToUpper(strings.TrimSpace(r.calendarMethod))
	if method == "" {
		method = strings.ToUpper(props["METHOD"])
	}
	switch method {
	case "REQUEST":
		return ClassMeetingRequest
	case "CANCEL":
		return ClassMeetingCanceled
	case "COUNTER":
		return ClassMeetingTentative
	case "REPLY":
		switch strings.ToUpper(props["PARTSTAT"]) {
		case "ACCEPTED":
			return ClassMeetingAccepted
		case "DECLINED":
			return ClassMeetingDeclined
		default:
			return ClassMeetingTentative
		}
	}
	return ""
}

// icalProps reads the first METHOD value and the first ATTENDEE's PARTSTAT from unfolded
// iCalendar lines.
func icalProps(cal []byte) map[string]string {
	props := map[string]string{}
	text := strings.ReplaceAll(string(cal), "\r\n", "\n")
	text = strings.NewReplacer("\n ", "", "\n\t", "").Replace(text)
	for _, line := range strings.Split(text, "\n") {
		upper := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(upper, "METHOD:") && props["METHOD"] == "":
			props["METHOD"] = strings.TrimSpace(line[len("METHOD:"):])
		case strings.HasPrefix(upper, "ATTENDEE") && props["PARTSTAT"] == "":
			if i := strings.Index(upper, "PARTSTAT="); i >= 0 {
				v := upper[i+len("PARTSTAT="):]
				if j := strings.IndexAny(v, ";:"); j >= 0 {
					v = v[:j]
				}
				props["PARTSTAT"] = strings.Trim(v, `"`)
			}
		}
	}
	return props
}

// oofSubjectPrefixes are the subject prefixes Exchange gives automatic replies in a few
// common mailbox languages.
var oofSubjectPrefixes = []string{
	"automatic reply:", "automatische antwort:", "réponse automatique", "respuesta automática:",
	"risposta automatica:", "automatisch antwoord:", "autosvar:", "resposta automática:",
}

// isExchangeOOF recognises an out-of-office reply from an Exchange mailbox in its MIME form:
// it is auto-submitted (RFC 3834), suppresses replies to itself with
// X-Auto-Response-Suppress (https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxcmail/ced68690-498a-4567-9d14-5c01f974d8b1)
// and carries Exchange's own headers. An auto-reply from any other system stays IPM.Note,
// as it does in Exchange, and is left to header checks.
func isExchangeOOF(h headers) bool {
	auto := strings.ToLower(strings.TrimSpace(h.get("Auto-Submitted")))
	if auto == "" || auto == "no" || !h.has("X-Auto-Response-Suppress") {
		return false
	}
	if !h.has("Thread-Index") && !h.has("X-MS-Has-Attach") && !h.hasPrefix("X-MS-Exchange-") {
		return false
	}
	if strings.HasPrefix(auto, "auto-replied") {
		return true
	}
	subject := strings.ToLower(decodeHeader(h.get("Subject")))
	for _, p := range oofSubjectPrefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

// meetingType maps a meeting message class to Graph's meetingMessageType.
func meetingType(class string) (bool, string) {
	c := strings.ToLower(class)
	if !strings.HasPrefix(c, "ipm.schedule.meeting.") {
		return false, ""
	}
	for prefix, typ := range map[string]string{
		"ipm.schedule.meeting.request":   "meetingRequest",
		"ipm.schedule.meeting.canceled":  "meetingCancelled",
		"ipm.schedule.meeting.resp.pos":  "meetingAccepted",
		"ipm.schedule.meeting.resp.tent": "meetingTenativelyAccepted",
		"ipm.schedule.meeting.resp.neg":  "meetingDeclined",
	} {
		if strings.HasPrefix(c, prefix) {
			return true, typ
		}
	}
	return true, "none"
}
