data "azurerm_client_config" "current" {}

locals {
  # A stable suffix per subscription, environment and region keeps the globally unique names
  # (storage account, Key Vault, app host name) unique without a random provider.
  suffix      = substr(sha1("${data.azurerm_client_config.current.subscription_id}/${var.environment_name}/${var.location}"), 0, 6)
  compact_env = replace(var.environment_name, "-", "")

  resource_group_name  = var.resource_group_name != "" ? var.resource_group_name : "rg-${var.environment_name}"
  storage_account_name = "st${substr(local.compact_env, 0, 14)}${local.suffix}"
  key_vault_name       = "kv-${substr(local.compact_env, 0, 14)}-${local.suffix}"
  function_app_name    = "func-${var.environment_name}-${local.suffix}"

  # azd finds the resource group by azd-env-name and the app by azd-service-name (azure.yaml).
  tags = merge(var.tags, { "azd-env-name" = var.environment_name })

  # The queue and the tables the service uses (internal/registry); the host adds "-poison" to a
  # queue for messages that keep failing, created here so no identity needs to create queues.
  mail_queue = "mail-messages"
  queues     = [local.mail_queue, "${local.mail_queue}-poison"]
  tables     = ["tickets", "ledger", "state", "cache"]
}

resource "azurerm_resource_group" "main" {
  name     = local.resource_group_name
  location = var.location
  tags     = local.tags
}

# The app's one identity: the Functions host (storage, telemetry) and the service (Key Vault,
# Table Storage) both use it, picked by client id.
resource "azurerm_user_assigned_identity" "app" {
  name                = "id-${var.environment_name}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  tags                = local.tags
}
