package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/mail2jira/mail2jira/internal/adf"
	"github.com/mail2jira/mail2jira/internal/errs"
	"github.com/mail2jira/mail2jira/internal/jira"
)

// comment serves POST /tickets/{key}/comments: the author is named on a From: line (a
// mention when they have a Jira account), and files are uploaded to the ticket after it.
func (s *Service) comment(w http.ResponseWriter, r *http.Request, rawKey string) error {
	ctx := r.Context()
	key, err := checkKey(rawKey)
	if err != nil {
		return err
	}
	var in commentRequest
	f, err := s.readBody(r, &in, nil, true)
	if err != nil {
		return err
	}
	defer f.cleanup()
	if in, err = validateComment(in); err != nil {
		return err
	}
	is, err := s.opts.Jira.GetIssue(ctx, key, jira.IssueOptions{Fields: []string{"labels", "project"}})
	if errors.Is(err, errs.ErrNotFound) {
		return errs.WithPublic(err, "no ticket %s", key)
	}
	if err != nil {
		return s.jiraError(err, "read "+key)
	}
	if ok, err := s.owned(ctx, is); err != nil {
		return s.jiraError(err, "check owner of "+key)
	} else if !ok {
		return errs.WithPublic(errs.ErrNotFound, "no ticket %s", key)
	}
	author, err := s.lookup(ctx, in.Author)
	if err != nil {
		return err
	}
	header := []*adf.Node{adf.PeopleLine("From", []adf.Person{personOf(in.Author, author)})}
	if len(f.files) > 0 {
		names := make([]string, 0, len(f.files))
		for _, u := range f.files {
			names = append(names, u.Filename)
		}
		header = append(header, adf.Note("Attached: "+strings.Join(names, ", ")))
	}
	doc, err := bodyDoc(in.Body, in.BodyFormat, header)
	if err != nil {
		return err
	}
	id := make([]byte, 16)
	rand.Read(id)
	c, err := s.opts.Jira.PostComment(ctx, key, jira.NewComment{Body: doc, Properties: map[string]any{jira.OriginProperty: "api-comment:" + hex.EncodeToString(id)}})
	if err != nil {
		return s.jiraError(err, "comment on "+key)
	}
	out := comment(c)
	out.Attachments, out.Warnings = s.uploadAll(ctx, key, f.files)
	writeJSON(w, http.StatusCreated, out)
	return nil
}
