terraform {
  required_version = ">= 1.5.0"

  required_providers {
    # Written for the 4.x line (4.77 or later: storage_account_id on tables and queues) and kept
    # valid on 5.x, which `make infra-check` validates against (see infra/README.md).
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.77.0, < 6.0.0"
    }
  }
}

provider "azurerm" {
  features {
    key_vault {
      # Purge protection is on: a destroyed vault stays recoverable for its retention period.
      purge_soft_delete_on_destroy    = false
      recover_soft_deleted_key_vaults = true
    }
    template_deployment {
      # The ftp_off deployment only sets a policy on the app; the app's own deletion removes it.
      delete_nested_items_during_deletion = false
    }
  }

  # Shared keys are disabled on the storage account, so every data-plane call the provider makes
  # uses Entra ID.
  storage_use_azuread = true

  # Register exactly what this deployment needs (an empty subscription has none of them), the same
  # on 4.x (whose default registers ~60) and 5.x (whose default registers none).
  resource_provider_registrations = "none"
  resource_providers_to_register = [
    "Microsoft.App",
    "Microsoft.Insights",
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.OperationalInsights",
    "Microsoft.Storage",
    "Microsoft.Web",
  ]
}
