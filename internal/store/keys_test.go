package store

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/google/go-cmp/cmp"

	"github.com/mail2jira/mail2jira/internal/errs"
)

func TestKeyPart(t *testing.T) {
	long := strings.Repeat("x", 2048)
	tests := []struct {
		name, in, want string
	}{
		{"plain address", "ann.lee-2_x@example.com", "ann.lee-2_x@example.com"},
		{"forbidden characters", `a/b\c#d?e`, "a~2Fb~5Cc~23d~3Fe"},
		{"control characters", "a\x00b\x1f\x7f", "a~00b~1F~7F"},
		{"separator, escape and quote", "a:b~c'd%", "a~3Ab~7Ec~27d~25"},
		{"unicode", "é", "~C3~A9"},
		{"empty", "", ""},
		{"long is hashed", long, hashKey(long)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, keyPart(tt.in)); diff != "" {
				t.Errorf("keyPart(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestKeyPartIsSafeAndInjective(t *testing.T) {
	ids := hostileIDs(t)
	seen := map[string]string{}
	for _, id := range ids {
		k := keyPart(id)
		if strings.ContainsAny(k, "/\\#?:'") || len(k) > len(hashedPrefix)+64 && len(k) > maxKeyPart {
			t.Errorf("keyPart(%q) = %q: unsafe or too long", id, k)
		}
		for _, r := range k {
			if r < 0x20 || r >= 0x7f {
				t.Errorf("keyPart(%q) = %q holds %U", id, k, r)
			}
		}
		if prev, ok := seen[k]; ok {
			t.Errorf("keyPart(%q) = keyPart(%q) = %q", id, prev, k)
		}
		seen[k] = id
	}
	// Composite keys stay within 1 KiB counted in UTF-16.
	if pk := ticketPK(ids[len(ids)-1], ids[len(ids)-2]); len(pk) > 512 {
		t.Errorf("ticket key %d characters, want at most 512", len(pk))
	}
}

func TestExpandConnectionString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"UseDevelopmentStorage=true", developmentStorage},
		{" usedevelopmentstorage = TRUE; ", developmentStorage},
		{"DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k"},
		{"UseDevelopmentStorage=false", "UseDevelopmentStorage=false"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ExpandConnectionString(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenRejectsIncompleteOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"nothing":                    {},
		"account without credential": {AccountName: "acct"},
		"malformed string":           {ConnectionString: "not a connection string"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(context.Background(), o); !errors.Is(err, errs.ErrInvalid) {
				t.Errorf("Open: %v, want ErrInvalid", err)
			}
		})
	}
}

func TestMapErr(t *testing.T) {
	respErr := func(status int, code, retryAfter, body string) error {
		h := http.Header{}
		if code != "" {
			h.Set("x-ms-error-code", code)
		}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		req, _ := http.NewRequest(http.MethodGet, "https://acct.table.core.windows.net/t?sig=SECRET", nil)
		return runtime.NewResponseError(&http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req})
	}
	batchBody := "--batchresponse_1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_1\r\n\r\n" +
		"--changesetresponse_1\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 412 Precondition Failed\r\n\r\n{}\r\n--changesetresponse_1--\r\n--batchresponse_1--\r\n"
	tests := []struct {
		name  string
		err   error
		want  error
		after time.Duration
	}{
		{"not found", respErr(404, "ResourceNotFound", "", ""), errs.ErrNotFound, 0},
		{"exists", respErr(409, "EntityAlreadyExists", "", ""), errs.ErrConflict, 0},
		{"etag", respErr(412, "UpdateConditionNotSatisfied", "", ""), errs.ErrPrecondition, 0},
		{"throttled", respErr(429, "", "7", ""), errs.ErrThrottled, 7 * time.Second},
		{"busy", respErr(503, "ServerBusy", "2", ""), errs.ErrUnavailable, 2 * time.Second},
		{"server error", respErr(500, "InternalError", "", ""), errs.ErrUnavailable, 0},
		{"too large", respErr(400, "EntityTooLarge", "", ""), errs.ErrTooLarge, 0},
		{"bad request", respErr(400, "InvalidInput", "", ""), errs.ErrInvalid, 0},
		{"forbidden", respErr(403, "AuthorizationFailure", "", ""), errs.ErrForbidden, 0},
		{"failed batch", respErr(202, "", "", batchBody), errs.ErrPrecondition, 0},
		{"transport", errors.New("connection refused"), errs.ErrUnavailable, 0},
		{"canceled", context.Canceled, context.Canceled, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mapErr("read x", tt.err)
			if !errors.Is(err, tt.want) {
				t.Errorf("mapErr = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error leaks the request URL: %v", err)
			}
			if got, _ := errs.RetryAfter(err); got != tt.after {
				t.Errorf("RetryAfter = %v, want %v", got, tt.after)
			}
		})
	}
}

func TestClipAndBoundedLists(t *testing.T) {
	if got := clip("ééé", 3); got != "é" {
		t.Errorf("clip split a rune: %q", got)
	}
	p := props{}
	long := make([]string, 2000)
	for i := range long {
		long[i] = "someone.with.a.long.address@example.com"
	}
	long[len(long)-1] = "newest@example.com"
	p.setStrings("L", long)
	got := p.strings("L")
	if len(p.str("L")) > maxText*8 || len(got) == 0 || got[len(got)-1] != "newest@example.com" {
		t.Errorf("bounded list: %d bytes, %d items, last %q", len(p.str("L")), len(got), got[len(got)-1])
	}
}
