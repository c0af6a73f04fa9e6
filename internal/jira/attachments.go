package jira

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/mail2jira/mail2jira/internal/mail"
)

// maxAnswer bounds how much of an answer to an upload is read.
const maxAnswer = 1 << 20

// UploadAttachment adds one file to an issue, streaming r into the multipart body as it is
// sent (go-atlassian's Add buffers the whole file). It is never retried: r cannot be read
// twice, and a 429 or 503 comes back as *errs.Throttled. A file over Jira's limit is
// errs.ErrTooLarge.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/#api-rest-api-3-issue-issueidorkey-attachments-post
func (c *Client) UploadAttachment(ctx context.Context, key, filename, contentType string, r io.Reader) (Attachment, error) {
	op := "jira: attach to " + key
	if err := checkKey(op, key); err != nil {
		return Attachment{}, err
	}
	body := newFileBody(filename, contentType, r)
	defer body.stop()
	u := c.site.ResolveReference(&url.URL{Path: "rest/api/3/issue/" + key + "/attachments"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body.pr)
	if err != nil {
		return Attachment{}, fmt.Errorf("%s: %w", op, err)
	}
	req.SetBasicAuth(c.email, c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", body.contentType)
	// Jira refuses multipart posts without it (its XSRF check).
	req.Header.Set("X-Atlassian-Token", "no-check")
	resp, err := c.http.Do(req)
	if err != nil {
		var re *fileReadError
		if errors.As(body.stop(), &re) {
			return Attachment{}, fmt.Errorf("%s: read file: %w", op, re.err)
		}
		return Attachment{}, c.transportError(ctx, op, err)
	}
	answer, err := c.readAnswer(ctx, op, resp)
	if err != nil {
		return Attachment{}, err
	}
	var list []attachmentBean
	if err := json.Unmarshal(answer, &list); err != nil || len(list) == 0 {
		return Attachment{}, fmt.Errorf("%s: unexpected response: %d attachments, %v", op, len(list), err)
	}
	return list[0].attachment(), nil
}

// readAnswer reads and closes a response, mapping a non-2xx status to an error.
func (c *Client) readAnswer(ctx context.Context, op string, resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.httpError(op, resp.StatusCode, resp.Header, body)
	}
	if err != nil {
		return nil, c.transportError(ctx, op, err)
	}
	return body, nil
}

// fileBody is a multipart/form-data body with one "file" part, written from r by a
// goroutine while the request sends it.
type fileBody struct {
	pr          *io.PipeReader
	contentType string
	done        chan error
	once        sync.Once
	err         error
}

func newFileBody(filename, contentType string, r io.Reader) *fileBody {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	b := &fileBody{pr: pr, contentType: mw.FormDataContentType(), done: make(chan error, 1)}
	go func() { b.done <- writeFilePart(pw, mw, filename, contentType, r) }()
	return b
}

// stop ends the writer and waits for it, so r is never read after the upload returns; it
// returns the writer's error.
func (b *fileBody) stop() error {
	b.once.Do(func() {
		_ = b.pr.CloseWithError(errUploadEnded)
		b.err = <-b.done
	})
	return b.err
}

// errUploadEnded stops the writer once the request is over.
var errUploadEnded = errors.New("upload ended")

// fileReadError is a failure to read the file, as opposed to a failure to send it.
type fileReadError struct{ err error }

func (e *fileReadError) Error() string { return e.err.Error() }

func writeFilePart(pw *io.PipeWriter, mw *multipart.Writer, filename, contentType string, r io.Reader) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+quoteFilename(filename)+`"`)
	if contentType == "" || strings.ContainsAny(contentType, "\r\n") {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	part, err := mw.CreatePart(h)
	if err == nil {
		err = copyFile(part, r)
	}
	if err == nil {
		err = mw.Close()
	}
	_ = pw.CloseWithError(err)
	return err
}

// copyFile copies r to w, telling a failure to read r from a failure to send.
func copyFile(w io.Writer, r io.Reader) error {
	buf := make([]byte, 32<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return &fileReadError{err: rerr}
		}
	}
}

// quoteFilename keeps a file name inside its quoted Content-Disposition parameter: control
// characters cannot break the header, quotes and backslashes are escaped. UTF-8 is sent
// as is, as browsers do (RFC 7578 section 4.2).
func quoteFilename(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "attachment"
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name)
}

// --- mail.Jira ---

// AddAttachment uploads one file of a mail, streaming r.
func (c *Client) AddAttachment(ctx context.Context, key, filename, contentType string, r io.Reader) (mail.JiraAttachment, error) {
	a, err := c.UploadAttachment(ctx, key, filename, contentType, r)
	if err != nil {
		return mail.JiraAttachment{}, err
	}
	return mailAttachment(a), nil
}

// Download is an attachment's content being read; the caller closes Body.
type Download struct {
	Body        io.ReadCloser
	ContentType string
	Size        int64 // -1 when unknown
}

// OpenAttachment streams an attachment's content (e.g. an image of a comment to relay by
// mail). It asks Jira to serve the bytes itself (redirect=false) rather than redirecting to
// its media service, so the credentials stay on the site. 429 and 503 are retried.
// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-attachments/#api-rest-api-3-attachment-content-id-get
func (c *Client) OpenAttachment(ctx context.Context, id string) (Download, error) {
	op := "jira: download attachment " + id
	if err := checkID(op, "attachment", id); err != nil {
		return Download{}, err
	}
	u := c.site.ResolveReference(&url.URL{Path: "rest/api/3/attachment/content/" + id, RawQuery: "redirect=false"})
	var dl Download
	err := c.retrying(ctx, op, true, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		req.SetBasicAuth(c.email, c.token)
		resp, err := c.http.Do(req)
		if err != nil {
			return c.transportError(ctx, op, err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			_, err := c.readAnswer(ctx, op, resp)
			return err
		}
		dl = Download{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}
		return nil
	})
	return dl, err
}
