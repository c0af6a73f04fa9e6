package relay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func newRelayer(tb testing.TB, w *world, mod func(*Options)) *Relayer {
	tb.Helper()
	o := Options{Jira: w, Mailer: w, Store: w, Labels: []string{"mail2jira"}, SiteURL: "https://contoso.atlassian.net",
		Mailboxes: map[string]string{"SUP": "support@contoso.example"}, DefaultMailbox: "help@contoso.example",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }}
	if mod != nil {
		mod(&o)
	}
	r, err := New(o)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

const publicHTML = `<p>Please restart it.</p>`

func TestDeliverDecides(t *testing.T) {
	tests := []struct {
		name    string
		event   string
		issue   string
		comment Comment
		want    Outcome
		wantLog []string
	}{
		{"public comment on a mail thread", "comment_created", "SUP-1",
			Comment{ID: "1", AuthorID: "agent", AuthorName: "Dana", HTML: publicHTML},
			Outcome{Relayed, "replied to all on the thread in support@contoso.example"},
			[]string{"claim comment_created:1", "draft draft-1 on support@contoso.example/msg-1", "recordSent SUP-1 <d1@x>",
				"marker comment_created:1", "send draft-1 from support@contoso.example", "complete comment_created:1"}},
		{"API ticket: new mail to the reporter", "comment_created", "SUP-2",
			Comment{ID: "2", AuthorID: "agent", AuthorName: "Dana", HTML: publicHTML},
			Outcome{Relayed, "new mail from support@contoso.example to the reporter"},
			[]string{"claim comment_created:2", "marker comment_created:2", "sendMail from support@contoso.example to bob@fabrikam.example",
				"recordSent SUP-2 <n1@x>", "complete comment_created:2"}},
		{"internal comment", "comment_created", "SUP-1", Comment{ID: "3", AuthorID: "agent", Internal: true, HTML: publicHTML},
			Outcome{Skipped, "an internal comment (Jira Service Management)"}, []string{"claim comment_created:3", "complete comment_created:3"}},
		{"restricted comment", "comment_created", "SUP-1", Comment{ID: "4", AuthorID: "agent", Restricted: true, HTML: publicHTML},
			Outcome{Skipped, "the comment's visibility is restricted"}, []string{"claim comment_created:4", "complete comment_created:4"}},
		{"comment made from mail", "comment_created", "SUP-1", Comment{ID: "5", AuthorID: "agent", FromMail: true, HTML: publicHTML},
			Outcome{Skipped, "the comment came from mail"}, []string{"claim comment_created:5", "complete comment_created:5"}},
		{"comment by the service account", "comment_created", "SUP-1", Comment{ID: "6", AuthorID: selfID, HTML: publicHTML},
			Outcome{Skipped, "written by the service's own account"}, []string{"claim comment_created:6", "complete comment_created:6"}},
		{"issue without our labels", "comment_created", "OPS-1", Comment{ID: "7", AuthorID: "agent", HTML: publicHTML},
			Outcome{Skipped, "the issue carries none of the service's labels"}, []string{"claim comment_created:7", "complete comment_created:7"}},
		{"event not relayed", "comment_updated", "SUP-1", Comment{ID: "8", AuthorID: "agent", HTML: publicHTML},
			Outcome{Skipped, "event comment_updated is not relayed (JIRA_RELAY_EVENTS)"}, nil},
		{"deleted issue", "comment_created", "SUP-404", Comment{ID: "9", AuthorID: "agent", HTML: publicHTML},
			Outcome{Skipped, "the issue is gone or not visible to the service"}, []string{"claim comment_created:9", "complete comment_created:9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.add(tt.issue, tt.comment)
			r := newRelayer(t, w, nil)
			got, err := r.Deliver(context.Background(), Delivery{Event: tt.event, IssueKey: tt.issue, CommentID: tt.comment.ID})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("outcome (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantLog, w.log); d != "" {
				t.Errorf("effects (-want +got):\n%s", d)
			}
		})
	}
}

func TestRelayedMail(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "1", AuthorID: "agent", AuthorName: "Dana <Agent>",
		HTML: `<p>See <a href="/browse/SUP-1">this</a></p><span class="image-wrap"><img src="https://contoso.atlassian.net/rest/api/3/attachment/content/10001" alt="a.png"/></span><script>alert(1)</script>`})
	w.images["10001"] = Image{ContentType: "image/png", Data: []byte("png")}
	r := newRelayer(t, w, func(o *Options) { o.Link = func(k string) string { return "https://portal.example/" + k } })
	if _, err := r.Deliver(context.Background(), Delivery{Event: EventCommentCreated, IssueKey: "SUP-1", CommentID: "1"}); err != nil {
		t.Fatal(err)
	}
	if len(w.replies) != 1 {
		t.Fatalf("%d replies", len(w.replies))
	}
	rep := w.replies[0]
	wantHeaders := []mail.Header{{Name: mail.HeaderTicket, Value: "SUP-1"}, {Name: "X-Auto-Response-Suppress", Value: "All"}, {Name: HeaderComment, Value: "1"}}
	if d := cmp.Diff(wantHeaders, rep.Headers); d != "" {
		t.Errorf("headers (-want +got):\n%s", d)
	}
	if !strings.Contains(rep.Subject, "SUP-1") {
		t.Errorf("subject %q lacks the key", rep.Subject)
	}
	for _, want := range []string{"Dana &lt;Agent&gt;", "https://portal.example/SUP-1", "https://contoso.atlassian.net/browse/SUP-1", `src="cid:`} {
		if !strings.Contains(rep.HTML, want) {
			t.Errorf("mail lacks %q:\n%s", want, rep.HTML)
		}
	}
	if strings.Contains(rep.HTML, "<script") {
		t.Errorf("mail keeps a script:\n%s", rep.HTML)
	}
	files := w.files[0]
	if len(files) != 1 || string(files[0].Data) != "png" || !strings.Contains(rep.HTML, "cid:"+files[0].ContentID) {
		t.Errorf("inline files %+v do not match the HTML", files)
	}
}

func TestImagesOverBudgetAreLeftOut(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "1", AuthorID: "agent", HTML: `<img src="https://contoso.atlassian.net/rest/api/3/attachment/content/1"/>` +
		`<img src="https://contoso.atlassian.net/rest/api/3/attachment/content/2"/>`})
	w.images["1"] = Image{ContentType: "image/png", Data: make([]byte, 60)}
	w.images["2"] = Image{ContentType: "image/png", Data: make([]byte, 60)}
	r := newRelayer(t, w, func(o *Options) { o.MaxImageBytes = 100 })
	out, err := r.Deliver(context.Background(), Delivery{Event: EventCommentCreated, IssueKey: "SUP-1", CommentID: "1"})
	if err != nil || out.Result != Relayed {
		t.Fatalf("%+v, %v", out, err)
	}
	if n := len(w.files[0]); n != 1 {
		t.Errorf("%d images sent, want the one that fits", n)
	}
}

func TestDeliverOnce(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "1", AuthorID: "agent", HTML: publicHTML})
	r := newRelayer(t, w, nil)
	d := Delivery{Event: EventCommentCreated, IssueKey: "SUP-1", CommentID: "1"}
	for i, want := range []Result{Relayed, Repeat, Repeat} {
		out, err := r.Deliver(context.Background(), d)
		if err != nil || out.Result != want {
			t.Errorf("delivery %d: %+v, %v; want %s", i+1, out, err, want)
		}
	}
	if n := len(w.replies); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
}

func TestDeliverBusyAndTransient(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "1", AuthorID: "agent", HTML: publicHTML})
	w.held["comment_created:1"] = true
	r := newRelayer(t, w, nil)
	d := Delivery{Event: EventCommentCreated, IssueKey: "SUP-1", CommentID: "1"}
	if _, err := r.Deliver(context.Background(), d); !errors.Is(err, errs.ErrConflict) {
		t.Errorf("held delivery: %v, want ErrConflict", err)
	}
	delete(w.held, "comment_created:1")
	w.jiraErr = &errs.Throttled{Op: "get issue", RetryAfter: time.Second, Err: errs.ErrThrottled}
	if _, err := r.Deliver(context.Background(), d); !errors.Is(err, errs.ErrThrottled) {
		t.Errorf("throttled Jira: %v, want ErrThrottled", err)
	}
	if d := cmp.Diff([]string{"claim comment_created:1", "release comment_created:1"}, w.log); d != "" {
		t.Errorf("effects (-want +got):\n%s", d)
	}
}

// A worker that takes over a dead one's claim finishes from the marker, never mailing twice.
func TestDeliverResumes(t *testing.T) {
	tests := []struct {
		name    string
		marker  *Marker
		isDraft bool
		want    []string
	}{
		{"recorded draft still unsent", &Marker{Mailbox: "support@contoso.example", DraftID: "draft-0"}, true,
			[]string{"claim comment_created:1", "send draft-0 from support@contoso.example", "complete comment_created:1"}},
		{"recorded draft already sent", &Marker{Mailbox: "support@contoso.example", DraftID: "draft-0"}, false,
			[]string{"claim comment_created:1", "complete comment_created:1"}},
		{"new mail was under way", &Marker{Mailbox: "support@contoso.example", NewMail: true}, false,
			[]string{"claim comment_created:1", "complete comment_created:1"}},
		{"nothing recorded", nil, false,
			[]string{"claim comment_created:1", "draft draft-2 on support@contoso.example/msg-1", "recordSent SUP-1 <d2@x>",
				"marker comment_created:1", "send draft-2 from support@contoso.example", "complete comment_created:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld()
			w.recover = true
			w.add("SUP-1", Comment{ID: "1", AuthorID: "agent", HTML: publicHTML})
			w.drafts["draft-0"] = mail.Draft{ID: "draft-0", IsDraft: tt.isDraft}
			if tt.marker != nil {
				w.markers["comment_created:1"] = *tt.marker
			}
			r := newRelayer(t, w, nil)
			if _, err := r.Deliver(context.Background(), Delivery{Event: EventCommentCreated, IssueKey: "SUP-1", CommentID: "1"}); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, w.log); d != "" {
				t.Errorf("effects (-want +got):\n%s", d)
			}
		})
	}
}

func TestPendingRelaysWhatNoDeliveryFinished(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "old", AuthorID: "agent", HTML: publicHTML, Created: now.Add(-7 * time.Hour)})
	w.add("SUP-1", Comment{ID: "missed", AuthorID: "agent", HTML: publicHTML, Created: now.Add(-time.Hour)})
	w.add("SUP-1", Comment{ID: "relayed", AuthorID: "agent", HTML: publicHTML, Created: now.Add(-time.Hour)})
	w.add("SUP-1", Comment{ID: "fresh", AuthorID: "agent", HTML: publicHTML, Created: now.Add(-10 * time.Second)})
	w.done["comment_created:relayed"] = true
	w.markers[epochKey] = Marker{Since: now.Add(-24 * time.Hour)}
	r := newRelayer(t, w, nil)
	rep, err := r.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(PendingReport{Issues: 1, Comments: 2, Relayed: 1}, rep); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	if !w.done["comment_created:missed"] || w.done["comment_created:old"] || w.done["comment_created:fresh"] {
		t.Errorf("done %v", w.done)
	}
}

// The first run only notes when relaying started: older comments may have been mailed by
// the automation rule the webhook replaces.
func TestPendingFirstRunRelaysNothingOlder(t *testing.T) {
	w := newWorld()
	w.add("SUP-1", Comment{ID: "before", AuthorID: "agent", HTML: publicHTML, Created: now.Add(-time.Hour)})
	r := newRelayer(t, w, nil)
	rep, err := r.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Comments != 0 || len(w.replies) != 0 {
		t.Errorf("first run relayed %+v", rep)
	}
	if got := w.markers[epochKey].Since; !got.Equal(now) {
		t.Errorf("epoch %v, want %v", got, now)
	}
}
