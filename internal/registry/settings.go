package registry

// Setting describes one configuration setting read from the environment (and, for secrets,
// from Key Vault first).
type Setting struct {
	Name        string // environment variable / app setting name
	Secret      bool   // never logged; read from Key Vault when one is configured
	VaultName   string // Key Vault secret name (letters, digits and '-'), for secrets
	Default     string // used when the setting is empty
	Required    bool   // start-up fails without it (and without a default)
	Platform    bool   // set by Azure Functions itself, never by operators
	Description string // one line for README.md and local.settings.json.example
}

// Settings lists every setting the service reads, in the order the README documents them.
// The original Python service's names are kept so its users can move over unchanged.
var Settings = []Setting{
	// Mailboxes and Microsoft Graph.
	{Name: "MAILBOX", Required: true, Description: "Mailbox address(es) to watch, comma-separated."},
	{Name: "MAILBOX_ROUTES", Description: "Per-mailbox board and default category: 'addr=board/category; addr2=board'. Mailboxes not listed use JIRA_DEFAULT_BOARD and JIRA_TICKET_LABEL_DEFAULT_CATEGORY."},
	{Name: "O365_TENANT_ID", Required: true, Description: "Entra ID tenant (directory) id of the mailboxes."},
	{Name: "O365_CLIENT_ID", Required: true, Description: "Application (client) id of the Entra app registration with Mail.ReadWrite and Mail.Send."},
	{Name: "O365_CLIENT_SECRET", Secret: true, VaultName: "o365-client-secret", Description: "Client secret of the app registration (or use O365_CLIENT_CERTIFICATE)."},
	{Name: "O365_CLIENT_CERTIFICATE", Secret: true, VaultName: "o365-client-certificate", Description: "Client certificate of the app registration: base64 of a PFX or PEM with the private key (instead of a secret)."},
	{Name: "O365_AUTHORITY_HOST", Default: "https://login.microsoftonline.com/", Description: "Entra ID authority host; change for national clouds."},
	{Name: "GRAPH_BASE_URL", Default: "https://graph.microsoft.com/v1.0", Description: "Microsoft Graph base URL; change for national clouds."},
	{Name: "PUBLIC_BASE_URL", Description: "Public https base URL Graph posts notifications to; in Azure derived from WEBSITE_HOSTNAME."},
	{Name: "WEBSITE_HOSTNAME", Platform: true, Description: "Set by Azure Functions: the app's host name (used when PUBLIC_BASE_URL is empty)."},
	// Jira.
	{Name: "ATLASSIAN_URL", Required: true, Description: "Jira Cloud site URL, e.g. https://your-site.atlassian.net."},
	{Name: "ATLASSIAN_USER", Required: true, Description: "Email of the Jira account the service acts as."},
	{Name: "ATLASSIAN_API_TOKEN", Secret: true, VaultName: "atlassian-api-token", Required: true, Description: "API token of that Jira account."},
	{Name: "JIRA_TICKET_TYPE", Default: "Task", Description: "Issue type name for new tickets."},
	{Name: "JIRA_TICKET_LABELS", Description: "Labels put on every ticket the service creates, comma-separated; they mark the tickets it owns."},
	{Name: "JIRA_TICKET_LABEL_CATEGORIES", Description: "Allowed categories (added as a label), comma-separated."},
	{Name: "JIRA_TICKET_LABEL_DEFAULT_CATEGORY", Description: "Category used when none is given; must be one of JIRA_TICKET_LABEL_CATEGORIES."},
	{Name: "JIRA_BOARDS", Required: true, Description: "Boards: comma-separated 'key=Board name' entries, or (as before) names of variables that hold a board name (JIRA_SUPPORT_BOARD gives key 'support')."},
	{Name: "JIRA_DEFAULT_BOARD", Description: "Key of the board used when none is given; defaults to the only board when there is one."},
	// Mail filtering.
	{Name: "EMAIL_WHITELISTED_DOMAINS", Description: "When set, only senders from these domains create tickets (comma-separated)."},
	{Name: "EMAIL_BLACKLIST", Description: "Sender addresses that never create tickets or comments (comma-separated, case-insensitive)."},
	{Name: "TICKET_CLIENT_APP", Description: "URL of the support portal; ticket links in replies point there when set (the key is appended)."},
	// Processing.
	{Name: "REPLY_TEMPLATE_FILE", Description: "Path of an HTML template (Go html/template with .Key .Summary .Link .Sender .Mailbox) for the acknowledgement reply; a built-in one is used when empty."},
	{Name: "MAX_NEW_TICKETS_PER_SENDER_PER_HOUR", Default: "20", Description: "Cap on new tickets one sender can open per hour, so a mail storm cannot flood Jira; 0 turns the cap off."},
	{Name: "MAX_ATTACHMENT_MB", Default: "50", Description: "Largest mail attachment uploaded to Jira, in MB; larger ones are skipped with a note on the ticket."},
	{Name: "JIRA_PRIORITY_HIGH", Default: "High", Description: "Jira priority for mail marked high importance."},
	{Name: "JIRA_PRIORITY_LOW", Default: "Low", Description: "Jira priority for mail marked low importance."},
	// Ingestion.
	{Name: "SUBSCRIPTIONS_ENABLED", Default: "true", Description: "false runs on sweeps alone (no public URL needed); then set SWEEP_SCHEDULE to every minute."},
	{Name: "SUBSCRIPTION_RENEW_MARGIN", Default: "48h", Description: "Renew a Graph subscription when less than this remains (Go duration, e.g. 48h)."},
	{Name: "SWEEP_LOOKBACK_DAYS", Default: "2", Description: "How far back the first sweep of a mailbox looks, in days."},
	{Name: "SWEEP_TIME_BUDGET", Default: "4m", Description: "How long one sweep may run before it stops and resumes next time (Go duration)."},
	{Name: "RETENTION_DAYS", Default: "180", Description: "Days ledger, webhook-delivery and cache rows are kept (they hold personal data)."},
	// Ticket API.
	{Name: "API_MAX_UPLOAD_MB", Default: "25", Description: "Largest total upload accepted by the ticket API per request, in MB."},
	{Name: "API_MAX_FILE_MB", Default: "10", Description: "Largest single file accepted by the ticket API, in MB."},
	// Jira comment relay.
	{Name: "JIRA_RELAY_ENABLED", Default: "false", Description: "true relays public Jira comments on the service's tickets back to the mail thread."},
	{Name: "JIRA_WEBHOOK_SECRET", Secret: true, VaultName: "jira-webhook-secret", Description: "Secret of the Jira admin webhook; deliveries must carry X-Hub-Signature: sha256=HMAC of the body with it."},
	{Name: "JIRA_RELAY_EVENTS", Default: "comment_created", Description: "Webhook events relayed, comma-separated."},
	// Storage, secrets, runtime.
	{Name: "AzureWebJobsStorage", Secret: true, Description: "Storage connection string (UseDevelopmentStorage=true for Azurite); empty when identity-based."},
	{Name: "AzureWebJobsStorage__accountName", Description: "Storage account name for identity-based access (managed identity, no keys)."},
	{Name: "AzureWebJobsStorage__tableServiceUri", Description: "Table endpoint for identity-based access; defaults to https://<accountName>.table.core.windows.net."},
	{Name: "TABLE_PREFIX", Description: "Prefix for the service's table names (letters and digits), so several standalone installations can share one storage account; Azure deployments have their own account and leave it empty."},
	{Name: "KEY_VAULT_URL", Description: "Key Vault URL; when set, secrets are read from it first (environment as fallback only for secrets the vault lacks)."},
	{Name: "API_KEYS", Secret: true, VaultName: "api-keys", Description: "Standalone mode: keys accepted in x-functions-key or ?code= for the ticket API, comma-separated (under the Functions host the host checks its own keys)."},
	{Name: "SWEEP_SCHEDULE", Default: "0 */15 * * * *", Description: "NCRONTAB (6 fields) for the sweep that finds missed mail; standalone with SUBSCRIPTIONS_ENABLED=false it defaults to every minute (in Azure set it yourself)."},
	{Name: "RENEW_SCHEDULE", Default: "0 0 * * * *", Description: "NCRONTAB (6 fields) for the Graph subscription renewal timer."},
	{Name: "LISTEN_ADDRESS", Default: "127.0.0.1:7071", Description: "Standalone mode: address to listen on (under the host, FUNCTIONS_CUSTOMHANDLER_PORT decides)."},
	{Name: "FUNCTIONS_CUSTOMHANDLER_PORT", Platform: true, Description: "Set by the Functions host: the port to listen on; its presence selects host mode."},
	{Name: "WORKERS", Default: "4", Description: "Standalone mode: queue workers in the in-process pool."},
	{Name: "LOG_LEVEL", Default: "info", Description: "debug, info, warn or error."},
}

// Lookup returns the setting with the given name.
func Lookup(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}
