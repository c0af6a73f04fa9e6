package graph_test

import (
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	graphemu "github.com/mail2jira/mail2jira/internal/emulator/graph"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/graph"
	"github.com/mail2jira/mail2jira/internal/ingest"
)

// seed delivers n mails into support's inbox, one an hour, the newest an hour ago, and
// two more from ten days ago that windows must leave out.
func seed(t *testing.T, e *env, n int) time.Time {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	for i := range 2 {
		e.deliver(t, support, newMail(fmt.Sprintf("old%d", i)), graphemu.Delivery{ReceivedAt: now.Add(-240 * time.Hour)})
	}
	for i := range n {
		e.deliver(t, support, newMail(fmt.Sprintf("m%02d", i)), graphemu.Delivery{ReceivedAt: now.Add(-time.Duration(n-i) * time.Hour)})
	}
	return now.Add(-72 * time.Hour)
}

// round walks a delta round to its end and returns subjects, the number of pages and
// the delta link.
func round(t *testing.T, c *graph.Client, r ingest.DeltaRequest) ([]string, int, string) {
	t.Helper()
	var subjects []string
	for pages := 1; ; pages++ {
		p, err := c.MessageDelta(ctxT(t), r)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, m := range p.Messages {
			if m.ID == "" || m.Received.IsZero() || m.InternetMessageID == "" || m.ConversationID == "" || m.From != alice {
				t.Errorf("incomplete delta message %+v", m)
			}
			subjects = append(subjects, m.Subject)
		}
		if p.NextLink == "" {
			if p.DeltaLink == "" {
				t.Fatal("last page without a delta link")
			}
			sort.Strings(subjects)
			return subjects, pages, p.DeltaLink
		}
		if p.DeltaLink != "" {
			t.Error("a page has both links")
		}
		r.Link = p.NextLink
	}
}

func TestMessageDelta(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	since := seed(t, e, 5)
	subjects, pages, link := round(t, e.c, ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Since: since, PageSize: 2})
	if diff := cmp.Diff([]string{"m00", "m01", "m02", "m03", "m04"}, subjects); diff != "" {
		t.Errorf("first round (-want +got)\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("%d pages of 2 for 5 messages, want 3", pages)
	}

	e.deliver(t, support, newMail("later"), graphemu.Delivery{})
	subjects, _, link2 := round(t, e.c, ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Link: link, PageSize: 2})
	if diff := cmp.Diff([]string{"later"}, subjects); diff != "" {
		t.Errorf("second round (-want +got)\n%s", diff)
	}

	e.Graph.ExpireDeltaLinks()
	_, err := e.c.MessageDelta(ctxT(t), ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Link: link2})
	if !errors.Is(err, ingest.ErrDeltaExpired) || !errors.Is(err, graph.ErrDeltaExpired) || !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("expired link = %v, want ErrDeltaExpired wrapping ErrNotFound", err)
	}
	subjects, _, _ = round(t, e.c, ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Since: since, PageSize: 50})
	if len(subjects) != 6 {
		t.Errorf("windowed resync found %v, want 6 messages", subjects)
	}
}

func TestMessageDeltaNextLinkExpires(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	since := seed(t, e, 4)
	p, err := e.c.MessageDelta(ctxT(t), ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Since: since, PageSize: 2})
	if err != nil || p.NextLink == "" {
		t.Fatalf("first page = %+v, %v", p, err)
	}
	e.Graph.ExpireDeltaLinks()
	if _, err := e.c.MessageDelta(ctxT(t), ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Link: p.NextLink}); !errors.Is(err, ingest.ErrDeltaExpired) {
		t.Errorf("expired next link = %v, want ErrDeltaExpired", err)
	}
}

func TestFolderWalkRefusesForeignLinks(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	for _, link := range []string{"https://evil.example/v1.0/users/x/messages/delta", "not a url\x7f"} {
		if _, err := e.c.MessageDelta(ctxT(t), ingest.DeltaRequest{Mailbox: support, Folder: "inbox", Link: link}); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("delta link %q = %v, want ErrInvalid", link, err)
		}
		if _, err := e.c.MessagesNext(ctxT(t), support, link); !errors.Is(err, errs.ErrInvalid) {
			t.Errorf("next link %q = %v, want ErrInvalid", link, err)
		}
	}
	if n := e.Graph.Stats().Calls[graphemu.RouteMessageDelta]; n != 0 {
		t.Errorf("%d delta calls for refused links", n)
	}
}

func TestMessagesSince(t *testing.T) {
	e := newEnv(t, graphemu.Options{})
	since := seed(t, e, 7)
	p, err := e.c.MessagesSince(ctxT(t), support, "inbox", since, 3)
	var subjects []string
	pages := 0
	for err == nil {
		pages++
		for _, m := range p.Messages {
			subjects = append(subjects, m.Subject)
		}
		if p.NextLink == "" {
			break
		}
		p, err = e.c.MessagesNext(ctxT(t), support, p.NextLink)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"m00", "m01", "m02", "m03", "m04", "m05", "m06"}, subjects); diff != "" {
		t.Errorf("listed oldest first (-want +got)\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("%d pages of 3 for 7 messages, want 3", pages)
	}
	if _, err := e.c.MessagesSince(ctxT(t), "nobody@contoso.test", "inbox", since, 3); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("unknown mailbox = %v, want ErrNotFound", err)
	}
}
