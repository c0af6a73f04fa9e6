package ingest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/store"
)

// MaxNotificationBody bounds a notification or lifecycle POST. Graph batches notifications
// without resource data; each is well under 1 KB, so a body this size is not Graph.
const MaxNotificationBody = 1 << 20

// notification is one entry of a change or lifecycle notification collection.
// https://learn.microsoft.com/en-us/graph/api/resources/changenotification
type notification struct {
	SubscriptionID string `json:"subscriptionId"`
	ClientState    string `json:"clientState"`
	ChangeType     string `json:"changeType"`
	Resource       string `json:"resource"`
	LifecycleEvent string `json:"lifecycleEvent"`
	ResourceData   *struct {
		ID string `json:"id"`
	} `json:"resourceData"`
}

// parseCollection decodes {"value":[...]}; anything else is the sender's fault (400/413),
// never ours, so Graph does not retry it for hours.
func parseCollection(body []byte) ([]notification, error) {
	if len(body) > MaxNotificationBody {
		return nil, errs.WithPublic(fmt.Errorf("notification body of %d bytes: %w", len(body), errs.ErrTooLarge),
			"the notification body exceeds %d bytes", MaxNotificationBody)
	}
	var c struct {
		Value *[]json.RawMessage `json:"value"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&c); err != nil || dec.More() {
		return nil, errs.WithPublic(fmt.Errorf("notification body is not a JSON object: %w", errs.ErrInvalid), "the notification body is not JSON")
	}
	if c.Value == nil {
		return nil, errs.WithPublic(fmt.Errorf("notification body has no value array: %w", errs.ErrInvalid), "the notification body has no value array")
	}
	out := make([]notification, 0, len(*c.Value))
	for i, raw := range *c.Value {
		var n notification
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, errs.WithPublic(fmt.Errorf("notification %d: %v: %w", i, err, errs.ErrInvalid), "notification %d is malformed", i)
		}
		out = append(out, n)
	}
	return out, nil
}

// verify finds n's subscription and checks its clientState in constant time. ok is false,
// after a log line that never holds the secret, when n must be dropped.
func verify(ctx context.Context, idx *SubscriptionIndex, log *slog.Logger, n notification) (store.Subscription, bool, error) {
	sub, known, err := idx.Lookup(ctx, n.SubscriptionID)
	if err != nil {
		return sub, false, err
	}
	if !known {
		log.WarnContext(ctx, "notification dropped: unknown subscription", "subscriptionId", n.SubscriptionID)
		return sub, false, nil
	}
	if subtle.ConstantTimeCompare([]byte(n.ClientState), []byte(sub.ClientState)) != 1 || sub.ClientState == "" {
		log.WarnContext(ctx, "notification dropped: clientState does not match", "subscriptionId", n.SubscriptionID, "mailbox", sub.Mailbox, "folder", sub.Folder)
		return sub, false, nil
	}
	return sub, true, nil
}

// Notifications turns Graph change notifications into queue messages. It makes no call to
// Graph or Jira and writes nothing: the only I/O is the occasional read of the subscription
// rows by its index.
type Notifications struct {
	Index *SubscriptionIndex
	Log   *slog.Logger     // slog.Default() when nil
	Now   func() time.Time // time.Now when nil

	seen recentSet
}

// Handle checks a notification collection and returns one queue message per valid created
// notification. Notifications with an unknown subscription or a wrong clientState are
// dropped and logged; a repeat of a notification this instance took in the last 30 seconds
// (Graph's duplicates) is dropped too, and the ledger catches repeats across instances.
// Malformed bodies fail with errs.ErrInvalid or errs.ErrTooLarge.
func (h *Notifications) Handle(ctx context.Context, body []byte) ([]QueueMessage, error) {
	ns, err := parseCollection(body)
	if err != nil {
		return nil, err
	}
	log, now := logOr(h.Log), nowOr(h.Now)()
	var out []QueueMessage
	for _, n := range ns {
		sub, ok, err := verify(ctx, h.Index, log, n)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if n.ChangeType != "created" || n.ResourceData == nil || n.ResourceData.ID == "" {
			log.InfoContext(ctx, "notification ignored", "subscriptionId", n.SubscriptionID, "changeType", n.ChangeType)
			continue
		}
		if !h.seen.add(sub.ID+"/"+n.ResourceData.ID, now) {
			log.InfoContext(ctx, "notification dropped: repeat", "subscriptionId", sub.ID, "message", n.ResourceData.ID)
			continue
		}
		out = append(out, QueueMessage{Mailbox: sub.Mailbox, Folder: sub.Folder, MessageID: n.ResourceData.ID,
			SubscriptionID: sub.ID, ReceivedAt: now, Source: "notification"})
	}
	return out, nil
}

// recentSet remembers keys for a while, bounded in size. It catches Graph's duplicate
// deliveries, which arrive together. The window is short because a key is remembered before
// its message is known to be on the queue: should the enqueue fail, Graph's retry arrives
// after the window (its backoff starts well above it) and is taken, and even a retry dropped
// here is not lost, since the next sweep's delta round reports the mail as new.
type recentSet struct {
	mu   sync.Mutex
	keys map[string]time.Time
}

const (
	recentTTL = 30 * time.Second
	recentMax = 20000
)

// add reports whether key is new (not added within recentTTL) and remembers it.
func (r *recentSet) add(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[string]time.Time{}
	}
	if t, ok := r.keys[key]; ok && now.Sub(t) < recentTTL {
		return false
	}
	if len(r.keys) >= recentMax {
		for k, t := range r.keys {
			if now.Sub(t) >= recentTTL || len(r.keys) >= recentMax {
				delete(r.keys, k)
			}
		}
	}
	r.keys[key] = now
	return true
}

func logOr(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

func nowOr(f func() time.Time) func() time.Time {
	if f != nil {
		return f
	}
	return time.Now
}
