package mail

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// fakeJira behaves like Jira Cloud where it matters here: creating is not idempotent,
// search is eventually consistent (an issue shows up only indexLag after it was created),
// a deleted issue answers 404 everywhere, the reporter field is refused without "Modify
// reporter", watchers need "Manage watchers", and descriptions over 32,767 characters are
// refused.
type fakeJira struct {
	mu          sync.Mutex
	gate        *gate
	clock       *clock
	indexLag    time.Duration
	next        int
	issues      map[string]*fakeIssue
	users       map[string]User // by lower-case email
	canReporter bool
	canWatch    bool
	hooks       map[string]func(context.Context) error
	creates     int // CreateIssue calls that created an issue
}

type fakeIssue struct {
	in          NewIssue
	key         string
	created     time.Time
	comments    []NewComment
	attachments []JiraAttachment
	watchers    []string
}

func newFakeJira(c *clock) *fakeJira {
	return &fakeJira{
		clock: c, indexLag: 30 * time.Second, next: 1, issues: map[string]*fakeIssue{},
		users: map[string]User{}, canReporter: true, canWatch: true, hooks: map[string]func(context.Context) error{},
	}
}

func (j *fakeJira) hook(ctx context.Context, name string) error {
	if err := j.gate.enter(ctx); err != nil {
		return err
	}
	defer j.gate.exit()
	j.mu.Lock()
	h := j.hooks[name]
	j.mu.Unlock()
	if h != nil {
		return h(ctx)
	}
	return nil
}

func (j *fakeJira) setHook(name string, h func(context.Context) error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hooks[name] = h
}

func (j *fakeJira) addUser(email, name string) User {
	u := User{AccountID: "acc-" + strings.Split(email, "@")[0], DisplayName: name, Email: email}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.users[strings.ToLower(email)] = u
	return u
}

func (j *fakeJira) CreateIssue(ctx context.Context, in NewIssue) (Issue, error) {
	if err := j.gate.enter(ctx); err != nil {
		return Issue{}, err
	}
	defer j.gate.exit()
	if err := j.hook(ctx, "CreateIssue"); err != nil {
		return Issue{}, err
	}
	j.mu.Lock()
	if in.Reporter != "" && !j.canReporter {
		j.mu.Unlock()
		return Issue{}, fmt.Errorf("create issue: %w: Field 'reporter' cannot be set. It is not on the appropriate screen, or unknown.", errs.ErrInvalid)
	}
	if in.Description != nil {
		if err := adf.Validate(in.Description); err != nil {
			j.mu.Unlock()
			return Issue{}, fmt.Errorf("create issue: %w: %v", errs.ErrInvalid, err)
		}
		if in.Description.Size() > adf.MaxChars {
			j.mu.Unlock()
			return Issue{}, fmt.Errorf("create issue: %w: description too long", errs.ErrInvalid)
		}
	}
	if len(in.Summary) == 0 || len([]rune(in.Summary)) > MaxSummary {
		j.mu.Unlock()
		return Issue{}, fmt.Errorf("create issue: %w: summary", errs.ErrInvalid)
	}
	key := fmt.Sprintf("%s-%d", in.ProjectKey, j.next)
	j.next++
	j.issues[key] = &fakeIssue{in: in, key: key, created: j.clock.Now()}
	j.creates++
	j.mu.Unlock()
	if err := j.hook(ctx, "CreateIssue:after"); err != nil {
		return Issue{}, err
	}
	return Issue{Key: key, Origin: in.Origin, Labels: in.Labels}, nil
}

func (j *fakeJira) issue(key string) (*fakeIssue, error) {
	is := j.issues[strings.ToUpper(key)]
	if is == nil {
		return nil, fmt.Errorf("issue %s: %w: Issue does not exist or you do not have permission to see it.", key, errs.ErrNotFound)
	}
	return is, nil
}

func (j *fakeJira) Issue(ctx context.Context, key string) (Issue, error) {
	if err := j.gate.enter(ctx); err != nil {
		return Issue{}, err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return Issue{}, err
	}
	return Issue{Key: is.key, Origin: is.in.Origin, Labels: is.in.Labels}, nil
}

func (j *fakeJira) SearchLabel(ctx context.Context, label string) ([]Issue, error) {
	if err := j.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Issue
	for _, is := range j.issues {
		if slices.Contains(is.in.Labels, label) && !is.created.Add(j.indexLag).After(j.clock.Now()) {
			out = append(out, Issue{Key: is.key, Origin: is.in.Origin, Labels: is.in.Labels})
		}
	}
	slices.SortFunc(out, func(a, b Issue) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func (j *fakeJira) AddComment(ctx context.Context, key string, c NewComment) (string, error) {
	if err := j.gate.enter(ctx); err != nil {
		return "", err
	}
	defer j.gate.exit()
	if err := j.hook(ctx, "AddComment"); err != nil {
		return "", err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return "", err
	}
	if err := adf.Validate(c.Body); err != nil || c.Body.Size() > adf.MaxChars {
		return "", fmt.Errorf("add comment: %w: %v", errs.ErrInvalid, err)
	}
	is.comments = append(is.comments, c)
	return fmt.Sprint(len(is.comments)), nil
}

func (j *fakeJira) CommentByOrigin(ctx context.Context, key, origin string) (string, error) {
	if err := j.gate.enter(ctx); err != nil {
		return "", err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return "", err
	}
	for i, c := range is.comments {
		if c.Origin == origin {
			return fmt.Sprint(i + 1), nil
		}
	}
	return "", fmt.Errorf("comment: %w", errs.ErrNotFound)
}

func (j *fakeJira) Attachments(ctx context.Context, key string) ([]JiraAttachment, error) {
	if err := j.gate.enter(ctx); err != nil {
		return nil, err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return nil, err
	}
	return slices.Clone(is.attachments), nil
}

func (j *fakeJira) AddAttachment(ctx context.Context, key, name, ct string, r io.Reader) (JiraAttachment, error) {
	if err := j.gate.enter(ctx); err != nil {
		return JiraAttachment{}, err
	}
	defer j.gate.exit()
	data, err := io.ReadAll(r)
	if err != nil {
		return JiraAttachment{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return JiraAttachment{}, err
	}
	id := fmt.Sprint(10000 + len(is.attachments))
	a := JiraAttachment{ID: id, Filename: name, Size: int64(len(data)), MimeType: ct, ContentURL: "https://contoso.atlassian.net/rest/api/3/attachment/content/" + id}
	is.attachments = append(is.attachments, a)
	return a, nil
}

func (j *fakeJira) AddWatcher(ctx context.Context, key, accountID string) error {
	if err := j.gate.enter(ctx); err != nil {
		return err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	is, err := j.issue(key)
	if err != nil {
		return err
	}
	if !j.canWatch {
		return fmt.Errorf("add watcher: %w", errs.ErrForbidden)
	}
	if !slices.Contains(is.watchers, accountID) {
		is.watchers = append(is.watchers, accountID)
	}
	return nil
}

func (j *fakeJira) UserByEmail(ctx context.Context, email string) (User, error) {
	if err := j.gate.enter(ctx); err != nil {
		return User{}, err
	}
	defer j.gate.exit()
	if err := j.hook(ctx, "UserByEmail"); err != nil {
		return User{}, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if u, ok := j.users[strings.ToLower(email)]; ok {
		return u, nil
	}
	return User{}, fmt.Errorf("user %s: %w", email, errs.ErrNotFound)
}

func (j *fakeJira) CanSetReporter(ctx context.Context, _ string) (bool, error) {
	if err := j.gate.enter(ctx); err != nil {
		return false, err
	}
	defer j.gate.exit()
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.canReporter, nil
}

// deleteIssue deletes an issue as a Jira user would.
func (j *fakeJira) deleteIssue(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.issues, key)
}

// snapshot returns a copy of an issue for assertions.
func (j *fakeJira) snapshot(key string) fakeIssue {
	j.mu.Lock()
	defer j.mu.Unlock()
	if is := j.issues[key]; is != nil {
		return *is
	}
	return fakeIssue{}
}

func (j *fakeJira) count() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.issues)
}
