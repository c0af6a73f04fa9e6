package jira

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	jiraemu "github.com/mail2jira/mail2jira/internal/emulator/jira"
	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestUploadAttachment(t *testing.T) {
	s := newSite(t, jiraemu.Options{MaxAttachmentSize: 64 << 10})
	bot, _ := s.client(t, botID)
	agent, _ := s.client(t, agentID)
	key := createIssue(t, bot, "files")
	tests := []struct {
		name, filename, ct string
		data               []byte
		c                  *Client
		key                string
		wantName, wantCT   string
		wantErr            error
	}{
		{name: "text", filename: "notes.txt", ct: "text/plain", data: []byte("hello"), wantName: "notes.txt", wantCT: "text/plain"},
		{name: "binary, no type", filename: "blob.bin", data: bytes.Repeat([]byte{0, 1, 2, 255}, 1000), wantName: "blob.bin", wantCT: "application/octet-stream"},
		{name: "unicode name", filename: "Überweisung – März.pdf", ct: "application/pdf", data: []byte("%PDF"), wantName: "Überweisung – März.pdf", wantCT: "application/pdf"},
		{name: "quotes and newline in name", filename: "a\"b\r\nX-Evil: 1.txt", ct: "text/plain", data: []byte("x"), wantName: "a\"b__X-Evil: 1.txt", wantCT: "text/plain"},
		{name: "empty name", filename: "  ", ct: "text/plain", data: []byte("x"), wantName: "attachment", wantCT: "text/plain"},
		{name: "at the limit", filename: "max.bin", data: make([]byte, 64<<10), wantName: "max.bin", wantCT: "application/octet-stream"},
		{name: "over the limit", filename: "big.bin", data: make([]byte, 64<<10+1), wantErr: errs.ErrTooLarge},
		{name: "far over the limit", filename: "huge.bin", data: make([]byte, 8<<20), wantErr: errs.ErrTooLarge},
		{name: "without Create Attachments", c: agent, filename: "x.txt", data: []byte("x"), wantErr: errs.ErrForbidden},
		{name: "deleted issue", key: "SUP-999", filename: "x.txt", data: []byte("x"), wantErr: errs.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, k := bot, key
			if tt.c != nil {
				c = tt.c
			}
			if tt.key != "" {
				k = tt.key
			}
			s.emu.ResetCallCounts()
			got, err := c.UploadAttachment(testCtx(t), k, tt.filename, tt.ct, bytes.NewReader(tt.data))
			if n := s.calls("POST /rest/api/3/issue/{key}/attachments"); n != 1 {
				t.Errorf("upload requests = %d, want 1", n)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("UploadAttachment: got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("UploadAttachment: %v", err)
			}
			name, ct, data, ok := s.emu.Attachment(got.ID)
			if !ok {
				t.Fatalf("attachment %s not stored", got.ID)
			}
			if diff := cmp.Diff([]string{tt.wantName, tt.wantCT}, []string{name, ct}); diff != "" {
				t.Errorf("stored name and type (-want +got):\n%s", diff)
			}
			if !bytes.Equal(data, tt.data) {
				t.Errorf("stored %d bytes, want the %d sent", len(data), len(tt.data))
			}
			if got.Filename != name || got.Size != int64(len(tt.data)) || got.ContentURL == "" {
				t.Errorf("answer = %+v", got)
			}
		})
	}
}

// gatedReader hands out its first chunk, then blocks until the server has seen the request
// start. A client that buffered the whole file before sending would never get there.
type gatedReader struct {
	first   []byte
	rest    io.Reader
	started <-chan string
	path    string
	opened  bool
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.first) > 0 {
		n := copy(p, g.first)
		g.first = g.first[n:]
		return n, nil
	}
	for !g.opened {
		select {
		case got := <-g.started:
			g.opened = got == g.path
		case <-time.After(20 * time.Second):
			return 0, errors.New("the request never started while the file was still being read: the body is buffered")
		}
	}
	return g.rest.Read(p)
}

func TestUploadAttachmentStreams(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "streamed")
	for len(s.started) > 0 {
		<-s.started
	}
	r := &gatedReader{
		first: []byte("head-"), rest: strings.NewReader(strings.Repeat("tail", 100_000)),
		started: s.started, path: "POST /rest/api/3/issue/" + key + "/attachments",
	}
	got, err := c.UploadAttachment(testCtx(t), key, "stream.txt", "text/plain", r)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != int64(5+400_000) {
		t.Errorf("size = %d, want %d", got.Size, 5+400_000)
	}
}

// failingReader fails after some bytes, like a Graph download cut off.
type failingReader struct{ n int }

var errCutOff = errors.New("download cut off")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errCutOff
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestUploadAttachmentReaderFails(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, _ := s.client(t, botID)
	key := createIssue(t, c, "broken download")
	_, err := c.UploadAttachment(testCtx(t), key, "x.bin", "", &failingReader{n: 100_000})
	if !errors.Is(err, errCutOff) {
		t.Fatalf("UploadAttachment: got %v, want the reader's error", err)
	}
	list, lerr := c.IssueAttachments(testCtx(t), key)
	if lerr != nil || len(list) != 0 {
		t.Errorf("attachments after a failed upload = %v, %v; want none", list, lerr)
	}
}

func TestOpenAttachment(t *testing.T) {
	s := newSite(t, jiraemu.Options{})
	c, sl := s.client(t, botID)
	key := createIssue(t, c, "download")
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300_000)...)
	up, err := c.UploadAttachment(testCtx(t), key, "logo.png", "image/png", bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	const route = "GET /rest/api/3/attachment/content/{id}"
	tests := []struct {
		name      string
		id        string
		fault     *jiraemu.Fault
		wantErr   error
		wantCalls int
	}{
		{name: "streams the bytes", id: up.ID, wantCalls: 1},
		{name: "retried after 429", id: up.ID, fault: &jiraemu.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, wantCalls: 2},
		{name: "unknown", id: "999999", wantErr: errs.ErrNotFound, wantCalls: 1},
		{name: "not an id", id: "1/../../myself", wantErr: errs.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				s.emu.InjectFault(route, *tt.fault)
			}
			s.emu.ResetCallCounts()
			dl, err := c.OpenAttachment(testCtx(t), tt.id)
			if got := s.calls(route); got != tt.wantCalls {
				t.Errorf("requests = %d, want %d", got, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("OpenAttachment: got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer dl.Body.Close()
			data, err := io.ReadAll(dl.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, png) || dl.ContentType != "image/png" || dl.Size != int64(len(png)) {
				t.Errorf("downloaded %d bytes of %s (size %d), want the %d uploaded", len(data), dl.ContentType, dl.Size, len(png))
			}
		})
	}
	if w := sl.recorded(); len(w) != 1 || w[0] < time.Second {
		t.Errorf("waits = %v, want one of at least 1s", w)
	}
}
