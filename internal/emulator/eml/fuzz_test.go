package eml

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/mail2jira/mail2jira/internal/errs"
)

// FuzzParse checks that no input panics, that every refusal is an errs.ErrInvalid, and that
// whatever Parse accepts, Write can serialise and Parse can read back. Run it by hand:
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./internal/emulator/eml/
func FuzzParse(f *testing.F) {
	for _, path := range fixtures(f) {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\n\r\n--zz--"))
	f.Add([]byte("Subject: =?utf-8?B?w5w=?=\r\nContent-Disposition: attachment; filename*0*=utf-8''%C3; filename*1*=%9C\r\n\r\nx"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := Parse(bytes.NewReader(raw))
		if err != nil {
			if !errors.Is(err, errs.ErrInvalid) {
				t.Fatalf("Parse error %v is not errs.ErrInvalid", err)
			}
			return
		}
		out, err := Write(m)
		if err != nil {
			t.Fatalf("Write(Parse(raw)): %v", err)
		}
		if _, err := Parse(bytes.NewReader(out)); err != nil {
			t.Fatalf("Parse(Write(Parse(raw))): %v\n%q", err, out)
		}
	})
}
