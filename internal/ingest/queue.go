package ingest

import (
	"encoding/json"
	"fmt"
	"time"
)

// The mail folders the service subscribes to and sweeps: replies sent from the mailbox
// (Sent Items) become comments too.
const (
	FolderInbox = "inbox"
	FolderSent  = "sentitems"
)

// Folders lists the folders of every mailbox that ingestion covers.
var Folders = []string{FolderInbox, FolderSent}

// QueueMessage is the queue message for one mail. Its first three fields are what the
// processor reads (mail.Ref: mailbox, folder, messageId); the rest are for logs and
// diagnosis and are ignored by it.
type QueueMessage struct {
	Mailbox        string    `json:"mailbox"`
	Folder         string    `json:"folder"`
	MessageID      string    `json:"messageId"`                // Graph immutable id
	SubscriptionID string    `json:"subscriptionId,omitempty"` // set when a notification produced it
	ReceivedAt     time.Time `json:"receivedAt"`               // notification arrival, or the mail's receivedDateTime for a sweep
	Source         string    `json:"source"`                   // "notification" or "sweep"
}

// Encode renders messages as the JSON objects a queue output takes.
func Encode(msgs []QueueMessage) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, 0, len(msgs))
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode queue message: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}
