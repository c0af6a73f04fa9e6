# Host storage, deployment packages, the mail queue and the service's tables. No account keys:
# everything authenticates with Entra ID (the app through its managed identity).
resource "azurerm_storage_account" "main" {
  name                            = local.storage_account_name
  resource_group_name             = azurerm_resource_group.main.name
  location                        = azurerm_resource_group.main.location
  account_kind                    = "StorageV2"
  account_tier                    = "Standard"
  account_replication_type        = "LRS"
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  local_user_enabled              = false
  https_traffic_only_enabled      = true
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = local.tags
}

# Flex Consumption runs the app from a package in this container.
resource "azurerm_storage_container" "deployments" {
  name                  = "app-package"
  storage_account_id    = azurerm_storage_account.main.id
  container_access_type = "private"
}

resource "azurerm_storage_queue" "queues" {
  for_each           = toset(local.queues)
  name               = each.key
  storage_account_id = azurerm_storage_account.main.id
}

resource "azurerm_storage_table" "tables" {
  for_each           = toset(local.tables)
  name               = each.key
  storage_account_id = azurerm_storage_account.main.id
}
