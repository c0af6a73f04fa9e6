// Package jira is the Jira Cloud adapter: issues, comments, attachments, watchers, users,
// boards, permissions and JQL search over REST v3 (and the agile 1.0 board API), built on
// go-atlassian v2.
//
// Calls that only read (GET, search) are retried with backoff when Jira answers 429 or 503,
// honouring Retry-After. Calls that create something (issue, comment, attachment, watcher)
// are never retried here: they fail with *errs.Throttled so the caller, which knows whether a
// second attempt could duplicate the effect, decides. Every error wraps an internal/errs
// sentinel and keeps Jira's own error messages for logs; the API token never appears in one.
//
// Where go-atlassian's models cannot express a payload (issue and comment properties,
// mypermissions, ADF kept verbatim) requests still go through its client (NewRequest/Call),
// and responses are decoded from the raw bytes it returns.
package jira
