package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/bench"
	"github.com/mail2jira/mail2jira/internal/store"
)

func TestNewTicketFloor(t *testing.T) {
	tests := []struct {
		name                     string
		cold                     bool
		recorded, reply, outcome time.Duration
	}{
		{"steady state", false, 330 * time.Millisecond, 490 * time.Millisecond, 660 * time.Millisecond},
		{"first mail looks people up", true, 580 * time.Millisecond, 740 * time.Millisecond, 910 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			toOutcome, toReply := newTicketStages(tt.cold)
			outcome, marks := bench.Floor(toOutcome, 80*time.Millisecond, 250*time.Millisecond)
			_, replyMarks := bench.Floor(toReply, 80*time.Millisecond, 250*time.Millisecond)
			got := []time.Duration{marks["ticket recorded"], replyMarks["reply sent"], outcome}
			if diff := cmp.Diff([]time.Duration{tt.recorded, tt.reply, tt.outcome}, got); diff != "" {
				t.Errorf("floors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotificationBody(t *testing.T) {
	body, err := notification(store.Subscription{ID: "sub-1", ClientState: "secret"}, "msg-1")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Value []struct {
			SubscriptionID string `json:"subscriptionId"`
			ClientState    string `json:"clientState"`
			ChangeType     string `json:"changeType"`
			ResourceData   struct {
				ID string `json:"id"`
			} `json:"resourceData"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Value) != 1 || got.Value[0].SubscriptionID != "sub-1" || got.Value[0].ClientState != "secret" ||
		got.Value[0].ChangeType != "created" || got.Value[0].ResourceData.ID != "msg-1" {
		t.Errorf("notification %s", body)
	}
}

func TestInstanceMemoryReference(t *testing.T) {
	raw, err := os.ReadFile("../../../infra/main.bicep")
	if err != nil {
		t.Fatal(err)
	}
	if m := instanceMemory.FindSubmatch(raw); m == nil {
		t.Error("infra/main.bicep has no instanceMemoryMB default for row 6's reference")
	}
}
