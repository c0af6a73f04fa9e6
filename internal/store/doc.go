// Package store keeps the service's state in Azure Table Storage (aztables): which mail
// thread maps to which Jira issue, what became of every mail (the ledger), exactly-once
// claims, Graph subscription state, sweep cursors, Jira webhook deliveries and a small cache.
//
// The model is built on Table Storage's strengths: point reads, partition queries, inserts
// that fail when a row exists, and ETag-conditional writes. Every lookup the services make
// on a hot path is a point read or a single-partition query; the only scans are the
// operator's `log` command and the retention purge, both filtered on the server.
//
// # Keys
//
// Conversation ids, message ids and addresses are arbitrary text, while keys may not hold
// / \ # ? or control characters and are limited to 1 KiB. Each key component is escaped
// (everything but letters, digits and - _ . @ becomes ~XX per byte; quotes and % included,
// so keys need no quoting in URLs or OData filters) and replaced by "~h" + its SHA-256 when
// the escaped form exceeds 200 characters. Components are joined with ':' (always escaped
// inside a component). Every row keeps the original values as properties, and lookups take
// the original values. Addresses and mailboxes are lower-cased, Jira keys upper-cased.
//
// # Tables and rows
//
// Table "tickets":
//
//	PK "c:<mailbox>:<conversationId>"  RK "ticket"       the ticket of a thread, and its claim
//	PK "k:<issue key>"                 RK <thread's PK>  key index: TicketByKey (1 partition query + 1 point read)
//	PK "r:<reporter address>"          RK <thread's PK>  reporter index: TicketsByReporter, per-sender cap (1 partition query)
//
// The thread row holds Key, Reporter, Summary, Created, Updated, LastMessageID,
// LastInternetMessageID, SentIDs and Participants (JSON lists, newest last, bounded), and
// while the issue is being created the claim (Holder, LeaseUntil, Attempts). Index rows are
// written before the thread row is completed and are checked against it on read, so a
// crash leaves at worst a stale index entry, never a ticket that cannot be found.
//
// Table "ledger", one partition per mail, so a mail delivered to two configured mailboxes
// (same internetMessageId) is one partition:
//
//	PK "m:<internetMessageId>"         RK "mail"              the processed copy: owner mailbox, state, outcome, claim
//	                                   RK "copy:<mailbox>"    another mailbox's copy, recorded as a duplicate
//	PK "g:<mailbox>:<graph id>"        RK "mail"              a mail without internetMessageId
//
// The first mailbox whose copy is claimed owns the mail; a later copy from another mailbox
// is recorded as a duplicate in one entity group transaction that also adds the mailbox to
// the owner row's Copies. States: enqueued, processing, retry (not final); created,
// commented, filtered, own, duplicate, failed (final), each with a Reason, TicketKey,
// Attempts and timestamps (FirstSeen, Updated, EnqueuedAt). BeginMail and MarkEnqueued
// are point operations; MailByMessageID (In-Reply-To threading) is one point read; Mail
// (one copy's entry) one partition query.
//
// Table "state":
//
//	PK "subscription"  RK "<mailbox>:<folder>"         Graph subscription (id, expiry, clientState, URLs, status)
//	PK "cursor"        RK "<name>:<mailbox>:<folder>"  sweep cursor (delta link); one name per sweep kind
//	PK "lease"         RK "<name>"                     named job lease (the subscription renewal)
//
// Table "cache":
//
//	PK "d:<delivery id>"  RK "delivery"  Jira webhook delivery: claim, Done
//	PK "v:<kind>"         RK "<key>"     cached value (JSON) with Expires, e.g. Jira users by address
//
// # Claims
//
// A Claim is an exclusive, leased hold on one row, taken by inserting the row (or, when the
// previous holder's lease lapsed or it let go, by an ETag-conditional update), with a random
// holder token, a lease end and an attempt count. Every later write by the holder is
// conditional on the ETag it knows; when the ETag moved, the holder token in the row decides
// whether the claim is still ours (an unrelated property changed, or our own retried write
// landed) or was taken over (errs.ErrPrecondition). Nothing is ever overwritten silently.
// Claim.Recover tells a holder that an earlier attempt existed and may have created the
// issue or comment already: look for the marker before repeating the effect.
//
// The flows:
//
//	new mail:    BeginMail → ClaimConversation → (Jira create) → CompleteTicket →
//	             RecordSent (before sending the reply) → FinishMail
//	reply:       BeginMail → Ticket (or MailByMessageID / TicketByKey) → (Jira comment) →
//	             UpdateTicket → FinishMail
//	filtered:    RecordMail
//	sweep:       MarkEnqueued per message; cursors with Cursor/PutCursor; Purge daily
//	renewal:     AcquireLease + KeepAlive; Subscriptions/PutSubscription
//	webhook:     ClaimDelivery → relay → CompleteDelivery; TicketByKey
//	Jira users:  GetCached / PutCached
//
// Leases default to DefaultLease and are renewed with Claim.Renew or Claim.KeepAlive.
// BenchmarkMailFlows measures these flows: a new ticket costs 8 round trips (all writes), a
// comment 4, a filtered mail 1, a redelivered mail 2. Tickets created through the ticket API
// have no thread: they use the empty mailbox and an id of the caller's choosing as the
// conversation, and the mail relayed for them is recorded with RecordSent, so the
// requester's answer finds the ticket through MailByMessageID. Free text (subjects,
// reasons) is kept up to 2 KiB; ids are kept whole.
//
// # Errors
//
// Errors wrap the project's sentinels (internal/errs): ErrNotFound, ErrConflict (a row
// exists, or a *HeldError: someone holds the claim), ErrPrecondition (ETag), ErrThrottled
// and ErrUnavailable (as *errs.Throttled with Retry-After), ErrInvalid, ErrTooLarge.
// Transient failures are retried by the SDK's retry policy, not here.
//
// # Connection
//
// Open takes a connection string (the `UseDevelopmentStorage=true` shortcut is expanded to
// Azurite's, see ExpandConnectionString) or, in Azure, the account name or table endpoint
// with an azcore.TokenCredential (managed identity): no account keys in production. Tables
// are created when missing.
package store
