package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// graphDouble is a thin raw-HTTP client of Graph's subscription and delta API, enough to
// drive internal/ingest against the Graph emulator in these tests. (The service's real
// adapter is internal/graph, on msgraph-sdk-go.)
type graphDouble struct {
	base string // e.g. http://127.0.0.1:1234/v1.0
	hc   *http.Client
}

func (g *graphDouble) do(ctx context.Context, method, u string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	if !strings.HasPrefix(u, "http") {
		u = g.base + u
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Prefer", `IdType="ImmutableId"`)
	req.Header.Add("Prefer", "odata.maxpagesize=25")
	resp, err := g.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %v: %w", method, u, err, errs.ErrUnavailable)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%s: %w", method, ingest.ErrDeltaExpired)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return &errs.Throttled{Op: method + " " + u, RetryAfter: time.Duration(secs) * time.Second, Err: errs.ErrThrottled}
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s: %s: %w", method, raw, errs.ErrNotFound)
	case resp.StatusCode == http.StatusConflict:
		return fmt.Errorf("%s: %s: %w", method, raw, errs.ErrConflict)
	case resp.StatusCode >= 300:
		return fmt.Errorf("%s %s: %d %s: %w", method, u, resp.StatusCode, raw, errs.ErrInvalid)
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

type wireSubscription struct {
	ID                       string    `json:"id,omitempty"`
	Resource                 string    `json:"resource,omitempty"`
	ChangeType               string    `json:"changeType,omitempty"`
	NotificationURL          string    `json:"notificationUrl,omitempty"`
	LifecycleNotificationURL string    `json:"lifecycleNotificationUrl,omitempty"`
	ClientState              string    `json:"clientState,omitempty"`
	ExpirationDateTime       time.Time `json:"expirationDateTime"`
}

func (w wireSubscription) plain() ingest.GraphSubscription {
	return ingest.GraphSubscription{ID: w.ID, Resource: w.Resource, ChangeType: w.ChangeType, NotificationURL: w.NotificationURL,
		LifecycleURL: w.LifecycleNotificationURL, Expires: w.ExpirationDateTime}
}

func (g *graphDouble) CreateSubscription(ctx context.Context, s ingest.NewSubscription) (ingest.GraphSubscription, error) {
	var out wireSubscription
	err := g.do(ctx, http.MethodPost, "/subscriptions", wireSubscription{Resource: s.Resource, ChangeType: s.ChangeType,
		NotificationURL: s.NotificationURL, LifecycleNotificationURL: s.LifecycleURL, ClientState: s.ClientState, ExpirationDateTime: s.Expires}, &out)
	return out.plain(), err
}

func (g *graphDouble) RenewSubscription(ctx context.Context, id string, expires time.Time) (ingest.GraphSubscription, error) {
	var out wireSubscription
	err := g.do(ctx, http.MethodPatch, "/subscriptions/"+url.PathEscape(id), map[string]any{"expirationDateTime": expires}, &out)
	return out.plain(), err
}

func (g *graphDouble) DeleteSubscription(ctx context.Context, id string) error {
	return g.do(ctx, http.MethodDelete, "/subscriptions/"+url.PathEscape(id), nil, nil)
}

func (g *graphDouble) ListSubscriptions(ctx context.Context) ([]ingest.GraphSubscription, error) {
	var out []ingest.GraphSubscription
	for next := "/subscriptions"; next != ""; {
		var page struct {
			Value    []wireSubscription `json:"value"`
			NextLink string             `json:"@odata.nextLink"`
		}
		if err := g.do(ctx, http.MethodGet, next, nil, &page); err != nil {
			return nil, err
		}
		for _, s := range page.Value {
			out = append(out, s.plain())
		}
		next = page.NextLink
	}
	return out, nil
}

func (g *graphDouble) MessageDelta(ctx context.Context, r ingest.DeltaRequest) (ingest.DeltaPage, error) {
	u := r.Link
	if u == "" {
		q := url.Values{"changeType": {"created"}, "$select": {"id,internetMessageId,conversationId,subject,from,receivedDateTime"},
			"$filter": {"receivedDateTime ge " + r.Since.UTC().Format(time.RFC3339)}}
		u = "/users/" + url.PathEscape(r.Mailbox) + "/mailFolders/" + r.Folder + "/messages/delta?" + q.Encode()
	}
	var page struct {
		Value []struct {
			ID                string `json:"id"`
			InternetMessageID string `json:"internetMessageId"`
			ConversationID    string `json:"conversationId"`
			Subject           string `json:"subject"`
			From              *struct {
				EmailAddress struct {
					Address string `json:"address"`
				} `json:"emailAddress"`
			} `json:"from"`
			Received time.Time       `json:"receivedDateTime"`
			Removed  json.RawMessage `json:"@removed"`
		} `json:"value"`
		NextLink  string `json:"@odata.nextLink"`
		DeltaLink string `json:"@odata.deltaLink"`
	}
	if err := g.do(ctx, http.MethodGet, u, nil, &page); err != nil {
		return ingest.DeltaPage{}, err
	}
	out := ingest.DeltaPage{NextLink: page.NextLink, DeltaLink: page.DeltaLink}
	for _, v := range page.Value {
		m := ingest.DeltaMessage{ID: v.ID, InternetMessageID: v.InternetMessageID, ConversationID: v.ConversationID,
			Subject: v.Subject, Received: v.Received, Removed: len(v.Removed) > 0}
		if v.From != nil {
			m.From = v.From.EmailAddress.Address
		}
		out.Messages = append(out.Messages, m)
	}
	return out, nil
}
