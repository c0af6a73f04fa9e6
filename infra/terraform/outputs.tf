output "resource_group_name" {
  description = "The resource group holding everything."
  value       = azurerm_resource_group.main.name
}

output "function_app_name" {
  description = "The function app's name (for az functionapp deployment source config-zip)."
  value       = azurerm_function_app_flex_consumption.main.name
}

output "base_url" {
  description = "The app's base URL (what PUBLIC_BASE_URL defaults to)."
  value       = local.base_url
}

output "notification_url" {
  description = "Where Graph posts change notifications; the renewal timer registers it."
  value       = "${local.base_url}/api/graph/notifications"
}

output "lifecycle_notification_url" {
  description = "Where Graph posts lifecycle events for the subscriptions."
  value       = "${local.base_url}/api/graph/lifecycle"
}

output "jira_webhook_url" {
  description = "The URL to register as the Jira admin webhook (README step 9)."
  value       = "${local.base_url}/api/jira/webhook"
}

output "key_vault_name" {
  description = "The vault the operator stores the service's secrets in."
  value       = azurerm_key_vault.main.name
}

output "key_vault_secret_names" {
  description = "Setting name to Key Vault secret name, for az keyvault secret set."
  value       = local.key_vault_secrets
}

output "storage_account_name" {
  description = "The storage account (tables, queue, packages), for the operator commands run from a workstation."
  value       = azurerm_storage_account.main.name
}

# azd reads upper-case outputs into its environment.
output "AZURE_RESOURCE_GROUP" {
  description = "The resource group, for azd."
  value       = azurerm_resource_group.main.name
}

locals {
  base_url = var.public_base_url != "" ? var.public_base_url : "https://${azurerm_function_app_flex_consumption.main.default_hostname}"
}
