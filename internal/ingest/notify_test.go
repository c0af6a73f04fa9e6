package ingest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

// notificationBody reads the recorded notification with its ids and secret filled in.
func notificationBody(tb testing.TB, subID, clientState, changeType string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/notification.json")
	if err != nil {
		tb.Fatal(err)
	}
	r := strings.NewReplacer("SUBID", subID, "CLIENTSTATE", clientState, `"changeType":"created"`, `"changeType":"`+changeType+`"`)
	return []byte(r.Replace(string(b)))
}

func TestNotifications(t *testing.T) {
	clk := newClock()
	st := openStore(t, clk.Now)
	sub, err := st.PutSubscription(context.Background(), store.Subscription{Mailbox: mb, Folder: FolderInbox, ID: "sub-1",
		ClientState: "s3cret-client-state", Status: StatusActive})
	if err != nil {
		t.Fatal(err)
	}
	h := &Notifications{Index: &SubscriptionIndex{Store: st, Now: clk.Now}, Log: quiet(), Now: clk.Now}
	valid := QueueMessage{Mailbox: mb, Folder: FolderInbox, MessageID: "AAMkMSG1", SubscriptionID: sub.ID, ReceivedAt: clk.Now(), Source: "notification"}
	tests := []struct {
		name    string
		body    []byte
		want    []QueueMessage
		wantErr error
	}{
		{"valid created notification", notificationBody(t, "sub-1", "s3cret-client-state", "created"), []QueueMessage{valid}, nil},
		{"replay of the same notification", notificationBody(t, "sub-1", "s3cret-client-state", "created"), nil, nil},
		{"wrong clientState", notificationBody(t, "sub-1", "s3cret-client-statX", "created"), nil, nil},
		{"empty clientState", notificationBody(t, "sub-1", "", "created"), nil, nil},
		{"unknown subscription", notificationBody(t, "sub-404", "s3cret-client-state", "created"), nil, nil},
		{"updated is not new mail", notificationBody(t, "sub-1", "s3cret-client-state", "updated"), nil, nil},
		{"not JSON", []byte("<xml/>"), nil, errs.ErrInvalid},
		{"no value array", []byte(`{"values":[]}`), nil, errs.ErrInvalid},
		{"trailing garbage", append(notificationBody(t, "sub-1", "x", "created"), " {}"...), nil, errs.ErrInvalid},
		{"2 MB body", append([]byte(`{"value":[],"pad":"`), append([]byte(strings.Repeat("a", 2<<20)), `"}`...)...), nil, errs.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := h.Handle(context.Background(), tt.body)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEncodeIsWhatTheProcessorReads(t *testing.T) {
	raw, err := Encode([]QueueMessage{{Mailbox: mb, Folder: FolderSent, MessageID: "AAMk1", Source: "sweep"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"mailbox":"support@example.com"`, `"folder":"sentitems"`, `"messageId":"AAMk1"`} {
		if !strings.Contains(string(raw[0]), field) {
			t.Errorf("%s lacks %s", raw[0], field)
		}
	}
}
