// Package ingest is how mail gets in: Graph change notifications and lifecycle events, the
// subscriptions behind them (created, renewed, recreated and reconciled by a timer), and the
// sweep that walks each mailbox with Graph delta and enqueues every mail the ledger has no
// outcome for. It also holds the operator's `check` and `log`.
//
// It imports no SDK: it talks to Microsoft Graph through the small interfaces declared in
// ports.go, which internal/graph satisfies, and keeps its state in internal/store.
//
// # Why nothing is lost and nothing is done twice
//
// A notification becomes a queue message without any call to Graph or Jira, so it is
// acknowledged in milliseconds. Notifications Graph drops, and mail that arrived while no
// subscription existed, are found by the sweep: its delta cursor per mailbox folder only
// moves forward after the page it names was handled, and every few hours it walks the whole
// window again, so mail enqueued but never processed (a lost standalone worker, an output the
// host failed to write) is enqueued again once its re-enqueue age has passed. The ledger
// decides what goes on the queue (store.MarkEnqueued) and the processor's claim decides what
// is processed, so duplicate notifications, overlapping sweeps and replays end in one outcome.
package ingest
