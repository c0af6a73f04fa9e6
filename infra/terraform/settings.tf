# The app settings, in one place so infra/check can compare them with internal/registry: every
# setting the service reads is in service_settings, settings_not_in_app_settings or
# key_vault_secrets, and nothing else reaches the app.
locals {
  # Every non-secret setting of the service (internal/registry). Empty values are left out, so
  # the service applies its own default.
  service_settings = {
    MAILBOX                              = var.mailbox
    MAILBOX_ROUTES                       = var.mailbox_routes
    O365_TENANT_ID                       = var.o365_tenant_id
    O365_CLIENT_ID                       = var.o365_client_id
    O365_AUTHORITY_HOST                  = var.o365_authority_host
    GRAPH_BASE_URL                       = var.graph_base_url
    PUBLIC_BASE_URL                      = var.public_base_url
    ATLASSIAN_URL                        = var.atlassian_url
    ATLASSIAN_USER                       = var.atlassian_user
    JIRA_TICKET_TYPE                     = var.jira_ticket_type
    JIRA_TICKET_LABELS                   = var.jira_ticket_labels
    JIRA_TICKET_LABEL_CATEGORIES         = var.jira_ticket_label_categories
    JIRA_TICKET_LABEL_DEFAULT_CATEGORY   = var.jira_ticket_label_default_category
    JIRA_BOARDS                          = var.jira_boards
    JIRA_DEFAULT_BOARD                   = var.jira_default_board
    EMAIL_WHITELISTED_DOMAINS            = var.email_whitelisted_domains
    EMAIL_BLACKLIST                      = var.email_blacklist
    TICKET_CLIENT_APP                    = var.ticket_client_app
    REPLY_TEMPLATE_FILE                  = var.reply_template_file
    MAX_NEW_TICKETS_PER_SENDER_PER_HOUR  = tostring(var.max_new_tickets_per_sender_per_hour)
    MAX_ATTACHMENT_MB                    = tostring(var.max_attachment_mb)
    JIRA_PRIORITY_HIGH                   = var.jira_priority_high
    JIRA_PRIORITY_LOW                    = var.jira_priority_low
    SUBSCRIPTIONS_ENABLED                = tostring(var.subscriptions_enabled)
    SUBSCRIPTION_RENEW_MARGIN            = var.subscription_renew_margin
    SWEEP_LOOKBACK_DAYS                  = tostring(var.sweep_lookback_days)
    SWEEP_TIME_BUDGET                    = var.sweep_time_budget
    RETENTION_DAYS                       = tostring(var.retention_days)
    API_MAX_UPLOAD_MB                    = tostring(var.api_max_upload_mb)
    API_MAX_FILE_MB                      = tostring(var.api_max_file_mb)
    JIRA_RELAY_ENABLED                   = tostring(var.jira_relay_enabled)
    JIRA_RELAY_EVENTS                    = var.jira_relay_events
    AzureWebJobsStorage__accountName     = azurerm_storage_account.main.name
    AzureWebJobsStorage__tableServiceUri = trimsuffix(azurerm_storage_account.main.primary_table_endpoint, "/")
    KEY_VAULT_URL                        = azurerm_key_vault.main.vault_uri
    SWEEP_SCHEDULE                       = var.sweep_schedule
    RENEW_SCHEDULE                       = var.renew_schedule
    LOG_LEVEL                            = var.log_level
  }

  # Secret settings: the operator stores each under this Key Vault name and the service reads it
  # through KEY_VAULT_URL with the app's identity. They never become app settings.
  key_vault_secrets = {
    O365_CLIENT_SECRET      = "o365-client-secret"
    O365_CLIENT_CERTIFICATE = "o365-client-certificate"
    ATLASSIAN_API_TOKEN     = "atlassian-api-token"
    JIRA_WEBHOOK_SECRET     = "jira-webhook-secret"
  }

  # Settings the service reads that an Azure deployment deliberately leaves unset.
  settings_not_in_app_settings = {
    LISTEN_ADDRESS = "standalone mode only: under the host, FUNCTIONS_CUSTOMHANDLER_PORT decides"
    WORKERS        = "standalone mode only: under the host, host.json's queue settings decide"
    API_KEYS       = "standalone mode only: under the host, the host checks its own function keys"
    TABLE_PREFIX   = "the deployment has its own storage account, so its tables need no prefix"
  }

  # What the Functions host needs: identity-based storage for the user-assigned identity,
  # AZURE_CLIENT_ID so DefaultAzureCredential picks the same identity, and Entra-authenticated
  # telemetry. The provider writes a key-less AzureWebJobsStorage connection string whenever
  # the deployment storage uses an identity
  # (https://github.com/hashicorp/terraform-provider-azurerm/issues/29693); an empty value
  # overrides it so host and service both take the identity-based __accountName path.
  host_settings = {
    AzureWebJobsStorage                       = ""
    AzureWebJobsStorage__credential           = "managedidentity"
    AzureWebJobsStorage__clientId             = azurerm_user_assigned_identity.app.client_id
    AZURE_CLIENT_ID                           = azurerm_user_assigned_identity.app.client_id
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "ClientId=${azurerm_user_assigned_identity.app.client_id};Authorization=AAD"
  }

  app_settings = merge({ for k, v in local.service_settings : k => v if v != "" }, local.host_settings)
}
