// Package graph is the Microsoft Graph adapter: the only package that imports
// msgraph-sdk-go. It reads messages (with an explicit $select, the message class and
// attachment metadata), streams attachment and message MIME content, builds and sends
// reply drafts and new mail, manages change-notification subscriptions, and walks
// folders with delta queries and paged listings.
//
// Every request asks for immutable ids (Prefer: IdType="ImmutableId") and goes through
// one per-mailbox Limiter shared by the whole process (Graph's Outlook limits: 4
// concurrent requests and 10,000 requests per 10 minutes per app and mailbox). There is
// one retry layer, the SDK's retry handler, configured here; what it gives up on comes
// back as an internal/errs sentinel (a 429 as *errs.Throttled with its Retry-After).
//
// Callers declare the small interfaces they need (mail.Graph, the ingestion package's
// ports) and get a *Client; nothing outside this package sees an SDK type.
package graph
