package jira

import (
	"errors"
	"slices"
	"testing"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestWatchers(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	bot, _ := s.client(t, botID)
	agent, _ := s.client(t, agentID)
	key := createIssue(t, bot, "watch me")
	tests := []struct {
		name    string
		c       *Client
		key     string
		account string
		wantErr error
	}{
		{name: "someone else", c: bot, key: key, account: aliceID},
		{name: "twice is fine", c: bot, key: key, account: aliceID},
		{name: "hidden-email account by id", c: bot, key: key, account: bobID},
		{name: "without Manage Watchers", c: agent, key: key, account: aliceID, wantErr: errs.ErrForbidden},
		{name: "unknown account", c: bot, key: key, account: "nobody-1", wantErr: errs.ErrNotFound},
		{name: "unknown issue", c: bot, key: "SUP-404", account: aliceID, wantErr: errs.ErrNotFound},
		{name: "empty account", c: bot, key: key, account: "", wantErr: errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.AddWatcher(testCtx(t), tt.key, tt.account)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("AddWatcher: got %v, want %v", err, tt.wantErr)
			}
		})
	}
	list, err := bot.Watchers(testCtx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range list {
		ids = append(ids, u.AccountID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{aliceID, bobID, botID}) {
		t.Errorf("watchers = %v, want alice, bot (autowatch) and bob once each", ids)
	}
	if _, err := bot.Watchers(testCtx(t), "SUP-404"); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("Watchers of an unknown issue: %v", err)
	}
}
