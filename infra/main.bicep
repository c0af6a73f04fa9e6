// The whole deployment in Bicep, mirroring infra/terraform/ resource for resource (Terraform is
// the validated path; no Bicep compiler runs in this repository's checks, see README.md).
// azd provisions it with main.parameters.json when azure.yaml's infra block is removed.
targetScope = 'subscription'

@description('Short name of this deployment (azd\'s AZURE_ENV_NAME), used in every resource name.')
@minLength(2)
@maxLength(16)
param environmentName string

@description('Azure region for every resource; it must offer the Flex Consumption plan.')
param location string

@description('Resource group to create; empty means rg-<environmentName>.')
param resourceGroupName string = ''

@description('Extra tags for every resource.')
param tags object = {}

@description('Most on-demand instances per scale group; 1 keeps the mail processor within Graph\'s per-mailbox limits (README.md).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 1

@description('Memory of each instance in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP group, so the first notification is not answered by a cold start; 0 turns them off.')
@minValue(0)
@maxValue(1000)
param alwaysReadyHttpInstances int = 1

@description('Days the Log Analytics workspace keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 30

@description('Object id of whoever deploys (azd sets AZURE_PRINCIPAL_ID); gets Key Vault Secrets Officer to store the secrets. Empty: no grant.')
param principalId string = ''

// ---- Service settings (internal/registry; secrets have no parameter: they go into Key Vault) ----

@description('MAILBOX: mailbox address(es) to watch, comma-separated.')
@minLength(3)
param mailbox string

@description('MAILBOX_ROUTES: per-mailbox board and default category, \'addr=board/category; addr2=board\'.')
param mailboxRoutes string = ''

@description('O365_TENANT_ID: Entra ID tenant (directory) id of the mailboxes.')
@minLength(36)
@maxLength(36)
param o365TenantId string

@description('O365_CLIENT_ID: application (client) id of the app registration with Mail.ReadWrite and Mail.Send.')
@minLength(36)
@maxLength(36)
param o365ClientId string

@description('O365_AUTHORITY_HOST: Entra ID authority host; change for national clouds.')
param o365AuthorityHost string = 'https://login.microsoftonline.com/'

@description('GRAPH_BASE_URL: Microsoft Graph base URL; change for national clouds.')
param graphBaseUrl string = 'https://graph.microsoft.com/v1.0'

@description('PUBLIC_BASE_URL: public https base URL for Graph notifications; empty means https://<the app\'s host name>.')
param publicBaseUrl string = ''

@description('ATLASSIAN_URL: Jira Cloud site URL, e.g. https://your-site.atlassian.net.')
@minLength(9)
param atlassianUrl string

@description('ATLASSIAN_USER: email of the Jira account the service acts as.')
@minLength(3)
param atlassianUser string

@description('JIRA_TICKET_TYPE: issue type name for new tickets.')
@minLength(1)
param jiraTicketType string = 'Task'

@description('JIRA_TICKET_LABELS: labels put on every ticket the service creates, comma-separated.')
param jiraTicketLabels string = ''

@description('JIRA_TICKET_LABEL_CATEGORIES: allowed categories (added as a label), comma-separated.')
param jiraTicketLabelCategories string = ''

@description('JIRA_TICKET_LABEL_DEFAULT_CATEGORY: category used when none is given.')
param jiraTicketLabelDefaultCategory string = ''

@description('JIRA_BOARDS: boards as comma-separated \'key=Board name\' entries.')
@minLength(3)
param jiraBoards string

@description('JIRA_DEFAULT_BOARD: key of the board used when none is given.')
param jiraDefaultBoard string = ''

@description('EMAIL_WHITELISTED_DOMAINS: when set, only senders from these domains create tickets.')
param emailWhitelistedDomains string = ''

@description('EMAIL_BLACKLIST: sender addresses that never create tickets or comments.')
param emailBlacklist string = ''

@description('TICKET_CLIENT_APP: URL of the support portal ticket links point to.')
param ticketClientApp string = ''

@description('REPLY_TEMPLATE_FILE: path of an HTML template (Go html/template) for the acknowledgement reply, relative to the app root in the zip; empty uses the built-in one.')
param replyTemplateFile string = ''

@description('MAX_NEW_TICKETS_PER_SENDER_PER_HOUR: cap on new tickets one sender can open per hour; 0 turns the cap off.')
param maxNewTicketsPerSenderPerHour string = '20'

@description('MAX_ATTACHMENT_MB: largest mail attachment uploaded to Jira, in MB.')
param maxAttachmentMb string = '50'

@description('JIRA_PRIORITY_HIGH: Jira priority for mail marked high importance.')
param jiraPriorityHigh string = 'High'

@description('JIRA_PRIORITY_LOW: Jira priority for mail marked low importance.')
param jiraPriorityLow string = 'Low'

@description('SUBSCRIPTIONS_ENABLED: false runs on sweeps alone (no Graph notifications).')
@allowed(['true', 'false'])
param subscriptionsEnabled string = 'true'

@description('SUBSCRIPTION_RENEW_MARGIN: renew a Graph subscription when less than this remains (Go duration, e.g. 48h).')
param subscriptionRenewMargin string = '48h'

@description('SWEEP_LOOKBACK_DAYS: how far back the first sweep of a mailbox looks, in days.')
param sweepLookbackDays string = '2'

@description('SWEEP_TIME_BUDGET: how long one sweep may run before it resumes next time (Go duration).')
param sweepTimeBudget string = '4m'

@description('RETENTION_DAYS: days ledger, webhook-delivery and cache rows are kept.')
param retentionDays string = '180'

@description('API_MAX_UPLOAD_MB: largest total upload accepted by the ticket API per request, in MB.')
param apiMaxUploadMb string = '25'

@description('API_MAX_FILE_MB: largest single file accepted by the ticket API, in MB.')
param apiMaxFileMb string = '10'

@description('JIRA_RELAY_ENABLED: true relays public Jira comments back to the mail thread (README step 9).')
@allowed(['true', 'false'])
param jiraRelayEnabled string = 'false'

@description('JIRA_RELAY_EVENTS: webhook events relayed, comma-separated.')
param jiraRelayEvents string = 'comment_created'

@description('SWEEP_SCHEDULE: NCRONTAB (6 fields, UTC) for the sweep that finds missed mail.')
param sweepSchedule string = '0 */15 * * * *'

@description('RENEW_SCHEDULE: NCRONTAB (6 fields, UTC) for the Graph subscription renewal timer.')
param renewSchedule string = '0 0 * * * *'

@description('LOG_LEVEL: debug, info, warn or error.')
@allowed(['debug', 'info', 'warn', 'error'])
param logLevel string = 'info'

// Stable per subscription, environment and region, like the Terraform's suffix (the two differ).
var suffix = take(uniqueString(subscription().id, environmentName, location), 6)
var compactEnv = replace(environmentName, '-', '')
var allTags = union(tags, { 'azd-env-name': environmentName })
var functionAppName = 'func-${environmentName}-${suffix}'

// The queue and tables the service uses (internal/registry), and the host's poison queue.
var mailQueue = 'mail-messages'
var queues = [mailQueue, '${mailQueue}-poison']
var tables = ['tickets', 'ledger', 'state', 'cache']

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${environmentName}'
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${take(compactEnv, 14)}${suffix}'
    location: location
    tags: allTags
    deploymentContainer: 'app-package'
    queues: queues
    tables: tables
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-${take(compactEnv, 14)}-${suffix}'
    location: location
    tags: allTags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    environmentName: environmentName
    location: location
    tags: allTags
    retentionDays: logRetentionDays
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    deployerPrincipalId: principalId
    storageAccountName: storage.outputs.name
    keyVaultName: vault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
  }
}

// Every non-secret setting of the service (internal/registry); empty values are left out so the
// service applies its own default. infra/check compares these names with the registry.
var serviceSettings = {
  MAILBOX: mailbox
  MAILBOX_ROUTES: mailboxRoutes
  O365_TENANT_ID: o365TenantId
  O365_CLIENT_ID: o365ClientId
  O365_AUTHORITY_HOST: o365AuthorityHost
  GRAPH_BASE_URL: graphBaseUrl
  PUBLIC_BASE_URL: publicBaseUrl
  ATLASSIAN_URL: atlassianUrl
  ATLASSIAN_USER: atlassianUser
  JIRA_TICKET_TYPE: jiraTicketType
  JIRA_TICKET_LABELS: jiraTicketLabels
  JIRA_TICKET_LABEL_CATEGORIES: jiraTicketLabelCategories
  JIRA_TICKET_LABEL_DEFAULT_CATEGORY: jiraTicketLabelDefaultCategory
  JIRA_BOARDS: jiraBoards
  JIRA_DEFAULT_BOARD: jiraDefaultBoard
  EMAIL_WHITELISTED_DOMAINS: emailWhitelistedDomains
  EMAIL_BLACKLIST: emailBlacklist
  TICKET_CLIENT_APP: ticketClientApp
  REPLY_TEMPLATE_FILE: replyTemplateFile
  MAX_NEW_TICKETS_PER_SENDER_PER_HOUR: maxNewTicketsPerSenderPerHour
  MAX_ATTACHMENT_MB: maxAttachmentMb
  JIRA_PRIORITY_HIGH: jiraPriorityHigh
  JIRA_PRIORITY_LOW: jiraPriorityLow
  SUBSCRIPTIONS_ENABLED: subscriptionsEnabled
  SUBSCRIPTION_RENEW_MARGIN: subscriptionRenewMargin
  SWEEP_LOOKBACK_DAYS: sweepLookbackDays
  SWEEP_TIME_BUDGET: sweepTimeBudget
  RETENTION_DAYS: retentionDays
  API_MAX_UPLOAD_MB: apiMaxUploadMb
  API_MAX_FILE_MB: apiMaxFileMb
  JIRA_RELAY_ENABLED: jiraRelayEnabled
  JIRA_RELAY_EVENTS: jiraRelayEvents
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__tableServiceUri: storage.outputs.tableEndpoint
  KEY_VAULT_URL: vault.outputs.uri
  SWEEP_SCHEDULE: sweepSchedule
  RENEW_SCHEDULE: renewSchedule
  LOG_LEVEL: logLevel
}

// Secret settings: stored by the operator under these Key Vault names, read by the service
// through KEY_VAULT_URL. They never become app settings.
var keyVaultSecrets = {
  O365_CLIENT_SECRET: 'o365-client-secret'
  O365_CLIENT_CERTIFICATE: 'o365-client-certificate'
  ATLASSIAN_API_TOKEN: 'atlassian-api-token'
  JIRA_WEBHOOK_SECRET: 'jira-webhook-secret'
}

// Settings the service reads that an Azure deployment deliberately leaves unset.
var settingsNotInAppSettings = {
  AzureWebJobsStorage: 'identity-based storage: the host and the service use AzureWebJobsStorage__accountName with the managed identity, never a connection string'
  LISTEN_ADDRESS: 'standalone mode only: under the host, FUNCTIONS_CUSTOMHANDLER_PORT decides'
  WORKERS: 'standalone mode only: under the host, host.json\'s queue settings decide'
  API_KEYS: 'standalone mode only: under the host, the host checks its own function keys'
  TABLE_PREFIX: 'the deployment has its own storage account, so its tables need no prefix'
}

// What the Functions host needs: identity-based storage for the user-assigned identity,
// AZURE_CLIENT_ID for DefaultAzureCredential, and Entra-authenticated telemetry. There is no
// AzureWebJobsStorage at all (the Terraform has to blank one its provider adds).
var hostSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  AZURE_CLIENT_ID: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
}

var appSettings = union(toObject(filter(items(serviceSettings), s => !empty(s.value)), s => s.key, s => s.value), hostSettings)

module app 'modules/app.bicep' = {
  name: 'app'
  scope: rg
  dependsOn: [roles]
  params: {
    name: functionAppName
    planName: 'plan-${environmentName}'
    location: location
    tags: allTags
    identityId: identity.outputs.id
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}app-package'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    appSettings: appSettings
  }
}

var baseUrl = empty(publicBaseUrl) ? 'https://${app.outputs.defaultHostName}' : publicBaseUrl

// azd reads these into its environment; the names match the Terraform outputs where they overlap.
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = app.outputs.name
output BASE_URL string = baseUrl
output NOTIFICATION_URL string = '${baseUrl}/api/graph/notifications'
output LIFECYCLE_NOTIFICATION_URL string = '${baseUrl}/api/graph/lifecycle'
output JIRA_WEBHOOK_URL string = '${baseUrl}/api/jira/webhook'
output KEY_VAULT_NAME string = vault.outputs.name
output KEY_VAULT_SECRET_NAMES object = keyVaultSecrets
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output SETTINGS_NOT_IN_APP_SETTINGS object = settingsNotInAppSettings
