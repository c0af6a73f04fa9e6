# Deployment shape. Names of service settings below follow internal/registry: each service
# variable is the setting's name in lower case. Secrets have no variable on purpose (Terraform
# keeps variable values in its state in plain text): they go into Key Vault, see outputs.tf.

variable "environment_name" {
  description = "Short name of this deployment (azd's AZURE_ENV_NAME), used in every resource name: lower-case letters, digits and '-', 2 to 16 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,14}[a-z0-9]$", var.environment_name)) && !strcontains(var.environment_name, "--")
    error_message = "environment_name must be 2-16 characters of lower-case letters, digits and single '-', starting with a letter and not ending with '-'."
  }
}

variable "location" {
  description = "Azure region for every resource; it must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+$", var.location))
    error_message = "location must be a region name such as westeurope or eastus2 (lower case, no spaces)."
  }
}

variable "resource_group_name" {
  description = "Resource group to create; empty means rg-<environment_name>."
  type        = string
  default     = ""

  validation {
    condition     = var.resource_group_name == "" || can(regex("^[-\\w\\.\\(\\)]{1,89}[-\\w\\(\\)]$", var.resource_group_name))
    error_message = "resource_group_name must be a valid resource group name (letters, digits, '-', '_', '.', '(' and ')', up to 90 characters, not ending with '.')."
  }
}

variable "tags" {
  description = "Extra tags for every resource."
  type        = map(string)
  default     = {}
}

variable "maximum_instance_count" {
  description = "Most on-demand instances per scale group. 1 keeps the mail processor (3 queue messages in flight per instance from host.json's batchSize 2 + newBatchThreshold 1) within Graph's 4 concurrent requests per mailbox: see infra/README.md for the arithmetic before raising it."
  type        = number
  default     = 1

  validation {
    condition     = var.maximum_instance_count >= 1 && var.maximum_instance_count <= 1000 && floor(var.maximum_instance_count) == var.maximum_instance_count
    error_message = "maximum_instance_count must be a whole number from 1 to 1000 (the Flex Consumption limits)."
  }
}

variable "instance_memory_mb" {
  description = "Memory of each instance in MB; the handler is one small Go binary, so 2048 (the platform default) leaves room for the host."
  type        = number
  default     = 2048

  validation {
    condition     = contains([512, 2048, 4096], var.instance_memory_mb)
    error_message = "instance_memory_mb must be 512, 2048 or 4096 (the Flex Consumption sizes)."
  }
}

variable "always_ready_http_instances" {
  description = "Always-ready instances for the HTTP group (Graph notifications, the Jira webhook, the ticket API), so a quiet mailbox's first notification is not answered by a cold start. 0 turns them off (and their baseline cost)."
  type        = number
  default     = 1

  validation {
    condition     = var.always_ready_http_instances >= 0 && var.always_ready_http_instances <= 1000 && floor(var.always_ready_http_instances) == var.always_ready_http_instances
    error_message = "always_ready_http_instances must be a whole number from 0 to 1000."
  }
}

variable "log_retention_days" {
  description = "Days the Log Analytics workspace keeps logs and telemetry."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be from 30 to 730."
  }
}

variable "grant_deployer_secrets_officer" {
  description = "Give the identity running Terraform the Key Vault Secrets Officer role on the vault, so it can set the service's secrets right after apply."
  type        = bool
  default     = true
}

# ---- Service settings (internal/registry; secrets excluded, see above) ----

variable "mailbox" {
  description = "MAILBOX: mailbox address(es) to watch, comma-separated."
  type        = string

  validation {
    condition     = alltrue([for m in split(",", var.mailbox) : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", trimspace(m)))])
    error_message = "mailbox must be one or more mail addresses separated by commas."
  }
}

variable "mailbox_routes" {
  description = "MAILBOX_ROUTES: per-mailbox board and default category, 'addr=board/category; addr2=board'. Empty: every mailbox uses jira_default_board."
  type        = string
  default     = ""

  validation {
    condition     = alltrue([for r in split(";", var.mailbox_routes) : trimspace(r) == "" || can(regex("^[^@\\s=]+@[^@\\s=]+=\\s*[a-z0-9_-]+\\s*(/\\s*[^/;]+)?$", trimspace(r)))])
    error_message = "mailbox_routes entries must look like support@example.com=board or support@example.com=board/category, separated by ';'."
  }
}

variable "o365_tenant_id" {
  description = "O365_TENANT_ID: Entra ID tenant (directory) id of the mailboxes."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.o365_tenant_id))
    error_message = "o365_tenant_id must be a GUID."
  }
}

variable "o365_client_id" {
  description = "O365_CLIENT_ID: application (client) id of the Entra app registration with Mail.ReadWrite and Mail.Send."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", var.o365_client_id))
    error_message = "o365_client_id must be a GUID."
  }
}

variable "o365_authority_host" {
  description = "O365_AUTHORITY_HOST: Entra ID authority host; change for national clouds."
  type        = string
  default     = "https://login.microsoftonline.com/"

  validation {
    condition     = can(regex("^https://[^\\s/]+/?$", var.o365_authority_host))
    error_message = "o365_authority_host must be an https URL of a host, like https://login.microsoftonline.com/."
  }
}

variable "graph_base_url" {
  description = "GRAPH_BASE_URL: Microsoft Graph base URL; change for national clouds."
  type        = string
  default     = "https://graph.microsoft.com/v1.0"

  validation {
    condition     = can(regex("^https://[^\\s]+$", var.graph_base_url))
    error_message = "graph_base_url must be an https URL."
  }
}

variable "public_base_url" {
  description = "PUBLIC_BASE_URL: public https base URL Graph posts notifications to; empty means https://<the app's default host name> (WEBSITE_HOSTNAME). Set it when a custom domain or gateway fronts the app."
  type        = string
  default     = ""

  validation {
    condition     = var.public_base_url == "" || can(regex("^https://[^\\s]+[^/\\s]$", var.public_base_url))
    error_message = "public_base_url must be empty or an https URL without a trailing '/'."
  }
}

variable "atlassian_url" {
  description = "ATLASSIAN_URL: Jira Cloud site URL, e.g. https://your-site.atlassian.net."
  type        = string

  validation {
    condition     = can(regex("^https://[^\\s/]+/?$", var.atlassian_url))
    error_message = "atlassian_url must be the https URL of the Jira site, like https://your-site.atlassian.net."
  }
}

variable "atlassian_user" {
  description = "ATLASSIAN_USER: email of the Jira account the service acts as (its API token goes into Key Vault)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.atlassian_user))
    error_message = "atlassian_user must be a mail address."
  }
}

variable "jira_ticket_type" {
  description = "JIRA_TICKET_TYPE: issue type name for new tickets."
  type        = string
  default     = "Task"

  validation {
    condition     = trimspace(var.jira_ticket_type) != ""
    error_message = "jira_ticket_type must not be empty."
  }
}

variable "jira_ticket_labels" {
  description = "JIRA_TICKET_LABELS: labels put on every ticket the service creates, comma-separated; they mark the tickets it owns (and the Jira webhook's JQL filter uses them)."
  type        = string
  default     = ""

  validation {
    condition     = alltrue([for l in split(",", var.jira_ticket_labels) : !can(regex("\\s", trimspace(l)))])
    error_message = "jira_ticket_labels must be comma-separated labels without spaces (Jira labels cannot contain spaces)."
  }
}

variable "jira_ticket_label_categories" {
  description = "JIRA_TICKET_LABEL_CATEGORIES: allowed categories (added as a label), comma-separated."
  type        = string
  default     = ""

  validation {
    condition     = alltrue([for l in split(",", var.jira_ticket_label_categories) : !can(regex("\\s", trimspace(l)))])
    error_message = "jira_ticket_label_categories must be comma-separated labels without spaces."
  }
}

variable "jira_ticket_label_default_category" {
  description = "JIRA_TICKET_LABEL_DEFAULT_CATEGORY: category used when none is given; one of jira_ticket_label_categories."
  type        = string
  default     = ""

  validation {
    condition     = !can(regex("[\\s,]", var.jira_ticket_label_default_category))
    error_message = "jira_ticket_label_default_category must be a single label without spaces or commas."
  }
}

variable "jira_boards" {
  description = "JIRA_BOARDS: boards as comma-separated 'key=Board name' entries, e.g. 'support=Support,it=IT Helpdesk'. (The older indirection through JIRA_*_BOARD variables is for local runs; here use the direct form.)"
  type        = string

  validation {
    condition     = alltrue([for b in split(",", var.jira_boards) : can(regex("^\\s*[a-z0-9_-]+\\s*=\\s*\\S.*$", b))])
    error_message = "jira_boards must be comma-separated key=Board name entries with keys of lower-case letters, digits, '-' or '_'."
  }
}

variable "jira_default_board" {
  description = "JIRA_DEFAULT_BOARD: key of the board used when none is given; empty means the only board when there is one."
  type        = string
  default     = ""

  validation {
    condition     = var.jira_default_board == "" || can(regex("^[a-z0-9_-]+$", var.jira_default_board))
    error_message = "jira_default_board must be empty or a board key from jira_boards."
  }
}

variable "email_whitelisted_domains" {
  description = "EMAIL_WHITELISTED_DOMAINS: when set, only senders from these domains create tickets (comma-separated)."
  type        = string
  default     = ""

  validation {
    condition     = alltrue([for d in split(",", var.email_whitelisted_domains) : trimspace(d) == "" || can(regex("^@?[^@\\s/]+\\.[^@\\s/]+$", trimspace(d)))])
    error_message = "email_whitelisted_domains must be comma-separated domains like example.com."
  }
}

variable "email_blacklist" {
  description = "EMAIL_BLACKLIST: sender addresses that never create tickets or comments (comma-separated, case-insensitive)."
  type        = string
  default     = ""

  validation {
    condition     = alltrue([for m in split(",", var.email_blacklist) : trimspace(m) == "" || can(regex("^[^@\\s]+@[^@\\s]+$", trimspace(m)))])
    error_message = "email_blacklist must be comma-separated mail addresses."
  }
}

variable "ticket_client_app" {
  description = "TICKET_CLIENT_APP: URL of the support portal; ticket links in replies point there when set (the key is appended)."
  type        = string
  default     = ""

  validation {
    condition     = var.ticket_client_app == "" || can(regex("^https?://\\S+$", var.ticket_client_app))
    error_message = "ticket_client_app must be empty or an http(s) URL."
  }
}

variable "sweep_schedule" {
  description = "SWEEP_SCHEDULE: NCRONTAB (6 fields, UTC) for the sweep that finds missed mail."
  type        = string
  default     = "0 */15 * * * *"

  validation {
    condition     = can(regex("^\\S+( +\\S+){5}$", trimspace(var.sweep_schedule)))
    error_message = "sweep_schedule must be a six-field NCRONTAB expression (second minute hour day month day-of-week)."
  }
}

variable "renew_schedule" {
  description = "RENEW_SCHEDULE: NCRONTAB (6 fields, UTC) for the Graph subscription renewal timer."
  type        = string
  default     = "0 0 * * * *"

  validation {
    condition     = can(regex("^\\S+( +\\S+){5}$", trimspace(var.renew_schedule)))
    error_message = "renew_schedule must be a six-field NCRONTAB expression (second minute hour day month day-of-week)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL: debug, info, warn or error."
  type        = string
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "reply_template_file" {
  description = "REPLY_TEMPLATE_FILE: path of an HTML template (Go html/template) for the acknowledgement reply, relative to the app's root in the deployment zip; empty uses the built-in one."
  type        = string
  default     = ""

  validation {
    condition     = !can(regex("[\\r\\n]", var.reply_template_file))
    error_message = "reply_template_file must be a single-line path."
  }
}

variable "max_new_tickets_per_sender_per_hour" {
  description = "MAX_NEW_TICKETS_PER_SENDER_PER_HOUR: cap on new tickets one sender can open per hour, so a mail storm cannot flood Jira; 0 turns the cap off."
  type        = number
  default     = 20

  validation {
    condition     = var.max_new_tickets_per_sender_per_hour >= 0 && var.max_new_tickets_per_sender_per_hour <= 100000 && floor(var.max_new_tickets_per_sender_per_hour) == var.max_new_tickets_per_sender_per_hour
    error_message = "max_new_tickets_per_sender_per_hour must be a whole number from 0 to 100000."
  }
}

variable "max_attachment_mb" {
  description = "MAX_ATTACHMENT_MB: largest mail attachment uploaded to Jira, in MB; larger ones are skipped with a note on the ticket."
  type        = number
  default     = 50

  validation {
    condition     = var.max_attachment_mb >= 1 && var.max_attachment_mb <= 2048 && floor(var.max_attachment_mb) == var.max_attachment_mb
    error_message = "max_attachment_mb must be a whole number from 1 to 2048."
  }
}

variable "jira_priority_high" {
  description = "JIRA_PRIORITY_HIGH: Jira priority for mail marked high importance."
  type        = string
  default     = "High"

  validation {
    condition     = trimspace(var.jira_priority_high) != ""
    error_message = "jira_priority_high must name a Jira priority."
  }
}

variable "jira_priority_low" {
  description = "JIRA_PRIORITY_LOW: Jira priority for mail marked low importance."
  type        = string
  default     = "Low"

  validation {
    condition     = trimspace(var.jira_priority_low) != ""
    error_message = "jira_priority_low must name a Jira priority."
  }
}

variable "subscriptions_enabled" {
  description = "SUBSCRIPTIONS_ENABLED: false runs on sweeps alone (no Graph notifications); then set sweep_schedule to every minute."
  type        = bool
  default     = true

  validation {
    condition     = var.subscriptions_enabled != null
    error_message = "subscriptions_enabled must be true or false."
  }
}

variable "subscription_renew_margin" {
  description = "SUBSCRIPTION_RENEW_MARGIN: renew a Graph subscription when less than this remains (Go duration from 1h to 144h, e.g. 48h)."
  type        = string
  default     = "48h"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(h|m|s|ms))+$", var.subscription_renew_margin))
    error_message = "subscription_renew_margin must be a Go duration such as 48h or 36h30m."
  }
}

variable "sweep_lookback_days" {
  description = "SWEEP_LOOKBACK_DAYS: how far back the first sweep of a mailbox looks, in days."
  type        = number
  default     = 2

  validation {
    condition     = var.sweep_lookback_days >= 1 && var.sweep_lookback_days <= 365 && floor(var.sweep_lookback_days) == var.sweep_lookback_days
    error_message = "sweep_lookback_days must be a whole number from 1 to 365."
  }
}

variable "sweep_time_budget" {
  description = "SWEEP_TIME_BUDGET: how long one sweep may run before it stops and resumes next time (Go duration from 10s to 1h); keep it under host.json's functionTimeout."
  type        = string
  default     = "4m"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(h|m|s|ms))+$", var.sweep_time_budget))
    error_message = "sweep_time_budget must be a Go duration such as 4m or 90s."
  }
}

variable "retention_days" {
  description = "RETENTION_DAYS: days ledger, webhook-delivery and cache rows are kept (they hold personal data)."
  type        = number
  default     = 180

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days must be a whole number from 1 to 3650."
  }
}

variable "api_max_upload_mb" {
  description = "API_MAX_UPLOAD_MB: largest total upload accepted by the ticket API per request, in MB."
  type        = number
  default     = 25

  validation {
    condition     = var.api_max_upload_mb >= 1 && var.api_max_upload_mb <= 1024 && floor(var.api_max_upload_mb) == var.api_max_upload_mb
    error_message = "api_max_upload_mb must be a whole number from 1 to 1024."
  }
}

variable "api_max_file_mb" {
  description = "API_MAX_FILE_MB: largest single file accepted by the ticket API, in MB; at most api_max_upload_mb."
  type        = number
  default     = 10

  validation {
    condition     = var.api_max_file_mb >= 1 && var.api_max_file_mb <= 1024 && floor(var.api_max_file_mb) == var.api_max_file_mb
    error_message = "api_max_file_mb must be a whole number from 1 to 1024."
  }
}

variable "jira_relay_enabled" {
  description = "JIRA_RELAY_ENABLED: true relays public Jira comments on the service's tickets back to the mail thread (needs the jira-webhook-secret secret and the Jira webhook, README step 9)."
  type        = bool
  default     = false

  validation {
    condition     = var.jira_relay_enabled != null
    error_message = "jira_relay_enabled must be true or false."
  }
}

variable "jira_relay_events" {
  description = "JIRA_RELAY_EVENTS: webhook events relayed, comma-separated."
  type        = string
  default     = "comment_created"

  validation {
    condition     = alltrue([for e in split(",", var.jira_relay_events) : can(regex("^[a-z_:]+$", trimspace(e)))])
    error_message = "jira_relay_events must be comma-separated Jira webhook event names such as comment_created."
  }
}
