package eml

import "testing"

func TestUniqueText(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"nothing quoted keeps the body", "Hello\n\nregards\n", "Hello\n\nregards\n"},
		{"empty", "", ""},
		{"Outlook separator", "New text.\n\n________________________________\nFrom: A <a@example.com>\nSent: Monday\nTo: B\nSubject: x\n\nold\n", "New text."},
		{"Outlook header block without rule", "Fine.\n\nFrom: A <a@example.com>\nDate: Monday\nSubject: x\n\nold\n", "Fine."},
		{"bold header block from HTML conversion", "Done\n\n*From:* A\n*Sent:* Monday\n\nold", "Done"},
		{"German Outlook", "Danke\n\nVon: A <a@example.com>\nGesendet: Montag\nAn: B\n\nalt", "Danke"},
		{"From line not followed by Sent is kept", "From: the lab team we heard nothing.\nPlease chase.\n", "From: the lab team we heard nothing.\nPlease chase.\n"},
		{"Original Message", "Yes.\n\n-----Original Message-----\nFrom: A\nold\n", "Yes."},
		{"Original Message spaced", "Yes.\n----- Original Message -----\nold\n", "Yes."},
		{"Gmail forward", "FYI\n\n---------- Forwarded message ---------\nFrom: A\n", "FYI"},
		{"Apple forward", "See below\n\nBegin forwarded message:\n\nFrom: A\n", "See below"},
		{"Gmail one-line attribution", "Works.\n\nOn Wed, 5 Mar 2025 at 11:20, A <a@example.com> wrote:\n> old\n", "Works."},
		{"Gmail wrapped attribution", "Works.\n\nOn Wed, 5 Mar 2025 at 11:20, Service Desk <servicedesk@example.com>\nwrote:\n\n> old\n", "Works."},
		{"German attribution", "Ok\n\nAm 05.03.2025 um 11:20 schrieb A <a@example.com>:\n> alt\n", "Ok"},
		{"inline quoting drops the quoted lines", "> question one?\nanswer one\n> question two?\nanswer two\n", "answer one\nanswer two"},
		{"everything quoted leaves nothing new", "> only\n> quoted\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, "uniqueText", uniqueText(tt.body), tt.want)
		})
	}
}

func TestUniqueHTML(t *testing.T) {
	const wrap = "<html><head></head><body>"
	const end = "</body></html>"
	tests := []struct {
		name, body, want string
	}{
		{"nothing quoted keeps the body byte for byte", "<p>Hi&nbsp;there</p>\n", "<p>Hi&nbsp;there</p>\n"},
		{"empty", "", ""},
		{"OWA appendonsend", `<div>new</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> A</div><div>old</div>`,
			wrap + `<div>new</div>` + end},
		{"Outlook divRplyFwdMsg takes its rule along", `<div>new</div><hr style="display:inline-block;width:98%" tabindex="-1"> <div id="divRplyFwdMsg"><b>From:</b> A</div><div>old</div>`,
			wrap + `<div>new</div>` + end},
		{"Outlook desktop border block", `<div class="WordSection1"><p>new</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p><b>From:</b> A<br><b>Sent:</b> Monday</p></div></div><p>old</p></div>`,
			wrap + `<div class="WordSection1"><p>new</p><div></div></div>` + end},
		{"Outlook 2010 border colour", `<p>new</p><div style="border:none; border-top:solid #B5C4DF 1.0pt"><p><b>From:</b> A</p></div><p>old</p>`,
			wrap + `<p>new</p>` + end},
		{"border without a From is not a marker", `<p>new</p><div style="border-top:solid #E1E1E1 1.0pt"><p>table</p></div>`,
			`<p>new</p><div style="border-top:solid #E1E1E1 1.0pt"><p>table</p></div>`},
		{"Gmail quote", `<div dir="ltr">ok</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, A wrote:<br></div><blockquote class="gmail_quote">old</blockquote></div>`,
			wrap + `<div dir="ltr">ok</div><br/>` + end},
		{"Apple cite", `<div>ok</div><div><br><blockquote type="cite"><div>On Mar 3, A wrote:</div>old</blockquote></div><div>after</div>`,
			wrap + `<div>ok</div><div><br/></div>` + end},
		{"Thunderbird", `<p>ok</p><div class="moz-cite-prefix">On 3/3/25 A wrote:<br></div><blockquote type="cite">old</blockquote>`,
			wrap + `<p>ok</p>` + end},
		{"Original Message paragraph", `<p>yes</p><p>-----Original Message-----</p><p>From: A</p>`,
			wrap + `<p>yes</p>` + end},
		{"Yahoo", `<div>ok</div><div class="yahoo_quoted"><div>On Monday, A wrote:</div></div>`,
			wrap + `<div>ok</div>` + end},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, "uniqueHTML", uniqueHTML(tt.body), tt.want)
		})
	}
}
