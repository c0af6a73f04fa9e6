package api

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/config"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
	"github.com/mail2jira/mail2jira/internal/store"
)

// Jira is what the API needs from the Jira adapter (internal/jira's Client).
type Jira interface {
	Create(ctx context.Context, in jira.NewIssue) (jira.Created, error)
	GetIssue(ctx context.Context, key string, o jira.IssueOptions) (jira.Issue, error)
	Search(ctx context.Context, r jira.SearchRequest) (jira.SearchPage, error)
	PostComment(ctx context.Context, key string, in jira.NewComment) (jira.Comment, error)
	UploadAttachment(ctx context.Context, key, filename, contentType string, r io.Reader) (jira.Attachment, error)
	AddWatcher(ctx context.Context, key, accountID string) error
	Watchers(ctx context.Context, key string) ([]jira.User, error)
	Comments(ctx context.Context, key string, o jira.CommentOptions) ([]jira.Comment, error)
	FindUserByEmail(ctx context.Context, address string) (jira.User, error)
	BoardByName(ctx context.Context, name string) (jira.Board, error)
	CanSetReporter(ctx context.Context, projectKey string) (bool, error)
	BrowseURL(key string) string
}

// Store is what the API needs from internal/store: API tickets are recorded like mail
// threads (mailbox "", conversation "api:<id>") so the reporter index finds them.
type Store interface {
	ClaimConversation(ctx context.Context, mailbox, conversationID string, lease time.Duration) (store.Ticket, *store.Claim, error)
	CompleteTicket(ctx context.Context, c *store.Claim, t store.Ticket) (store.Ticket, error)
	TicketsByReporter(ctx context.Context, address string, since time.Time) ([]store.TicketRef, error)
}

// Options configures a Service.
type Options struct {
	Jira   Jira
	Store  Store
	Config *config.Config
	// Boards are boards already resolved (by key), e.g. at start-up; others are resolved
	// on first use.
	Boards map[string]jira.Board
	// TempDir holds uploads while a request is validated; "" means os.TempDir().
	TempDir string
	// Now replaces the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Service serves the ticket routes below /api/tickets.
type Service struct {
	opts   Options
	mu     sync.Mutex
	boards map[string]jira.Board // by board key, resolved on first use
}

// New returns a Service; it makes no call until a request arrives.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Service{opts: o, boards: map[string]jira.Board{}}
	for k, b := range o.Boards {
		s.boards[k] = b
	}
	return s
}

// Route is one operation of the ticket API, as the OpenAPI document names it.
type Route struct {
	Method string
	Path   string // below the route prefix, e.g. /tickets/{key}
}

// Routes lists every operation the ticket function serves; the OpenAPI document must
// describe exactly these (a test holds them together).
var Routes = []Route{
	{http.MethodGet, "/tickets"},
	{http.MethodPost, "/tickets"},
	{http.MethodGet, "/tickets/supported-boards"},
	{http.MethodGet, "/tickets/supported-categories"},
	{http.MethodGet, "/tickets/{key}"},
	{http.MethodPost, "/tickets/{key}/comments"},
}

// issueKey is Jira's key shape: a project key (a letter, then letters, digits or _) and a
// number. Anything else cannot name an issue, so it is answered as not found without a call.
var issueKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]{0,17}$`)

// Serve answers one request; sub is the path below /api/tickets ("" for the collection).
// Errors wrap internal/errs sentinels; the caller renders them as problem documents.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, sub string) error {
	sub = strings.Trim(sub, "/")
	parts := strings.Split(sub, "/")
	var allowed string
	switch {
	case sub == "":
		allowed = "GET, POST"
		switch r.Method {
		case http.MethodGet:
			return s.search(w, r)
		case http.MethodPost:
			return s.create(w, r)
		}
	case sub == "supported-boards" || sub == "supported-categories":
		allowed = "GET"
		if r.Method == http.MethodGet {
			if sub == "supported-boards" {
				return s.supportedBoards(w)
			}
			return s.supportedCategories(w)
		}
	case len(parts) == 1:
		allowed = "GET"
		if r.Method == http.MethodGet {
			return s.get(w, r, parts[0])
		}
	case len(parts) == 2 && parts[1] == "comments":
		allowed = "POST"
		if r.Method == http.MethodPost {
			return s.comment(w, r, parts[0])
		}
	default:
		return errs.WithPublic(errs.ErrNotFound, "no such resource: see /api/openapi.json")
	}
	return &MethodNotAllowed{Allow: allowed}
}

// MethodNotAllowed says which methods a path takes; the handler answers 405 with Allow.
type MethodNotAllowed struct {
	Allow string
}

// Error names the allowed methods.
func (m *MethodNotAllowed) Error() string { return "method not allowed; allowed: " + m.Allow }

// checkKey refuses what cannot be an issue key, and normalises case as Jira does.
func checkKey(key string) (string, error) {
	if !issueKey.MatchString(key) {
		return "", errs.WithPublic(errs.ErrNotFound, "no ticket %s", truncate(key, 40))
	}
	return strings.ToUpper(key), nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
