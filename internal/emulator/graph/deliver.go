package graphemu

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/mail2jira/mail2jira/internal/emulator/eml"
	"github.com/mail2jira/mail2jira/internal/errs"
)

// maxDeliverBytes bounds a delivered mail; Exchange Online's default message size limit is
// 35 MB once MIME encoding is counted.
// https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#message-limits
const maxDeliverBytes = 36 << 20

// serveDeliver is POST /sandbox/deliver?mailbox=<address> with a message/rfc822 body: the
// sandbox's way to push any mail into a mailbox as if Exchange had received it. It is not
// part of Graph and needs no token.
func (e *Emulator) serveDeliver(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, r, http.StatusMethodNotAllowed, "MethodNotAllowed", "Use POST with a message/rfc822 body.")
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "message/rfc822" {
		writeError(w, r, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "The body must be a raw mail with Content-Type: message/rfc822.")
		return
	}
	address := r.URL.Query().Get("mailbox")
	if address == "" {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "The mailbox query parameter is required.")
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDeliverBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, r, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The mail exceeds the 36 MB limit.")
			return
		}
		writeError(w, r, http.StatusBadRequest, "BadRequest", "The mail could not be read.")
		return
	}
	msg, err := eml.Parse(bytes.NewReader(raw))
	if err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "The mail could not be parsed: "+err.Error())
		return
	}
	d, err := e.Deliver(address, msg, Delivery{Raw: raw})
	if errors.Is(err, errs.ErrNotFound) {
		writeError(w, r, http.StatusNotFound, "ErrorInvalidUser", "No emulated mailbox has the address '"+address+"'.")
		return
	}
	if err != nil {
		writeError(w, r, http.StatusInternalServerError, "InternalServerError", "The mail could not be delivered.")
		return
	}
	writeJSON(w, http.StatusCreated, d)
}
