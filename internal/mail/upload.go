package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxInlineBuffer is the largest inline image held in memory to check it for a repeat;
// bigger ones are photos, not logos, and are streamed.
const maxInlineBuffer = 1 << 20

// uploader puts a mail's files on an issue.
type uploader struct {
	graph    Graph
	jira     Jira
	mailbox  string
	msgID    string
	key      string
	existing []JiraAttachment // the issue's attachments before this mail
	log      *slog.Logger

	mu       sync.Mutex
	hashes   map[[32]byte]bool
	uploaded map[string]JiraAttachment // by content id
}

// run uploads every file concurrently and returns the uploaded inline images by content id.
// A file that fails for good (too large for Jira, unsupported) is skipped; a transient
// failure is returned so the whole mail is retried (the retry skips what is there).
func (u *uploader) run(ctx context.Context, ups []Upload) (map[string]JiraAttachment, error) {
	u.hashes, u.uploaded = map[[32]byte]bool{}, map[string]JiraAttachment{}
	errc := make([]error, len(ups))
	var wg sync.WaitGroup
	for i, up := range ups {
		wg.Go(func() { errc[i] = u.one(ctx, up) })
	}
	wg.Wait()
	return u.uploaded, errors.Join(errc...)
}

func (u *uploader) one(ctx context.Context, up Upload) error {
	rc, err := u.open(ctx, up)
	if errors.Is(err, errs.ErrNotFound) {
		u.log.Warn("attachment skipped: gone from the mailbox", "issue", u.key, "file", up.Filename)
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	var r io.Reader = rc
	if up.Inline {
		data, repeat, err := u.readInline(rc, up)
		if err != nil || repeat {
			return err
		}
		r = data
	}
	ct := up.Attachment.ContentType
	if up.FullMail || up.Attachment.Kind == ItemAttachment {
		ct = "message/rfc822"
	}
	att, err := u.jira.AddAttachment(ctx, u.key, up.Filename, ct, r)
	if permanentUpload(err) {
		u.log.Warn("attachment skipped", "issue", u.key, "file", up.Filename, "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("upload %s: %w", up.Filename, err)
	}
	if up.Inline {
		u.mu.Lock()
		u.uploaded[up.Attachment.ContentID] = att
		u.mu.Unlock()
	}
	return nil
}

// permanentUpload reports a failure that retrying would repeat: Jira refused the file.
func permanentUpload(err error) bool {
	return errors.Is(err, errs.ErrTooLarge) || errors.Is(err, errs.ErrUnsupportedMedia) || errors.Is(err, errs.ErrInvalid)
}

func (u *uploader) open(ctx context.Context, up Upload) (io.ReadCloser, error) {
	if up.FullMail {
		rc, err := u.graph.MessageMIME(ctx, u.mailbox, u.msgID)
		if err != nil {
			return nil, fmt.Errorf("read message MIME: %w", err)
		}
		return rc, nil
	}
	rc, err := u.graph.AttachmentContent(ctx, u.mailbox, u.msgID, up.Attachment.ID)
	if err != nil {
		return nil, fmt.Errorf("read attachment %s: %w", up.Filename, err)
	}
	return rc, nil
}

// readInline reads a small inline image and reports whether it repeats a picture seen
// earlier on the thread: the same bytes earlier in this mail (by hash), or an attachment
// of the issue with the same byte size and type (see planAttachments' caller).
func (u *uploader) readInline(rc io.Reader, up Upload) (io.Reader, bool, error) {
	head, err := io.ReadAll(io.LimitReader(rc, maxInlineBuffer+1))
	if err != nil {
		return nil, false, fmt.Errorf("read inline image %s: %w", up.Filename, err)
	}
	if len(head) > maxInlineBuffer {
		return io.MultiReader(bytes.NewReader(head), rc), false, nil
	}
	sum := sha256.Sum256(head)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.hashes[sum] || u.onIssue(int64(len(head)), up.Attachment.ContentType) {
		return nil, true, nil
	}
	u.hashes[sum] = true
	return bytes.NewReader(head), false, nil
}

func (u *uploader) onIssue(n int64, contentType string) bool {
	for _, e := range u.existing {
		if e.Size == n && strings.EqualFold(e.MimeType, contentType) {
			return true
		}
	}
	return false
}
