package config

import "time"

// work reads the settings of mail processing, ingestion, the ticket API and the relay.
func (r *reader) work(c *Config) {
	c.ReplyTemplateFile = r.get("REPLY_TEMPLATE_FILE")
	c.MaxNewTicketsPerHour = r.int("MAX_NEW_TICKETS_PER_SENDER_PER_HOUR", 0, 100000)
	c.MaxAttachmentBytes = int64(r.int("MAX_ATTACHMENT_MB", 1, 2048)) << 20
	c.PriorityHigh = r.get("JIRA_PRIORITY_HIGH")
	c.PriorityLow = r.get("JIRA_PRIORITY_LOW")

	c.SubscriptionsEnabled = r.bool("SUBSCRIPTIONS_ENABLED")
	c.RenewMargin = r.duration("SUBSCRIPTION_RENEW_MARGIN", time.Hour, 6*24*time.Hour)
	c.SweepLookbackDays = r.int("SWEEP_LOOKBACK_DAYS", 1, 365)
	c.SweepBudget = r.duration("SWEEP_TIME_BUDGET", 10*time.Second, time.Hour)
	c.RetentionDays = r.int("RETENTION_DAYS", 1, 3650)
	if c.SubscriptionsEnabled && c.PublicBaseURL == "" {
		r.problem("PUBLIC_BASE_URL", "is required while SUBSCRIPTIONS_ENABLED is true: Graph must reach the notification URL over HTTPS "+
			"(or set SUBSCRIPTIONS_ENABLED=false to work on sweeps alone)")
	}

	c.APIMaxUploadBytes = int64(r.int("API_MAX_UPLOAD_MB", 1, 1024)) << 20
	c.APIMaxFileBytes = int64(r.int("API_MAX_FILE_MB", 1, 1024)) << 20
	if c.APIMaxFileBytes > c.APIMaxUploadBytes {
		r.problem("API_MAX_FILE_MB", "must not exceed API_MAX_UPLOAD_MB")
	}

	c.RelayEnabled = r.bool("JIRA_RELAY_ENABLED")
	c.WebhookSecret = r.get("JIRA_WEBHOOK_SECRET")
	c.RelayEvents = r.list("JIRA_RELAY_EVENTS")
	if c.RelayEnabled && len(c.WebhookSecret) < 16 {
		r.problem("JIRA_WEBHOOK_SECRET", "must be set (at least 16 characters) while JIRA_RELAY_ENABLED is true; use the same secret in the Jira webhook")
	}
}
