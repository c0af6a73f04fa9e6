package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path"
	"strings"
	"unicode"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxFields bounds the non-file part of a request (JSON body or multipart fields): a
// description is at most 32,767 characters in Jira, so this leaves ample room.
const maxFields = 1 << 20

// attachmentsField is the multipart field that carries files.
const attachmentsField = "attachments"

// upload is a file received with a request, held in a temporary file until the issue or
// comment it belongs to exists: the request is validated whole before anything is created.
type upload struct {
	Filename    string
	ContentType string
	Size        int64
	path        string
}

// form is a parsed request body.
type form struct {
	files []upload
}

// cleanup removes the temporary files.
func (f *form) cleanup() {
	for _, u := range f.files {
		os.Remove(u.path)
	}
}

// readBody decodes a JSON or multipart/form-data body into into (a pointer to a struct
// with json tags; multi names the fields that may repeat). Files are accepted only when
// files is true. The caller must call cleanup on the returned form.
func (s *Service) readBody(r *http.Request, into any, multi map[string]bool, files bool) (*form, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	limit := int64(maxFields)
	if files && mt == "multipart/form-data" {
		limit += s.opts.Config.APIMaxUploadBytes
	}
	if r.ContentLength > limit {
		return nil, tooLarge("the request body is larger than the limit of %s", mb(limit))
	}
	switch mt {
	case "application/json":
		return &form{}, decodeJSON(io.LimitReader(r.Body, maxFields+1), into)
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, errs.WithPublic(errs.ErrInvalid, "multipart/form-data needs a boundary parameter")
		}
		return s.readMultipart(multipart.NewReader(r.Body, params["boundary"]), into, multi, files)
	}
	accepted := "application/json or multipart/form-data"
	return nil, errs.WithPublic(fmt.Errorf("content type %q: %w", mt, errs.ErrUnsupportedMedia), "send %s", accepted)
}

// decodeJSON decodes one JSON object strictly: unknown fields and wrong types are named.
func decodeJSON(r io.Reader, into any) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read body: %w", errs.ErrInvalid)
	}
	if len(data) > maxFields {
		return errs.WithPublic(errs.ErrTooLarge, "the JSON body is larger than %s", mb(maxFields))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(into)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	if err == nil {
		return nil
	}
	v := &errs.Validation{}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		v.Add(te.Field, "must be %s", jsonKind(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		v.Add(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
	default:
		v.Add("body", "must be one JSON object")
	}
	return v
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "an array of strings"
	case "string":
		return "a string"
	}
	return "of another type"
}

// readMultipart reads fields and files part by part, so the body is never held in memory:
// files go to temporary files, each checked against the per-file and total limits as it
// streams in.
func (s *Service) readMultipart(mr *multipart.Reader, into any, multi map[string]bool, files bool) (*form, error) {
	f := &form{}
	values := map[string]any{}
	var fieldBytes, total int64
	v := &errs.Validation{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.cleanup()
			return nil, readError(err, "multipart body")
		}
		name := p.FormName()
		if p.FileName() == "" && name != attachmentsField {
			if fieldBytes, err = readField(p, values, v, multi, fieldBytes); err != nil {
				f.cleanup()
				return nil, err
			}
			continue
		}
		if !files || name != attachmentsField {
			v.Add(name, "%s", fileRefusal(files))
			io.Copy(io.Discard, p)
			continue
		}
		u, err := s.spool(p, total)
		if err != nil {
			f.cleanup()
			return nil, err
		}
		total += u.Size
		f.files = append(f.files, u)
	}
	if err := v.Err(); err != nil {
		f.cleanup()
		return nil, err
	}
	data, _ := json.Marshal(values)
	if err := decodeJSON(bytes.NewReader(data), into); err != nil {
		f.cleanup()
		return nil, err
	}
	return f, nil
}

// readField reads one form field within what is left of maxFields.
func readField(p *multipart.Part, values map[string]any, v *errs.Validation, multi map[string]bool, used int64) (int64, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxFields-used+1))
	if err != nil {
		return used, readError(err, "multipart field")
	}
	if used += int64(len(b)); used > maxFields {
		return used, errs.WithPublic(errs.ErrTooLarge, "the form fields are larger than %s", mb(maxFields))
	}
	addValue(values, v, multi, p.FormName(), string(b))
	return used, nil
}

func fileRefusal(files bool) string {
	if !files {
		return "files are not accepted here"
	}
	return fmt.Sprintf("files are accepted only in the %q field", attachmentsField)
}

// addValue collects one form value; repeatable fields also take comma-separated lists.
func addValue(values map[string]any, v *errs.Validation, multi map[string]bool, name, val string) {
	if !multi[name] {
		if _, dup := values[name]; dup {
			v.Add(name, "is given more than once")
		}
		values[name] = val
		return
	}
	list, _ := values[name].([]string)
	for _, item := range strings.Split(val, ",") {
		if item = strings.TrimSpace(item); item != "" {
			list = append(list, item)
		}
	}
	values[name] = list
}

// spool copies one file part into a temporary file, failing with 413 as soon as it passes
// the per-file limit or the request passes the total limit.
func (s *Service) spool(p *multipart.Part, total int64) (upload, error) {
	cfg := s.opts.Config
	name := cleanFilename(p.FileName())
	tmp, err := os.CreateTemp(s.opts.TempDir, "m2j-upload-*")
	if err != nil {
		return upload{}, fmt.Errorf("spool upload: %w", err)
	}
	u := upload{Filename: name, ContentType: p.Header.Get("Content-Type"), path: tmp.Name()}
	limit := min(cfg.APIMaxFileBytes, cfg.APIMaxUploadBytes-total)
	n, err := io.Copy(tmp, io.LimitReader(p, limit+1))
	tmp.Close()
	u.Size = n
	switch {
	case err != nil:
		os.Remove(u.path)
		return upload{}, readError(err, "attachment "+name)
	case n > cfg.APIMaxFileBytes:
		os.Remove(u.path)
		return upload{}, tooLarge("attachment %q is larger than the limit of %s per file", name, mb(cfg.APIMaxFileBytes))
	case n > limit:
		os.Remove(u.path)
		return upload{}, tooLarge("the attachments together are larger than the limit of %s", mb(cfg.APIMaxUploadBytes))
	}
	if u.ContentType == "" || u.ContentType == "application/octet-stream" {
		u.ContentType = sniff(u.path)
	}
	return u, nil
}

func readError(err error, what string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge("the request body is too large")
	}
	return errs.WithPublic(fmt.Errorf("read %s: %v: %w", what, err, errs.ErrInvalid), "the %s could not be read", what)
}

func tooLarge(format string, args ...any) error {
	return errs.WithPublic(errs.ErrTooLarge, format, args...)
}

// cleanFilename keeps the last path element of a client's file name, without control
// characters, so it is safe in Jira and in logs.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "attachment"
	}
	return truncate(name, 200)
}

func sniff(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return "application/octet-stream"
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, _ := io.ReadFull(f, buf)
	return http.DetectContentType(buf[:n])
}

func mb(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}
