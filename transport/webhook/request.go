package webhook

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

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
// body, the notification envelope. It accepts only POST (ErrMethod), reads
// at most MaxBodySize bytes (ErrTooLarge), recognises the validation
// handshake, a Validation-Token header with an empty body (ErrHandshake),
// compares the token in constant time (ErrInvalidToken; an empty
// verificationToken accepts nothing), and checks that the body is a JSON
// object (ErrInvalidBody). The token is read from Verification-Token, or
// from Validation-Token when the former is absent.
//
// VerifyRequest consumes r.Body. Answer a refused request with
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

// verify implements VerifyRequest for a token and a body limit.
func verify(r *http.Request, token []byte, limit int64) ([]byte, error) {
	if r.Method != http.MethodPost {
		return nil, ErrMethod
	}
	body, err := readBody(r, limit)
	if err != nil {
		return nil, err
	}
	if isHandshake(r, body) {
		return nil, ErrHandshake
	}
	if !tokenOK(r.Header, token) {
		return nil, ErrInvalidToken
	}
	if !isJSONObject(body) {
		return nil, ErrInvalidBody
	}
	return body, nil
}

// readBody reads at most limit bytes of the body into a buffer of its own
// (the caller hands it on), sized from Content-Length when there is one.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, ErrTooLarge
	}
	if r.ContentLength >= 0 {
		buf := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			return nil, readError(err)
		}
		return buf, nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, readError(err)
	}
	if int64(len(buf)) > limit {
		return nil, ErrTooLarge
	}
	return buf, nil
}

func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ErrTooLarge
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
