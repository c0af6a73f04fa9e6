package mail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// classifyCase is one fixture under testdata/classify.
type classifyCase struct {
	Message          Message  `json:"message"`
	Facts            Facts    `json:"facts"`
	WhitelistDomains []string `json:"whitelistDomains"`
	Want             struct {
		Class  Class  `json:"class"`
		Reason string `json:"reason"`
	} `json:"want"`
}

func testConfig() *Config {
	return &Config{
		Mailboxes: []string{"support@contoso.com", "helpdesk@contoso.com"},
		Routes: map[string]Route{
			"support@contoso.com":  {ProjectKey: "SUP", IssueType: "Task", Category: "support"},
			"helpdesk@contoso.com": {ProjectKey: "SUP", IssueType: "Task", Category: "it help"},
		},
		Labels:    []string{"mail2jira"},
		Blacklist: []string{"spam@evil.example"},
		SiteURL:   "https://contoso.atlassian.net",
	}
}

func TestClassify(t *testing.T) {
	files, err := filepath.Glob("testdata/classify/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			c := loadJSON[classifyCase](t, f)
			cfg := testConfig()
			cfg.WhitelistDomains = c.WhitelistDomains
			got := Classify(cfg, &c.Message, c.Facts)
			want := Verdict{Class: c.Want.Class, Reason: c.Want.Reason}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Classify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestClassifyCapDisabled(t *testing.T) {
	cfg := testConfig()
	cfg.MaxNewTicketsPerHour = -1
	c := loadJSON[classifyCase](t, "testdata/classify/capped.json")
	if got := Classify(cfg, &c.Message, c.Facts); got.Class != ClassRequest {
		t.Errorf("with the cap disabled got %+v, want a request", got)
	}
}

func loadJSON[T any](tb testing.TB, path string) T {
	tb.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return v
}
