package eml

import (
	"strings"
	"testing"
)

func report(reportType, partType, fields string) string {
	return "From: postmaster@example.org\r\n" +
		"Content-Type: multipart/report; report-type=" + reportType + "; boundary=rr\r\n\r\n" +
		"--rr\r\nContent-Type: text/plain\r\n\r\nhuman readable\r\n" +
		"--rr\r\nContent-Type: " + partType + "\r\n\r\n" + fields + "\r\n--rr--\r\n"
}

func meeting(method, calendar string) string {
	return "From: organizer@example.org\r\nContent-Type: multipart/alternative; boundary=mm\r\n\r\n" +
		"--mm\r\nContent-Type: text/plain\r\n\r\nagenda\r\n" +
		"--mm\r\nContent-Type: text/calendar; charset=utf-8" + method + "\r\n\r\n" + calendar + "\r\n--mm--\r\n"
}

func TestMessageClass(t *testing.T) {
	dsn := func(actions ...string) string {
		s := "Reporting-MTA: dns; mx.example.org\r\n"
		for i, a := range actions {
			s += "\r\nFinal-Recipient: rfc822; r" + string(rune('a'+i)) + "@example.com\r\nAction: " + a + "\r\nStatus: 5.0.0\r\n"
		}
		return report("delivery-status", "message/delivery-status", s)
	}
	mdn := func(disposition string) string {
		return report("disposition-notification", "message/disposition-notification",
			"Final-Recipient: rfc822;a@example.com\r\nDisposition: "+disposition+"\r\n")
	}
	const exchange = "Thread-Index: AQHbjmV0uk3m0ExA\r\nX-MS-Has-Attach:\r\n"
	tests := []struct {
		name        string
		mail        string
		wantClass   string
		wantMeeting string
	}{
		{"plain note", "From: a@example.com\r\n\r\nhello", ClassNote, ""},
		{"failed delivery", dsn("failed"), ClassNDR, ""},
		{"one failure among deliveries", dsn("delivered", "failed", "delayed"), ClassNDR, ""},
		{"delivered", dsn("delivered"), ClassDR, ""},
		{"relayed", dsn("Relayed"), ClassDR, ""},
		{"delayed", dsn("delivered", "delayed"), ClassDelayed, ""},
		{"report without actions", dsn(), ClassNote, ""},
		{"read", mdn("manual-action/MDN-sent-manually; displayed"), ClassReadReceipt, ""},
		{"read automatically", mdn("automatic-action/MDN-sent-automatically; displayed/warning"), ClassReadReceipt, ""},
		{"deleted unread", mdn("manual-action/MDN-sent-manually; deleted"), ClassNotReadReceipt, ""},
		{"meeting request by part parameter", meeting("; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR"), ClassMeetingRequest, "meetingRequest"},
		{"meeting cancelled by METHOD", meeting("", "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR"), ClassMeetingCanceled, "meetingCancelled"},
		{"meeting accepted", meeting("; method=REPLY", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT=ACCEPTED;CN=A:mailto:a@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR"), ClassMeetingAccepted, "meetingAccepted"},
		{"meeting declined, folded line", meeting("", "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE;CN=A;PART\r\n STAT=DECLINED:mailto:a@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR"), ClassMeetingDeclined, "meetingDeclined"},
		{"meeting tentative", meeting("; method=REPLY", "METHOD:REPLY\r\nATTENDEE;PARTSTAT=TENTATIVE:mailto:a@example.com"), ClassMeetingTentative, "meetingTenativelyAccepted"},
		{"published calendar is a note", meeting("; method=PUBLISH", "METHOD:PUBLISH"), ClassNote, ""},
		{"recall", "From: a@example.com\r\nContent-Class: urn:content-classes:recallmessage\r\n\r\nrecall", ClassRecall, ""},
		{"Exchange out-of-office", "From: a@example.com\r\nSubject: Out until Monday\r\nAuto-Submitted: auto-replied\r\nX-Auto-Response-Suppress: All\r\n" + exchange + "\r\naway", ClassOutOfOffice, ""},
		{"Exchange auto-generated with an automatic-reply subject", "From: a@example.com\r\nSubject: =?utf-8?q?Automatische_Antwort=3A_Hallo?=\r\nAuto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\nX-MS-Exchange-Inbox-Rules-Loop: a@example.com\r\n\r\naway", ClassOutOfOffice, ""},
		{"Exchange auto-generated notice is not an OOF", "From: a@example.com\r\nSubject: Your mailbox is almost full\r\nAuto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n" + exchange + "\r\nnotice", ClassNote, ""},
		{"auto-reply from elsewhere stays a note", "From: a@example.com\r\nAuto-Submitted: auto-replied\r\n\r\nthanks", ClassNote, ""},
		{"suppression header alone is no auto-reply", "From: a@example.com\r\nX-Auto-Response-Suppress: OOF, DR\r\n" + exchange + "\r\nhello", ClassNote, ""},
		{"Auto-Submitted: no", "From: a@example.com\r\nAuto-Submitted: no\r\nX-Auto-Response-Suppress: All\r\n" + exchange + "\r\nhello", ClassNote, ""},
		{"sandbox override", "From: a@example.com\r\nX-Sandbox-Message-Class: IPM.Note.Rules.OofTemplate.Microsoft\r\n\r\naway", ClassOutOfOffice, ""},
		{"sandbox override to a meeting", "From: a@example.com\r\nX-Sandbox-Message-Class: IPM.Schedule.Meeting.Resp.Pos\r\n\r\nyes", ClassMeetingAccepted, "meetingAccepted"},
		{"sandbox override to another meeting class", "From: a@example.com\r\nX-Sandbox-Message-Class: IPM.Schedule.Meeting.Notification.Forward\r\n\r\nfwd", "IPM.Schedule.Meeting.Notification.Forward", "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.mail))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			expect(t, "MessageClass", m.MessageClass, tt.wantClass)
			expect(t, "MeetingMessageType", m.MeetingMessageType, tt.wantMeeting)
			if m.IsMeeting != (tt.wantMeeting != "") {
				t.Errorf("IsMeeting = %v, want %v", m.IsMeeting, tt.wantMeeting != "")
			}
		})
	}
}
