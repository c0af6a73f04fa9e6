package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/logging"
	"github.com/mail2jira/mail2jira/internal/mail"
	"github.com/mail2jira/mail2jira/internal/registry"
	"github.com/mail2jira/mail2jira/internal/store"
)

// createLease is how long a create request holds its claim; a request finishes in well
// under that, and a client retrying with the same Idempotency-Key after a crash waits
// at most this long.
const createLease = 5 * time.Minute

// IdempotencyHeader lets a client retry a create safely: the same key (per reporter)
// answers with the ticket the first request created instead of creating another.
const IdempotencyHeader = "Idempotency-Key"

// create serves POST /tickets.
func (s *Service) create(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var in createRequest
	f, err := s.readBody(r, &in, map[string]bool{"watchers": true}, true)
	if err != nil {
		return err
	}
	defer f.cleanup()
	if in, err = s.validateCreate(in); err != nil {
		return err
	}
	idem := strings.TrimSpace(r.Header.Get(IdempotencyHeader))
	if len(idem) > 200 {
		return &errs.Validation{Fields: []errs.Field{{Name: IdempotencyHeader, Message: "must be at most 200 characters"}}}
	}
	conv := conversationID(in.Reporter, idem)
	existing, claim, err := s.opts.Store.ClaimConversation(ctx, "", conv, createLease)
	switch {
	case errors.Is(err, errs.ErrConflict):
		return errs.WithPublic(err, "a request with this %s is still being processed; retry later", IdempotencyHeader)
	case err != nil:
		return fmt.Errorf("claim api ticket: %w", err)
	case claim == nil:
		return s.replay(w, r, existing.Key)
	}
	t, err := s.createIssue(ctx, in, conv, claim)
	if err != nil {
		claim.Release(context.WithoutCancel(ctx), "create failed")
		return err
	}
	t.Warnings = append(t.Warnings, s.addWatchers(ctx, t.Key, in.Watchers)...)
	atts, warn := s.uploadAll(ctx, t.Key, f.files)
	t.Attachments, t.Warnings = atts, append(t.Warnings, warn...)
	w.Header().Set("Location", ticketPath(t.Key))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

// ticketPath is a ticket's URL path in this API, for Location.
func ticketPath(key string) string {
	return "/" + registry.RoutePrefix + "/tickets/" + key
}

// conversationID names an API ticket in the store: the reporter's idempotency key when the
// client sent one (so its retry finds the ticket), else a fresh random id.
func conversationID(reporter, idem string) string {
	if idem == "" {
		b := make([]byte, 16)
		rand.Read(b)
		return "api:" + hex.EncodeToString(b)
	}
	sum := sha256.Sum256([]byte(reporter + "\x00" + idem))
	return "api:idem:" + hex.EncodeToString(sum[:16])
}

// replay answers a repeated create with the ticket the first request made.
func (s *Service) replay(w http.ResponseWriter, r *http.Request, key string) error {
	is, err := s.opts.Jira.GetIssue(r.Context(), key, jira.IssueOptions{Extra: []string{"attachment"}})
	if err != nil {
		return s.jiraError(err, "read ticket "+key)
	}
	boards, err := s.allBoards(r.Context(), nil)
	if err != nil {
		return s.jiraError(err, "resolve boards")
	}
	w.Header().Set("Location", ticketPath(key))
	writeJSON(w, http.StatusOK, s.ticket(is, boards))
	return nil
}

// createIssue creates the issue (or finds the one an earlier holder of the claim created)
// and records it in the store.
func (s *Service) createIssue(ctx context.Context, in createRequest, conv string, claim *store.Claim) (Ticket, error) {
	b, err := s.board(ctx, in.Board)
	if err != nil {
		return Ticket{}, s.jiraError(err, "resolve board")
	}
	reporter, err := s.lookup(ctx, in.Reporter)
	if err != nil {
		return Ticket{}, err
	}
	marker := mail.MarkerLabel("", conv)
	key := ""
	if claim.Recover() {
		key = s.findMarked(ctx, marker)
	}
	if key == "" {
		ni, err := s.newIssue(ctx, in, b.Project.Key, reporter, marker, conv)
		if err != nil {
			return Ticket{}, err
		}
		c, err := s.opts.Jira.Create(ctx, ni)
		if err != nil {
			return Ticket{}, s.jiraError(err, "create issue")
		}
		key = c.Key
	}
	if _, err := s.opts.Store.CompleteTicket(ctx, claim, store.Ticket{
		ConversationID: conv, Key: key, Reporter: in.Reporter, Summary: in.Title,
	}); err != nil {
		return Ticket{}, fmt.Errorf("record api ticket %s: %w", key, err)
	}
	is, err := s.opts.Jira.GetIssue(ctx, key, jira.IssueOptions{})
	if err != nil {
		return Ticket{}, s.jiraError(err, "read new issue "+key)
	}
	boards, err := s.allBoards(ctx, nil)
	if err != nil {
		return Ticket{}, s.jiraError(err, "resolve boards")
	}
	return s.ticket(is, boards), nil
}

// newIssue builds the issue: the description starts with From: (and Cc: for watchers)
// lines like a mailed ticket's, so agents see who asked even without a Jira account.
func (s *Service) newIssue(ctx context.Context, in createRequest, project string, reporter jira.User, marker, conv string) (jira.NewIssue, error) {
	cfg := s.opts.Config
	header := []*adf.Node{adf.PeopleLine("From", []adf.Person{personOf(in.Reporter, reporter)})}
	var cc []adf.Person
	for _, w := range in.Watchers {
		u, err := s.lookup(ctx, w)
		if err != nil {
			return jira.NewIssue{}, err
		}
		cc = append(cc, personOf(w, u))
	}
	if len(cc) > 0 {
		header = append(header, adf.PeopleLine("Cc", cc))
	}
	doc, err := bodyDoc(in.Body, in.BodyFormat, header)
	if err != nil {
		return jira.NewIssue{}, err
	}
	ni := jira.NewIssue{
		ProjectKey: project, IssueType: cmp.Or(cfg.TicketType, "Task"), Summary: in.Title,
		Description: doc, Labels: labels(cfg.Labels, in.Category, marker),
		Properties: map[string]any{jira.OriginProperty: conv},
	}
	switch in.Priority {
	case "high":
		ni.Priority = cmp.Or(cfg.PriorityHigh, "High")
	case "low":
		ni.Priority = cmp.Or(cfg.PriorityLow, "Low")
	}
	if reporter.AccountID != "" {
		ok, err := s.opts.Jira.CanSetReporter(ctx, project)
		if err != nil {
			return jira.NewIssue{}, s.jiraError(err, "check reporter permission")
		}
		if ok {
			ni.Reporter = reporter.AccountID
		}
	}
	return ni, nil
}

// findMarked looks for the issue an earlier attempt created (its marker label); the search
// index lags, so a miss is not proof, but the claim's lease outlasts that lag.
func (s *Service) findMarked(ctx context.Context, marker string) string {
	page, err := s.opts.Jira.Search(ctx, jira.SearchRequest{JQL: jira.NewQuery().Labels(marker).String(), Limit: 1, Options: jira.IssueOptions{Fields: []string{"labels"}}})
	if err != nil || len(page.Issues) == 0 {
		return ""
	}
	return page.Issues[0].Key
}

// lookup finds an address's Jira account; no account (or a hidden one) is the zero User.
func (s *Service) lookup(ctx context.Context, email string) (jira.User, error) {
	u, err := s.opts.Jira.FindUserByEmail(ctx, email)
	switch {
	case errors.Is(err, errs.ErrNotFound):
		return jira.User{}, nil
	case err != nil:
		return jira.User{}, s.jiraError(err, "look up user")
	}
	return u, nil
}

// addWatchers adds the watchers that have Jira accounts; a failure is a warning, since the
// ticket exists and the Cc: line names everyone anyway.
func (s *Service) addWatchers(ctx context.Context, key string, emails []string) []string {
	var warn []string
	for _, e := range emails {
		u, err := s.lookup(ctx, e)
		if err == nil && u.AccountID == "" {
			continue
		}
		if err == nil {
			err = s.opts.Jira.AddWatcher(ctx, key, u.AccountID)
		}
		if err != nil {
			logging.From(ctx).Warn("watcher not added", "key", key, "err", err)
			warn = append(warn, fmt.Sprintf("watcher %s was not added (%s)", e, reason(err)))
		}
	}
	return warn
}

// uploadAll uploads the spooled files. A file that could not be uploaded is a warning, not
// a failure: the ticket exists, and failing would invite a retry that duplicates it.
func (s *Service) uploadAll(ctx context.Context, key string, files []upload) ([]Attachment, []string) {
	var out []Attachment
	var warn []string
	for _, u := range files {
		a, err := s.upload(ctx, key, u)
		if err != nil {
			logging.From(ctx).Warn("attachment not uploaded", "key", key, "err", err)
			warn = append(warn, fmt.Sprintf("attachment %s was not uploaded (%s)", u.Filename, reason(err)))
			continue
		}
		out = append(out, attachment(a))
	}
	return out, warn
}

// uploadAttempts: a throttled upload created nothing, and the file is on disk, so trying
// again is safe (the adapter cannot, as it streams).
const uploadAttempts = 3

func (s *Service) upload(ctx context.Context, key string, u upload) (jira.Attachment, error) {
	var err error
	for attempt := range uploadAttempts {
		var f *os.File
		if f, err = os.Open(u.path); err != nil {
			return jira.Attachment{}, fmt.Errorf("open spooled upload: %w", err)
		}
		var a jira.Attachment
		a, err = s.opts.Jira.UploadAttachment(ctx, key, u.Filename, u.ContentType, f)
		f.Close()
		d, throttled := errs.RetryAfter(err)
		if err == nil || !errors.Is(err, errs.ErrThrottled) || attempt == uploadAttempts-1 {
			return a, err
		}
		if !throttled || d <= 0 {
			d = time.Second << attempt
		}
		if d > 10*time.Second {
			return a, err
		}
		select {
		case <-ctx.Done():
			return a, ctx.Err()
		case <-time.After(d):
		}
	}
	return jira.Attachment{}, err
}

func reason(err error) string {
	if m, ok := errs.PublicMessage(err); ok {
		return m
	}
	switch {
	case errors.Is(err, errs.ErrForbidden):
		return "the service's Jira account lacks the permission"
	case errors.Is(err, errs.ErrTooLarge):
		return "Jira refused its size"
	case errors.Is(err, errs.ErrThrottled), errors.Is(err, errs.ErrUnavailable):
		return "Jira is busy"
	}
	return "Jira refused it"
}

func personOf(email string, u jira.User) adf.Person {
	if u.AccountID != "" {
		return adf.Person{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: email}
	}
	return adf.Person{DisplayName: email, Email: email}
}

// bodyDoc converts the body and puts the header lines first, cut to Jira's limit.
func bodyDoc(body, format string, header []*adf.Node) (*adf.Doc, error) {
	doc := adf.FromText(body)
	if format == "html" {
		d, err := adf.FromHTML(body, adf.Options{})
		if err != nil {
			return nil, &errs.Validation{Fields: []errs.Field{{Name: "body", Message: "is not HTML the service can read"}}}
		}
		doc = d
	}
	doc = adf.WithHeader(doc, header...)
	if doc.Size() > adf.MaxChars {
		doc, _ = adf.TruncateWithNote(doc, adf.MaxChars, adf.DefaultTruncationNote)
	}
	return doc, nil
}

// labels are the configured labels, the category and the marker; Jira labels hold no spaces.
func labels(configured []string, category, marker string) []string {
	var out []string
	for _, l := range append(append([]string{}, configured...), category, marker) {
		l = strings.Join(strings.Fields(l), "_")
		if _, dup := findFold(out, l); l != "" && !dup {
			out = append(out, l)
		}
	}
	return out
}
