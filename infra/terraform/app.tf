resource "azurerm_service_plan" "main" {
  name                = "plan-${var.environment_name}"
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = local.tags
}

resource "azurerm_function_app_flex_consumption" "main" {
  name                = local.function_app_name
  resource_group_name = azurerm_resource_group.main.name
  location            = azurerm_resource_group.main.location
  service_plan_id     = azurerm_service_plan.main.id

  # The custom handler: host.json names the mail2jira binary that `make package` puts in the zip.
  runtime_name    = "custom"
  runtime_version = "1.0"

  storage_container_type            = "blobContainer"
  storage_container_endpoint        = "${azurerm_storage_account.main.primary_blob_endpoint}${azurerm_storage_container.deployments.name}"
  storage_authentication_type       = "UserAssignedIdentity"
  storage_user_assigned_identity_id = azurerm_user_assigned_identity.app.id

  maximum_instance_count = var.maximum_instance_count
  instance_memory_in_mb  = var.instance_memory_mb

  dynamic "always_ready" {
    for_each = var.always_ready_http_instances > 0 ? [var.always_ready_http_instances] : []
    content {
      name           = "http"
      instance_count = always_ready.value
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.app.id]
  }

  https_only                                     = true
  public_network_access_enabled                  = true
  webdeploy_publish_basic_authentication_enabled = false

  site_config {
    minimum_tls_version                    = "1.2"
    scm_minimum_tls_version                = "1.2"
    application_insights_connection_string = azurerm_application_insights.main.connection_string
  }

  app_settings = local.app_settings

  tags = merge(local.tags, { "azd-service-name" = "mail2jira" })

  lifecycle {
    precondition {
      condition     = var.always_ready_http_instances <= var.maximum_instance_count
      error_message = "always_ready_http_instances must not exceed maximum_instance_count."
    }
    precondition {
      condition     = var.api_max_file_mb <= var.api_max_upload_mb
      error_message = "api_max_file_mb must not exceed api_max_upload_mb."
    }
  }

  # The app starts pulling its package and reading its storage as soon as it exists.
  depends_on = [azurerm_role_assignment.app]
}

# FTP off. The Flex Consumption resource has no ftps_state argument, so the site's FTP
# publishing-credentials policy is set through ARM: with basic auth refused (SCM above, FTP
# here) nobody can publish or browse files with a password.
# https://learn.microsoft.com/azure/app-service/configure-basic-auth-disable
resource "azurerm_resource_group_template_deployment" "ftp_off" {
  name                = "ftp-off-${local.function_app_name}"
  resource_group_name = azurerm_resource_group.main.name
  deployment_mode     = "Incremental"
  template_content = jsonencode({
    "$schema"      = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    contentVersion = "1.0.0.0"
    resources = [{
      type       = "Microsoft.Web/sites/basicPublishingCredentialsPolicies"
      apiVersion = "2024-04-01"
      name       = "${azurerm_function_app_flex_consumption.main.name}/ftp"
      properties = { allow = false }
    }]
  })
}
