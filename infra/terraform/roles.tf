# What the app's identity may do, each on the narrowest scope that works. The storage account
# serves this app alone; account scope is needed because the Functions host creates its own blob
# containers (azure-webjobs-hosts, -secrets) and the service creates its tables at start-up with
# an account-level call (POST /Tables). The vault serves this app alone too; per-secret scopes
# are not possible because the operator creates the secrets after the deployment.
locals {
  app_roles = {
    blob_owner = {
      role  = "Storage Blob Data Owner"
      scope = azurerm_storage_account.main.id
    }
    queue_contributor = {
      role  = "Storage Queue Data Contributor"
      scope = azurerm_storage_account.main.id
    }
    table_contributor = {
      role  = "Storage Table Data Contributor"
      scope = azurerm_storage_account.main.id
    }
    secrets_user = {
      role  = "Key Vault Secrets User"
      scope = azurerm_key_vault.main.id
    }
    metrics_publisher = {
      role  = "Monitoring Metrics Publisher"
      scope = azurerm_application_insights.main.id
    }
  }
}

resource "azurerm_role_assignment" "app" {
  for_each             = local.app_roles
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# Lets whoever runs Terraform store the service's secrets right after apply (see README step 6).
resource "azurerm_role_assignment" "deployer_secrets_officer" {
  count                = var.grant_deployer_secrets_officer ? 1 : 0
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = data.azurerm_client_config.current.object_id
}
