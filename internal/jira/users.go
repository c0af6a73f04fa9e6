package jira

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"

	"github.com/ctreminiom/go-atlassian/v2/pkg/infra/models"

	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/mail"
)

// userCacheKind names user look-ups in the Cache.
const userCacheKind = "jira-user"

// userSearchPage is how many accounts one look-up reads; an address matches few.
const userSearchPage = 50

// cachedUser is a cached look-up; Found false remembers that no visible account exists.
type cachedUser struct {
	Found bool `json:"found"`
	User  User `json:"user"`
}

// FindUserByEmail finds the active account whose visible email is exactly address (any
// case). An account whose privacy settings hide its email cannot be found: Jira neither
// returns nor matches hidden addresses. Results, found or not, are cached. errs.ErrNotFound
// when there is none.
func (c *Client) FindUserByEmail(ctx context.Context, address string) (User, error) {
	op := "jira: find user by email"
	addr, err := normEmail(address)
	if err != nil {
		return User{}, fmt.Errorf("%s: %w: %v", op, errs.ErrInvalid, err)
	}
	var hit cachedUser
	ok, err := c.cache.GetCached(ctx, userCacheKind, addr, &hit)
	if err != nil {
		c.log.WarnContext(ctx, "user cache read failed; asking Jira", "err", err)
	}
	if ok {
		return found(op, hit)
	}
	hit, err = c.searchUser(ctx, op, addr)
	if err != nil {
		return User{}, err
	}
	ttl := c.noneTTL
	if hit.Found {
		ttl = c.userTTL
	}
	if err := c.cache.PutCached(ctx, userCacheKind, addr, hit, ttl); err != nil {
		c.log.WarnContext(ctx, "user cache write failed", "err", err)
	}
	return found(op, hit)
}

func found(op string, hit cachedUser) (User, error) {
	if !hit.Found {
		return User{}, fmt.Errorf("%s: %w: no visible account for that address", op, errs.ErrNotFound)
	}
	return hit.User, nil
}

// searchUser asks /rest/api/3/user/search, which matches display names and visible emails
// by prefix, and keeps only an exact, active email match.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-user-search/#api-rest-api-3-user-search-get
func (c *Client) searchUser(ctx context.Context, op, addr string) (cachedUser, error) {
	var list []*models.UserScheme
	_, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		var res *models.ResponseScheme
		var err error
		list, res, err = c.api.User.Search.Do(ctx, "", addr, 0, userSearchPage)
		return res, err
	})
	if err != nil {
		return cachedUser{}, err
	}
	for _, u := range list {
		if u != nil && u.Active && u.AccountType != "app" && strings.EqualFold(strings.TrimSpace(u.EmailAddress), addr) {
			return cachedUser{Found: true, User: User{
				AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.EmailAddress,
				AccountType: u.AccountType, Active: u.Active,
			}}, nil
		}
	}
	return cachedUser{}, nil
}

// normEmail lower-cases one address without a display name (angle brackets allowed),
// refusing anything else (a name alone, a list, X.500 names).
func normEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := netmail.ParseAddress(s)
	if err != nil || a.Name != "" || strings.Contains(s, ",") {
		return "", fmt.Errorf("%q is not a bare email address", truncate(s, 80))
	}
	return strings.ToLower(a.Address), nil
}

// Myself reads the service's own account.
func (c *Client) Myself(ctx context.Context) (User, error) {
	op := "jira: myself"
	res, err := c.call(ctx, op, true, func() (*models.ResponseScheme, error) {
		_, res, err := c.api.MySelf.Details(ctx, nil)
		return res, err
	})
	if err != nil {
		return User{}, err
	}
	var b userBean
	if err := decode(op, res, &b); err != nil {
		return User{}, err
	}
	u := b.user()
	if u == nil {
		return User{}, fmt.Errorf("%s: unexpected response: no account id", op)
	}
	return *u, nil
}

// --- mail.Jira ---

// UserByEmail finds the Jira account of an address (see FindUserByEmail).
func (c *Client) UserByEmail(ctx context.Context, email string) (mail.User, error) {
	u, err := c.FindUserByEmail(ctx, email)
	if errors.Is(err, errs.ErrInvalid) {
		// Mail carries addresses no Jira account can have (X.500 names, odd syntax); for
		// the processor that is "no account", not a reason to fail the mail.
		return mail.User{}, fmt.Errorf("%w: %v", errs.ErrNotFound, err)
	}
	if err != nil {
		return mail.User{}, err
	}
	return mail.User{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.Email}, nil
}
