// Package mail is the service's domain: it decides what a mail is and turns it into exactly
// one outcome, a new Jira ticket, a comment on one, or a recorded reason why not. It imports
// no SDK; it talks to Microsoft Graph, Jira and the service's state through the small
// interfaces Graph, Jira and Store declared here, which the adapters in internal/graph,
// internal/jira and internal/store (through a thin adapter) satisfy.
//
// # Flow
//
// Processor.Process takes one queue message (mailbox and immutable message id) and:
//
//  1. fetches the message (headers, uniqueBody, message class, attachment metadata);
//  2. claims it in the ledger (Store.BeginMail); a mail with an outcome, or whose copy in
//     another configured mailbox was processed, ends here;
//  3. finds its thread (FindThread: a subject key of ours whose ticket has the sender on
//     it, then In-Reply-To/References naming a recorded message, then the Outlook
//     conversation) while counting the sender's tickets of the last hour;
//  4. classifies it (Classify: own mail, automatic mail by message class then headers,
//     meeting requests, blacklist and whitelist, recipient control, the hourly cap); only
//     a request goes on;
//  5. on a known thread adds a comment of the new text (uniqueBody, quotes and signatures
//     stripped) after uploading its files, with new Cc/Bcc watchers; a 404 from Jira means
//     the issue was deleted: the thread is forgotten and a new ticket opened;
//  6. otherwise claims the conversation (Store.ClaimConversation), creates the issue (or,
//     when the claim was taken over from a dead holder, first searches for the issue that
//     holder may have made by its marker label), records it (Store.CompleteTicket), then
//     uploads files, adds watchers and acknowledges with a reply-all, concurrently;
//  7. records the outcome (Store.FinishMail) and writes one log line.
//
// Transient failures (throttling, unavailable services, a claim held elsewhere) are
// returned so the queue delivers the message again; permanent ones are recorded as failed
// with the reason, and so is a transient one on the queue's last delivery.
//
// # Why one mail has at most one effect
//
// Every delivery of a mail goes through the ledger claim, so at most one worker at a time
// works on it, and a mail with an outcome is never worked on again. Every thread goes
// through the conversation claim before an issue is created, so two mails of one new thread
// (or two copies of a mail) cannot both create one: the loser finds the ticket and
// comments. The claims are leases: a worker that dies leaves its claim until the lease
// ends, and its successor is told (Claim.Recover) to look for what the dead one did before
// doing it again:
//
//   - the issue: the successor searches for the marker label (MarkerLabel) that every
//     issue carries. Jira's search is eventually consistent, so a claim is not released
//     after an ambiguous create (timeout, 5xx); the lease (35 minutes) outlasts the index
//     lag before anyone searches. Throttling and refusals create nothing and release at once;
//   - the remaining steps: an issue records the mail that created it (Issue.Origin,
//     an issue property), so a recovering worker that finds its own mail's issue resumes
//     with the files (skipping names already there), watchers (idempotent) and the reply;
//   - the reply: its draft's ids are recorded (Store.RecordSent) before it is sent; a
//     successor finding a recorded draft sends it only while it is still a draft. A crash
//     between creating and recording a draft leaves an unsent draft, never a second reply;
//   - a comment: it records the mail it came from (a comment property), and a successor
//     looks for it (Jira.CommentByOrigin, which reads the issue, not the index) first.
//
// Loops are cut three ways: the service's mail carries HeaderTicket and
// X-Auto-Response-Suppress, its ids are in the ledger as own mail before it is sent, and
// mail from a configured mailbox that starts a thread is own mail. A mail2jira instance
// elsewhere sees the header and files the mail as automatic.
package mail
