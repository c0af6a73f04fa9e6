# The service's secrets live here, set by the operator (az keyvault secret set, names in the
# key_vault_secret_names output), never through Terraform: its state would keep them in plain text.
resource "azurerm_key_vault" "main" {
  name                          = local.key_vault_name
  resource_group_name           = azurerm_resource_group.main.name
  location                      = azurerm_resource_group.main.location
  tenant_id                     = data.azurerm_client_config.current.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  soft_delete_retention_days    = 90
  purge_protection_enabled      = true
  public_network_access_enabled = true
  tags                          = local.tags
}
