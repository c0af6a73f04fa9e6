// Package registry is the one place that names things shared between the code, functions/,
// the infrastructure and the docs: functions (their names are envelope paths), routes, queues,
// tables, settings and Key Vault secret names. Tests check functions/, README.md,
// local.settings.json.example and infra/ against it.
package registry

// RoutePrefix is the Functions host's default HTTP route prefix (host.json extensions.http.routePrefix).
const RoutePrefix = "api"

// Function names. Under the host, non-proxied functions are invoked as POST /{Name}.
const (
	FuncHealth             = "Health"
	FuncGraphNotifications = "GraphNotifications"
	FuncGraphLifecycle     = "GraphLifecycle"
	FuncProcessMail        = "ProcessMail"
	FuncRenewSubscriptions = "RenewSubscriptions"
	FuncSweep              = "Sweep"
	FuncTickets            = "Tickets"
	FuncJiraWebhook        = "JiraWebhook"
	FuncDocs               = "Docs"
	FuncOpenAPI            = "OpenAPI"
	FuncOpsSweep           = "OpsSweep" // operator functions: no name or route may start with "admin" (the host reserves it)
	FuncOpsLog             = "OpsLog"
	FuncOpsCheck           = "OpsCheck"
)

// Routes below RoutePrefix, as written in function.json (Functions route templates).
const (
	RouteHealth             = "health"
	RouteGraphNotifications = "graph/notifications"
	RouteGraphLifecycle     = "graph/lifecycle"
	RouteTickets            = "tickets/{*path}"
	RouteJiraWebhook        = "jira/webhook"
	RouteDocs               = "docs/{*path}"
	RouteOpenAPI            = "openapi.json"
	RouteOpsSweep           = "ops/sweep"
	RouteOpsLog             = "ops/log"
	RouteOpsCheck           = "ops/check"
)

// Queue names (Azure Storage queues; the host adds "-poison" for messages that keep failing).
const (
	QueueMail = "mail-messages"
)

// Table names (Azure Table Storage: letters and digits only, starting with a letter).
const (
	TableTickets = "tickets"
	TableLedger  = "ledger"
	TableState   = "state"
	TableCache   = "cache"
)

// Binding names used in every function.json, so the envelope code knows where to look.
const (
	BindingHTTPIn   = "req"
	BindingHTTPOut  = "res"
	BindingQueueIn  = "message"
	BindingQueueOut = "outqueue"
	BindingTimer    = "timer"
)
