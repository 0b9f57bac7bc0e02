package webhook

import (
	"errors"
	"net/http"
)

// Errors of ParseRequest and VerifyRequest, for errors.Is. Each also says
// which HTTP status the webhook should answer (StatusCode).
var (
	// ErrHandshake: the request is RingCentral's validation handshake,
	// not a notification. Answer it with EchoHandshake (or use Handler).
	ErrHandshake = &RequestError{status: http.StatusOK, msg: "webhook: validation handshake, not a notification"}
	// ErrInvalidToken: the verification token is missing or wrong.
	ErrInvalidToken = &RequestError{status: http.StatusUnauthorized, msg: "webhook: invalid verification token"}
	// ErrMethod: the request is not a POST.
	ErrMethod = &RequestError{status: http.StatusMethodNotAllowed, msg: "webhook: method not allowed"}
	// ErrTooLarge: the body is larger than the limit (1 MiB by default).
	ErrTooLarge = &RequestError{status: http.StatusRequestEntityTooLarge, msg: "webhook: body too large"}
	// ErrBodyTimeout: the body did not arrive within the time allowed
	// (WithBodyTimeout, or a read deadline on the connection).
	ErrBodyTimeout = &RequestError{status: http.StatusRequestTimeout, msg: "webhook: body not received in time"}
	// ErrInvalidBody: the body is not a JSON object, or could not be read.
	ErrInvalidBody = &RequestError{status: http.StatusBadRequest, msg: "webhook: body is not a JSON object"}
)

// RequestError is why a webhook request was refused. The sentinels above
// are RequestErrors; errors returned by ParseRequest may wrap them with
// more context, never with a token.
type RequestError struct {
	status int
	msg    string
}

func (e *RequestError) Error() string { return e.msg }

// StatusCode is the HTTP status a webhook should answer the request with.
func (e *RequestError) StatusCode() int { return e.status }

// StatusOf returns the HTTP status to answer a request that ParseRequest or
// VerifyRequest refused with err: the status of the RequestError inside it,
// or 400 for a notification that could not be decoded (any other error).
func StatusOf(err error) int {
	var re *RequestError
	if errors.As(err, &re) {
		return re.status
	}
	if err == nil {
		return http.StatusOK
	}
	return http.StatusBadRequest
}
