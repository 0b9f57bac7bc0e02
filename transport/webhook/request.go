package webhook

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/ringwatch/ringwatch/notify"
)

// MaxBodySize is the default limit on a notification body: 1 MiB, far above
// the few kilobytes of a RingCentral notification.
const MaxBodySize = 1 << 20

// maxHandshakeToken bounds the Validation-Token the handshake echoes, so
// that the answer stays under RingCentral's limit of 1024 bytes (headers
// and body together); RingCentral's tokens are UUIDs.
const maxHandshakeToken = 256

// The headers RingCentral uses. Verification-Token carries the token given
// at creation on every notification; Validation-Token carries the
// handshake's challenge, and, according to the guide since 2023, the
// verification token too.
const (
	headerVerification = "Verification-Token"
	headerValidation   = "Validation-Token"
)

// VerifyRequest checks one webhook request from RingCentral and returns its
// body, the notification envelope. It accepts only POST (ErrMethod),
// compares the token in constant time (ErrInvalidToken; an empty
// verificationToken accepts nothing) before reading any of the body,
// recognises the validation handshake, a Validation-Token header with an
// empty body (ErrHandshake), reads at most MaxBodySize bytes (ErrTooLarge),
// and checks that the body is a JSON object (ErrInvalidBody). The token is
// read from Verification-Token, or from Validation-Token when the former
// is absent. A read that times out (a deadline on the connection) is
// ErrBodyTimeout.
//
// VerifyRequest consumes r.Body. It does not bound the time the body takes
// to arrive: set a deadline (http.ResponseController.SetReadDeadline, or
// the server's ReadTimeout), or use Handler, which does. Answer a refused request with
// StatusOf(err), and a handshake with WriteHandshake.
func VerifyRequest(r *http.Request, verificationToken string) ([]byte, error) {
	return verify(r, []byte(verificationToken), MaxBodySize)
}

// ParseRequest is VerifyRequest followed by notify.Decode: it verifies one
// webhook request and decodes the notification it carries. A notification
// that fails to decode returns notify's *DecodeError (StatusOf gives 400).
//
//	func hook(w http.ResponseWriter, r *http.Request) {
//		ev, err := webhook.ParseRequest(r, token)
//		if errors.Is(err, webhook.ErrHandshake) {
//			webhook.WriteHandshake(w, r)
//			return
//		}
//		if err != nil {
//			w.WriteHeader(webhook.StatusOf(err))
//			return
//		}
//		w.WriteHeader(http.StatusOK)
//		go handle(ev) // or queue it: RingCentral expects a prompt 200
//	}
func ParseRequest(r *http.Request, verificationToken string) (notify.Event, error) {
	body, err := VerifyRequest(r, verificationToken)
	if err != nil {
		return nil, err
	}
	ev, err := notify.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("webhook: decode notification: %w", err)
	}
	return ev, nil
}

// WriteHandshake answers RingCentral's validation handshake: 200, an empty
// JSON answer, and the request's Validation-Token echoed. It answers 400
// when the request has no Validation-Token or one too long to echo within
// RingCentral's 1024-byte limit.
func WriteHandshake(w http.ResponseWriter, r *http.Request) {
	tok := r.Header.Get(headerValidation)
	if tok == "" || len(tok) > maxHandshakeToken {
		writeStatus(w, http.StatusBadRequest)
		return
	}
	h := w.Header()
	h[headerValidation] = []string{tok}
	h["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
}

// jsonContentType is shared by every answer; net/http only reads it.
var jsonContentType = []string{"application/json"}

func writeStatus(w http.ResponseWriter, status int) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
}

// verify implements VerifyRequest for a token and a body limit. It looks
// at the headers before the body: a request without the right token costs
// no more than its headers (when it claims to be a handshake, at most 65
// bytes of its body are read, to tell), and a body is read only once the sender has proved
// it knows the token, into a buffer that grows as bytes arrive.
func verify(r *http.Request, token []byte, limit int64) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, ErrMethod
	}
	if !tokenOK(r.Header, token) {
		if r.Header.Get(headerValidation) != "" {
			empty, err := bodyEmpty(r)
			if err != nil {
				return nil, err
			}
			if empty {
				return nil, ErrHandshake
			}
		}
		return nil, ErrInvalidToken
	}
	body, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	if isHandshake(r, body) {
		return nil, ErrHandshake
	}
	if !isJSONObject(body) {
		return nil, ErrInvalidBody
	}
	return body, nil
}

// maxHandshakeBody is how much of an unverified body is read to tell a
// handshake: RingCentral's has none, but blank space is tolerated.
const maxHandshakeBody = 64

// bodyEmpty tells whether the request has no body but blank space, from
// its headers, or by reading at most maxHandshakeBody+1 bytes.
func bodyEmpty(r *http.Request) (bool, error) {
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		return true, nil
	case r.ContentLength > maxHandshakeBody:
		return false, nil
	}
	var b [maxHandshakeBody + 1]byte
	n, err := io.ReadFull(r.Body, b[:])
	switch {
	case n > maxHandshakeBody:
		return false, nil
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return false, readError(err)
	}
	return len(bytes.TrimSpace(b[:n])) == 0, nil
}

// firstAlloc bounds the buffer allocated before the body's bytes arrive.
const firstAlloc = 4 << 10

// readBody reads at most limit bytes of the body into a buffer of its own
// (the caller hands it on). The buffer starts at no more than firstAlloc
// bytes, whatever Content-Length says, and grows as the bytes arrive.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, ErrTooLarge
	}
	size := int64(firstAlloc)
	if r.ContentLength >= 0 && r.ContentLength < size {
		size = r.ContentLength + 1 // room for the EOF check
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1)); err != nil {
		return nil, readError(err)
	}
	if int64(buf.Len()) > limit {
		return nil, ErrTooLarge
	}
	if r.ContentLength >= 0 && int64(buf.Len()) != r.ContentLength {
		return nil, fmt.Errorf("%w: read: %d bytes of %d", ErrInvalidBody, buf.Len(), r.ContentLength)
	}
	return buf.Bytes(), nil
}

func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrTooLarge
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return ErrBodyTimeout
	}
	return fmt.Errorf("%w: read: %v", ErrInvalidBody, err)
}

// isHandshake: a Validation-Token header and no envelope. A notification
// may carry Validation-Token too (as its verification token), but always
// with a body.
func isHandshake(r *http.Request, body []byte) bool {
	return len(bytes.TrimSpace(body)) == 0 && r.Header.Get(headerValidation) != ""
}

// tokenOK compares the request's token with the expected one in constant
// time, so that the answer's timing does not reveal how much of a guess
// was right.
func tokenOK(h http.Header, want []byte) bool {
	got := h.Get(headerVerification)
	if got == "" {
		got = h.Get(headerValidation)
	}
	if len(want) == 0 || got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), want) == 1
}

// isJSONObject checks validity and shape only; notify decodes.
func isJSONObject(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && json.Valid(t)
}
