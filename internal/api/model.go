package api

import (
	"encoding/json"
	"time"

	"github.com/mail2jira/mail2jira/internal/jira"
)

// The response shapes. Their JSON names are part of the API's contract and are described in
// openapi.json under components/schemas; a test validates every response against it.

// Person is a Jira account as the API shows it; email is absent when the person's privacy
// settings hide it.
type Person struct {
	AccountID   string `json:"accountId"`
	DisplayName string `json:"displayName"`
	Email       string `json:"email,omitempty"`
}

// Ticket is a ticket as the API returns it.
type Ticket struct {
	Key             string          `json:"key"`
	ID              string          `json:"id"`
	URL             string          `json:"url"`     // TICKET_CLIENT_APP + key when set, else the Jira link
	JiraURL         string          `json:"jiraUrl"` // the issue in Jira
	Title           string          `json:"title"`
	Description     json.RawMessage `json:"description"` // ADF document
	DescriptionHTML *string         `json:"descriptionHtml,omitempty"`
	Board           string          `json:"board,omitempty"`
	Category        string          `json:"category,omitempty"`
	Project         string          `json:"project"`
	Type            string          `json:"type"`
	Status          string          `json:"status"`
	StatusCategory  string          `json:"statusCategory"`
	Priority        string          `json:"priority,omitempty"`
	Labels          []string        `json:"labels"`
	Reporter        *Person         `json:"reporter"`
	Assignee        *Person         `json:"assignee"`
	Created         time.Time       `json:"created"`
	Updated         time.Time       `json:"updated"`
	Watchers        []Person        `json:"watchers,omitempty"`
	Comments        []Comment       `json:"comments,omitempty"`
	Attachments     []Attachment    `json:"attachments,omitempty"`
	Warnings        []string        `json:"warnings,omitempty"` // create: what could not be done (a watcher, an upload)
}

// Comment is a comment on a ticket.
type Comment struct {
	ID          string          `json:"id"`
	Author      *Person         `json:"author"`
	Body        json.RawMessage `json:"body"` // ADF document
	BodyHTML    *string         `json:"bodyHtml,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Attachments []Attachment    `json:"attachments,omitempty"` // create: the files uploaded with it
	Warnings    []string        `json:"warnings,omitempty"`
}

// Attachment is a file on a ticket.
type Attachment struct {
	ID       string    `json:"id"`
	Filename string    `json:"filename"`
	Size     int64     `json:"size"`
	MimeType string    `json:"mimeType"`
	Created  time.Time `json:"created,omitzero"`
}

// SearchResult is one page of a search.
type SearchResult struct {
	Tickets       []Ticket `json:"tickets"`
	NextPageToken string   `json:"nextPageToken,omitempty"`
}

// BoardInfo is a board tickets can be filed on.
type BoardInfo struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Default bool   `json:"default"`
}

// BoardList answers supported-boards.
type BoardList struct {
	Boards []BoardInfo `json:"boards"`
}

// CategoryList answers supported-categories.
type CategoryList struct {
	Categories []string `json:"categories"`
	Default    string   `json:"default,omitempty"`
}

func person(u *jira.User) *Person {
	if u == nil || u.AccountID == "" {
		return nil
	}
	return &Person{AccountID: u.AccountID, DisplayName: u.DisplayName, Email: u.Email}
}

func attachment(a jira.Attachment) Attachment {
	return Attachment{ID: a.ID, Filename: a.Filename, Size: a.Size, MimeType: a.MimeType, Created: a.Created}
}

func comment(c jira.Comment) Comment {
	out := Comment{ID: c.ID, Author: person(c.Author), Body: c.Body, Created: c.Created, Updated: c.Updated}
	if c.RenderedBody != "" {
		h := c.RenderedBody
		out.BodyHTML = &h
	}
	if len(out.Body) == 0 {
		out.Body = json.RawMessage("null")
	}
	return out
}
