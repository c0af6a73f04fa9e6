// Package eml parses raw RFC 5322 mail (.eml) into the fields Microsoft Graph exposes on a
// message, and writes such a message back to MIME, for the Graph emulator's deliver endpoint
// and its /$value. It knows nothing of HTTP or mailboxes.
//
// What Parse does, and where it knowingly differs from Exchange Online:
//
//   - MIME: multipart/alternative, mixed, related (RFC 2387, start parameter honoured),
//     report and signed, nested to 32 levels and 2,000 parts; base64 and quoted-printable;
//     charsets by WHATWG label first (iso-8859-1 read as windows-1252, as browsers and Outlook
//     do), then IANA names, via golang.org/x/text; invalid or unknown charsets fall back to
//     UTF-8 or windows-1252 instead of failing. Encoded-words (RFC 2047) in Subject,
//     Thread-Topic, display names and filenames; RFC 2231 parameters in any charset.
//   - Body choice: in an alternative the first text/plain and text/html; elsewhere only the
//     first text part is the body and later ones become attachments named ATT00001.txt or
//     .htm, the way Outlook shows them. Bodies use "\n" line breaks (Graph returns CRLF).
//   - Attachments: every other leaf part. message/rfc822 parts are parsed into
//     Attachment.Message (Graph's itemAttachment) and named after their subject; a part is
//     Inline when its disposition says so, when it is a resource of a multipart/related, or
//     when the HTML body refers to its Content-ID. text/calendar inside an alternative and the
//     machine-readable parts of a report (message/delivery-status,
//     message/disposition-notification) are not attachments: Exchange turns them into
//     properties.
//   - Headers: every top-level header in order, unfolded, not decoded (Graph's
//     internetMessageHeaders); raw 8-bit values are made valid UTF-8.
//   - Message class (Graph's singleValueExtendedProperty "String 0x001A", the Class*
//     constants): delivery status notifications by their most severe Action (failed: .NDR, delayed:
//     .Delayed, else .DR); read receipts by Disposition (.IPNRN / .IPNNRN); recalls by
//     Content-Class urn:content-classes:recallmessage; meeting mail by the iCalendar METHOD
//     (REQUEST, CANCEL, REPLY with PARTSTAT, COUNTER); Exchange out-of-office replies by
//     Auto-Submitted: auto-replied (or auto-generated with an "Automatic reply:" subject,
//     in a few languages) plus X-Auto-Response-Suppress plus Exchange's own headers
//     (Thread-Index, X-MS-Has-Attach or X-MS-Exchange-*). Real Exchange carries the class of mail between its
//     own mailboxes in TNEF or organization headers we do not emulate, so an auto-reply from
//     any other system stays IPM.Note here as it does there. The X-Sandbox-Message-Class
//     header (SandboxClassHeader) overrides all of this; it is a sandbox-only extension.
//   - uniqueBody: Exchange computes it from its conversation store; we cut at the separators
//     common clients write (Outlook's divRplyFwdMsg, appendonsend and bordered header block,
//     "From:/Sent:" blocks, "-----Original Message-----", Gmail's gmail_quote and
//     "On ... wrote:", Apple's and Thunderbird's cite blocks, Yahoo's yahoo_quoted) and drop
//     '>' quoted lines. With no separator the body is returned unchanged; otherwise the HTML
//     is re-serialised by golang.org/x/net/html.
//
// Malformed structure is an errs.ErrInvalid error; Parse never panics (see FuzzParse).
package eml
