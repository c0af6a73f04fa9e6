// Package api is the ticket REST API that other applications (the support portal named by
// TICKET_CLIENT_APP) use: create, search, read and comment on the tickets this service owns.
//
// It parses and validates requests (JSON or multipart/form-data with attachments, within the
// configured size limits), builds JQL only through the Jira adapter's Query builder so user
// input is always quoted text, shapes the responses with stable JSON field names, and serves
// the OpenAPI 3.1 document (openapi.json, embedded) and the offline docs page (Swagger UI,
// vendored from the swagger-ui-dist npm package under docs/).
//
// A ticket is "owned" when it carries every configured label (JIRA_TICKET_LABELS) and lives
// in the project of a configured board; anything else is answered as not found. The reporter
// filter is answered from the store, because requesters without a Jira account exist only
// there: each stored ticket is found again through its thread's marker label, which, unlike
// an issue key, JQL accepts even when the issue was moved or deleted.
package api
