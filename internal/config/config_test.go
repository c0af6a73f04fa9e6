package config

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// loadEnv reads a testdata .env file into a getenv func.
func loadEnv(tb testing.TB, name string, overrides ...string) func(string) string {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

type fakeSecrets struct {
	values map[string]string
	err    error
}

func (f fakeSecrets) Secret(_ context.Context, name string) (string, bool, error) {
	if f.err != nil {
		return "", false, f.err
	}
	v, ok := f.values[name]
	return v, ok, nil
}

func TestLoadSeedStyle(t *testing.T) {
	c, err := Load(context.Background(), loadEnv(t, "base.env"), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantBoards := []Board{{Key: "support", Name: "Support Board"}, {Key: "it", Name: "IT, Helpdesk"}}
	if d := cmp.Diff(wantBoards, c.Boards); d != "" {
		t.Errorf("boards (-want +got):\n%s", d)
	}
	wantRoutes := map[string]Route{"support@contoso.example": {Mailbox: "support@contoso.example", Board: "support", Category: "software"}}
	if d := cmp.Diff(wantRoutes, c.Routes); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"contoso.example", "fabrikam.example"}, c.WhitelistedDomains); d != "" {
		t.Errorf("whitelist (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"noisy@contoso.example"}, c.Blacklist); d != "" {
		t.Errorf("blacklist (-want +got):\n%s", d)
	}
	if c.Storage.ConnectionString != "UseDevelopmentStorage=true" {
		t.Errorf("storage connection = %q", c.Storage.ConnectionString)
	}
	if c.TicketType != "Task" || c.GraphBaseURL != "https://graph.microsoft.com/v1.0" || c.Schedules["SWEEP_SCHEDULE"] != "0 */15 * * * *" {
		t.Errorf("defaults not applied: type %q graph %q sweep %q", c.TicketType, c.GraphBaseURL, c.Schedules["SWEEP_SCHEDULE"])
	}
	if c.UnderHost() || c.ListenAddress != "127.0.0.1:7071" {
		t.Errorf("standalone defaults: host %v listen %q", c.UnderHost(), c.ListenAddress)
	}
}

func TestLoadMultipleMailboxes(t *testing.T) {
	c, err := Load(context.Background(), loadEnv(t, "multi.env"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Route{
		"support@contoso.example": {Mailbox: "support@contoso.example", Board: "support"},
		"hr@contoso.example":      {Mailbox: "hr@contoso.example", Board: "people", Category: "access"},
		"it@contoso.example":      {Mailbox: "it@contoso.example", Board: "it"},
	}
	if d := cmp.Diff(want, c.Routes); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
	if c.JiraURL != "https://contoso.atlassian.net" {
		t.Errorf("trailing slash kept: %q", c.JiraURL)
	}
	if c.Storage.TableServiceURL != "https://contosostore.table.core.windows.net" {
		t.Errorf("table endpoint not derived: %q", c.Storage.TableServiceURL)
	}
	if !c.UnderHost() {
		t.Error("FUNCTIONS_CUSTOMHANDLER_PORT set but not under host")
	}
}

func TestLoadNamesEveryProblem(t *testing.T) {
	_, err := Load(context.Background(), loadEnv(t, "broken.env"), nil)
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("want *Error, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`MAILBOX: "not an address" is not a plain email address`,
		"MAILBOX_ROUTES: \"other@contoso.example\" is not one of the mailboxes",
		`MAILBOX_ROUTES: board "nope"`,
		`MAILBOX_ROUTES: category "zzz"`,
		"O365_CLIENT_ID: is required",
		"O365_CLIENT_SECRET: set O365_CLIENT_SECRET (or O365_CLIENT_CERTIFICATE)",
		"ATLASSIAN_URL: \"ftp://contoso.atlassian.net\" is not an absolute http(s) URL",
		"ATLASSIAN_API_TOKEN: is required",
		`JIRA_TICKET_LABELS: "has space" is not a valid Jira label`,
		`JIRA_TICKET_LABEL_DEFAULT_CATEGORY: "c" is not one of`,
		"JIRA_MISSING_BOARD: is named in JIRA_BOARDS but empty",
		`JIRA_BOARDS: entry "lower case bad"`,
		"AzureWebJobsStorage: connection string lacks AccountName and AccountKey",
		"SWEEP_SCHEDULE: \"*/15 * * * *\" must have 6 fields",
		"WORKERS: \"0\" must be a whole number from 1 to 64",
		`LOG_LEVEL: "loud"`,
		"API_KEYS: every key must be at least 16 characters",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "short") {
		t.Errorf("error echoes a secret value:\n%s", msg)
	}
}

func TestLoadSecrets(t *testing.T) {
	tests := []struct {
		name      string
		secrets   Secrets
		wantToken string
		wantErr   string
	}{
		{"vault value wins", fakeSecrets{values: map[string]string{"ATLASSIAN_API_TOKEN": "from-vault"}}, "from-vault", ""},
		{"absent in vault uses env", fakeSecrets{values: map[string]string{}}, "jira-token-value-0123456789", ""},
		{"refused vault is an error", fakeSecrets{err: errors.New("403 forbidden")}, "", "ATLASSIAN_API_TOKEN: could not be read from the secret store: 403 forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(context.Background(), loadEnv(t, "base.env"), tt.secrets)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.JiraToken != tt.wantToken {
				t.Errorf("token = %q, want %q", c.JiraToken, tt.wantToken)
			}
		})
	}
}

func TestPublicBaseURLFromWebsiteHostname(t *testing.T) {
	c, err := Load(context.Background(), loadEnv(t, "base.env", "PUBLIC_BASE_URL=", "WEBSITE_HOSTNAME=mail2jira.azurewebsites.net"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicBaseURL != "https://mail2jira.azurewebsites.net" {
		t.Errorf("PublicBaseURL = %q", c.PublicBaseURL)
	}
}

func TestWorkSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		wantErr string
	}{
		{"subscriptions need a public URL", []string{"PUBLIC_BASE_URL="}, "PUBLIC_BASE_URL: is required while SUBSCRIPTIONS_ENABLED is true"},
		{"sweeps alone need none", []string{"PUBLIC_BASE_URL=", "SUBSCRIPTIONS_ENABLED=false"}, ""},
		{"bad boolean", []string{"SUBSCRIPTIONS_ENABLED=yes please"}, `SUBSCRIPTIONS_ENABLED: "yes please" must be true or false`},
		{"bad duration", []string{"SUBSCRIPTION_RENEW_MARGIN=2 days"}, "SUBSCRIPTION_RENEW_MARGIN"},
		{"margin beyond lifetime", []string{"SUBSCRIPTION_RENEW_MARGIN=200h"}, "SUBSCRIPTION_RENEW_MARGIN"},
		{"relay needs a secret", []string{"JIRA_RELAY_ENABLED=true"}, "JIRA_WEBHOOK_SECRET: must be set"},
		{"file over total", []string{"API_MAX_FILE_MB=30", "API_MAX_UPLOAD_MB=20"}, "API_MAX_FILE_MB: must not exceed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(context.Background(), loadEnv(t, "base.env", tt.env...), nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.SubscriptionsEnabled || c.RenewMargin != 48*time.Hour || c.MaxAttachmentBytes != 50<<20 {
					t.Errorf("defaults: %+v", c)
				}
				if c.Schedules["SWEEP_SCHEDULE"] != "0 * * * * *" {
					t.Errorf("without subscriptions the sweep runs every minute, not %q", c.Schedules["SWEEP_SCHEDULE"])
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
