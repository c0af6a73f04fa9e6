package jira

import (
	"encoding/json"
	"strings"
	"time"
)

// User is a Jira account. Email is empty when the person's privacy settings hide it.
type User struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
	AccountType string `json:"accountType,omitempty"`
	Active      bool   `json:"active"`
}

// Project names a Jira project.
type Project struct {
	ID   string
	Key  string
	Name string
}

// Issue is an issue as read from Jira, with the fields asked for.
type Issue struct {
	ID             string
	Key            string
	Summary        string
	Description    json.RawMessage // ADF, verbatim
	Labels         []string
	Project        Project
	IssueType      string
	Status         string
	StatusCategory string // "new", "indeterminate" or "done"
	Priority       string
	Reporter       *User
	Assignee       *User
	Creator        *User
	Created        time.Time
	Updated        time.Time
	WatchCount     int
	Attachments    []Attachment
	Comments       []Comment
	// Rendered holds renderedFields (HTML) by field name, when asked for.
	Rendered map[string]string
	// Properties holds the issue properties asked for, by key.
	Properties map[string]json.RawMessage
}

// Attachment is a file on an issue.
type Attachment struct {
	ID         string
	Filename   string
	Size       int64
	MimeType   string
	ContentURL string
	Author     *User
	Created    time.Time
}

// Visibility restricts a comment to a group or a project role.
type Visibility struct {
	Type  string `json:"type"` // "group" or "role"
	Value string `json:"value"`
}

// Comment is a comment on an issue.
type Comment struct {
	ID           string
	Author       *User
	Body         json.RawMessage // ADF, verbatim
	RenderedBody string          // HTML, when asked for
	Created      time.Time
	Updated      time.Time
	Visibility   *Visibility
	// JSDPublic is false for a Jira Service Management internal comment.
	JSDPublic  bool
	Properties map[string]json.RawMessage
}

// Board is an agile board with the project it lives in and the filter that selects its
// issues.
type Board struct {
	ID       int
	Name     string
	Type     string
	Project  Project
	FilterID string
	// FilterJQL is the filter's query as saved (it may end in ORDER BY); to combine it with
	// other clauses use Query.Filter(FilterID).
	FilterJQL string
}

// --- wire shapes (REST v3 beans), decoded from raw bytes ---

type userBean struct {
	AccountID    string `json:"accountId"`
	DisplayName  string `json:"displayName"`
	EmailAddress string `json:"emailAddress"`
	AccountType  string `json:"accountType"`
	Active       bool   `json:"active"`
}

func (u *userBean) user() *User {
	if u == nil || u.AccountID == "" {
		return nil
	}
	return &User{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.EmailAddress, AccountType: u.AccountType, Active: u.Active}
}

type attachmentBean struct {
	ID       json.Number `json:"id"` // a string in lists, a number in AttachmentMetadata
	Filename string      `json:"filename"`
	Size     int64       `json:"size"`
	MimeType string      `json:"mimeType"`
	Content  string      `json:"content"`
	Author   *userBean   `json:"author"`
	Created  string      `json:"created"`
}

func (a attachmentBean) attachment() Attachment {
	return Attachment{
		ID: a.ID.String(), Filename: a.Filename, Size: a.Size, MimeType: a.MimeType,
		ContentURL: a.Content, Author: a.Author.user(), Created: parseTime(a.Created),
	}
}

type commentBean struct {
	ID           string          `json:"id"`
	Author       *userBean       `json:"author"`
	Body         json.RawMessage `json:"body"`
	RenderedBody string          `json:"renderedBody"`
	Created      string          `json:"created"`
	Updated      string          `json:"updated"`
	Visibility   *Visibility     `json:"visibility"`
	JSDPublic    *bool           `json:"jsdPublic"`
	Properties   []struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	} `json:"properties"`
}

func (b commentBean) comment() Comment {
	c := Comment{
		ID: b.ID, Author: b.Author.user(), Body: b.Body, RenderedBody: b.RenderedBody,
		Created: parseTime(b.Created), Updated: parseTime(b.Updated), Visibility: b.Visibility,
		JSDPublic: b.JSDPublic == nil || *b.JSDPublic,
	}
	if len(b.Properties) > 0 {
		c.Properties = make(map[string]json.RawMessage, len(b.Properties))
		for _, p := range b.Properties {
			c.Properties[p.Key] = p.Value
		}
	}
	return c
}

type commentPageBean struct {
	StartAt    int           `json:"startAt"`
	MaxResults int           `json:"maxResults"`
	Total      int           `json:"total"`
	Comments   []commentBean `json:"comments"`
}

type issueBean struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Fields struct {
		Summary     string          `json:"summary"`
		Description json.RawMessage `json:"description"`
		Labels      []string        `json:"labels"`
		Project     *struct {
			ID   string `json:"id"`
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"project"`
		IssueType *struct {
			Name string `json:"name"`
		} `json:"issuetype"`
		Status *struct {
			Name           string `json:"name"`
			StatusCategory *struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		} `json:"status"`
		Priority *struct {
			Name string `json:"name"`
		} `json:"priority"`
		Reporter *userBean `json:"reporter"`
		Assignee *userBean `json:"assignee"`
		Creator  *userBean `json:"creator"`
		Created  string    `json:"created"`
		Updated  string    `json:"updated"`
		Watches  *struct {
			WatchCount int `json:"watchCount"`
		} `json:"watches"`
		Attachment []attachmentBean `json:"attachment"`
		Comment    *commentPageBean `json:"comment"`
	} `json:"fields"`
	RenderedFields map[string]json.RawMessage `json:"renderedFields"`
	Properties     map[string]json.RawMessage `json:"properties"`
}

func (b *issueBean) issue() Issue {
	f := &b.Fields
	is := Issue{
		ID: b.ID, Key: b.Key, Summary: f.Summary, Labels: f.Labels,
		Reporter: f.Reporter.user(), Assignee: f.Assignee.user(), Creator: f.Creator.user(),
		Created: parseTime(f.Created), Updated: parseTime(f.Updated), Properties: b.Properties,
	}
	if len(f.Description) > 0 && string(f.Description) != "null" {
		is.Description = f.Description
	}
	if f.Project != nil {
		is.Project = Project{ID: f.Project.ID, Key: f.Project.Key, Name: f.Project.Name}
	}
	if f.IssueType != nil {
		is.IssueType = f.IssueType.Name
	}
	if f.Status != nil {
		is.Status = f.Status.Name
		if f.Status.StatusCategory != nil {
			is.StatusCategory = f.Status.StatusCategory.Key
		}
	}
	if f.Priority != nil {
		is.Priority = f.Priority.Name
	}
	if f.Watches != nil {
		is.WatchCount = f.Watches.WatchCount
	}
	for _, a := range f.Attachment {
		is.Attachments = append(is.Attachments, a.attachment())
	}
	if f.Comment != nil {
		for _, cb := range f.Comment.Comments {
			is.Comments = append(is.Comments, cb.comment())
		}
	}
	is.Rendered = renderedStrings(b.RenderedFields)
	return is
}

// renderedStrings keeps the rendered fields that are HTML strings (others are null).
func renderedStrings(m map[string]json.RawMessage) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		var s string
		if json.Unmarshal(v, &s) == nil && s != "" {
			out[k] = s
		}
	}
	return out
}

// jiraTimeLayout is how Jira's REST API writes date-times (no colon in the offset).
const jiraTimeLayout = "2006-01-02T15:04:05.000-0700"

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(jiraTimeLayout, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	return time.Time{}
}
