resource "azurerm_log_analytics_workspace" "main" {
  name                         = "log-${var.environment_name}"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  sku                          = "PerGB2018"
  retention_in_days            = var.log_retention_days
  local_authentication_enabled = false
  tags                         = local.tags
}

# Local auth off: telemetry is only accepted with an Entra token, which the host gets for the
# app's identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING and Monitoring Metrics Publisher).
resource "azurerm_application_insights" "main" {
  name                         = "appi-${var.environment_name}"
  resource_group_name          = azurerm_resource_group.main.name
  location                     = azurerm_resource_group.main.location
  workspace_id                 = azurerm_log_analytics_workspace.main.id
  application_type             = "other"
  local_authentication_enabled = false
  tags                         = local.tags
}
