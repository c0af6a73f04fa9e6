// Package relay sends public Jira comments on the service's tickets back to the requester
// by mail, from a signed Jira admin webhook.
//
// A delivery is verified (X-Hub-Signature over the exact bytes Jira sent), deduplicated on
// its event and comment id (Jira retries for about 30 minutes, and Pending may find the
// same comment), and relayed when the comment is public (not restricted by visibility,
// not a Jira Service Management internal comment), was not written by the service's own
// account and sits on an issue carrying one of the service's labels. The mail names the
// comment's author, shows the comment as mail-safe HTML with Jira's images inline, carries
// mail.HeaderTicket so its copy in Sent Items is recognised as our own, and goes reply-all
// on the thread's last message; tickets made through the API have no thread, so their
// reporter gets a new mail with the key in the subject.
//
// Reply-all drafts are recorded (store ledger and ticket sent ids, then a draft marker)
// before they are sent, so a worker that takes over a dead one's claim sends the draft
// instead of a second mail. Pending is the safety net for deliveries that never
// completed: it reads recent comments of the service's tickets from Jira and relays those
// without a completed delivery.
//
// The package imports no SDK: it declares the ports it needs (Jira, Mailer, Store), and
// relayadapt implements them over internal/jira, internal/graph and internal/store.
package relay
