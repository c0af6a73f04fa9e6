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
}

// pending is one upload with its inline image bytes when those were read first.
type pending struct {
	up   Upload
	data []byte // inline images up to maxInlineBuffer; nil streams from Graph
	skip bool
}

// run uploads the files and returns the uploaded inline images by content id. Inline
// images are read first, concurrently, and checked for repeats in mail order, so the
// first of several copies of a logo is the one kept; then everything uploads
// concurrently. A file Jira refuses for good is skipped; a transient failure is returned so
// the mail is retried (the retry skips what is there).
func (u *uploader) run(ctx context.Context, ups []Upload) (map[string]JiraAttachment, error) {
	ps := make([]*pending, len(ups))
	for i, up := range ups {
		ps[i] = &pending{up: up}
	}
	if err := u.readInline(ctx, ps); err != nil {
		return nil, err
	}
	u.markRepeats(ps)
	var mu sync.Mutex
	images := map[string]JiraAttachment{}
	errc := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		if p.skip {
			continue
		}
		wg.Go(func() {
			att, ok, err := u.one(ctx, p)
			errc[i] = err
			if ok && p.up.Inline {
				mu.Lock()
				images[p.up.Attachment.ContentID] = att
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return images, errors.Join(errc...)
}

// readInline reads the small inline images into memory.
func (u *uploader) readInline(ctx context.Context, ps []*pending) error {
	errc := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		if !p.up.Inline || p.up.Attachment.Size > maxInlineBuffer {
			continue
		}
		wg.Go(func() {
			rc, err := u.open(ctx, p.up)
			if errors.Is(err, errs.ErrNotFound) {
				p.skip = true
				return
			}
			if err != nil {
				errc[i] = err
				return
			}
			defer rc.Close()
			if p.data, err = io.ReadAll(io.LimitReader(rc, maxInlineBuffer)); err != nil {
				errc[i] = fmt.Errorf("read inline image %s: %w", p.up.Filename, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errc...)
}

// markRepeats skips inline images that repeat a picture seen earlier on the thread: the
// same bytes earlier in this mail (by hash), or an attachment already on the issue with
// the same byte size and type. Outlook names every inline image image001.png, so names
// prove nothing; equal byte sizes of two images of one thread are, in practice, the same
// logo. The issue's attachment list is the thread's memory, so no hashes need storing and
// nothing earlier needs downloading; a false match costs one picture shown as a
// placeholder instead of uploaded once more.
func (u *uploader) markRepeats(ps []*pending) {
	seen := map[[32]byte]bool{}
	for _, p := range ps {
		if p.data == nil || p.skip {
			continue
		}
		sum := sha256.Sum256(p.data)
		if seen[sum] || u.onIssue(int64(len(p.data)), p.up.Attachment.ContentType) {
			p.skip = true
			continue
		}
		seen[sum] = true
	}
}

// one uploads a file; ok is false when it was skipped.
func (u *uploader) one(ctx context.Context, p *pending) (JiraAttachment, bool, error) {
	var r io.Reader
	if p.data != nil {
		r = bytes.NewReader(p.data)
	} else {
		rc, err := u.open(ctx, p.up)
		if errors.Is(err, errs.ErrNotFound) {
			u.log.WarnContext(ctx, "attachment skipped: gone from the mailbox", "issue", u.key, "file", p.up.Filename)
			return JiraAttachment{}, false, nil
		}
		if err != nil {
			return JiraAttachment{}, false, err
		}
		defer rc.Close()
		r = rc
	}
	ct := p.up.Attachment.ContentType
	if p.up.FullMail || p.up.Attachment.Kind == ItemAttachment {
		ct = "message/rfc822"
	}
	att, err := u.jira.AddAttachment(ctx, u.key, p.up.Filename, ct, r)
	if permanentUpload(err) {
		u.log.WarnContext(ctx, "attachment skipped", "issue", u.key, "file", p.up.Filename, "err", err)
		return JiraAttachment{}, false, nil
	}
	if err != nil {
		return JiraAttachment{}, false, fmt.Errorf("upload %s: %w", p.up.Filename, err)
	}
	return att, true, nil
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

func (u *uploader) onIssue(n int64, contentType string) bool {
	for _, e := range u.existing {
		if e.Size == n && strings.EqualFold(e.MimeType, contentType) {
			return true
		}
	}
	return false
}
