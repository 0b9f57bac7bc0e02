package ringwatch

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *APIError from any of ringwatch's REST
// clients (subscription, telephony, presence, the resync) matches them.
var (
	// ErrNotFound matches an answer saying that the resource no longer
	// exists: HTTP 404, SUB-507 (subscription expired) or CMN-102
	// (resource not found).
	ErrNotFound = errors.New("ringcentral: not found")
	// ErrRateLimited matches an HTTP 429 answer (CMN-301, CMN-302, …).
	ErrRateLimited = errors.New("ringcentral: rate limited")
	// ErrUnauthorized matches an HTTP 401 answer (expired or invalid
	// token).
	ErrUnauthorized = errors.New("ringcentral: unauthorized")
)

// APIError is an error answer from the RingCentral API, as every REST
// client of ringwatch returns it: errors.As(err, new(*ringwatch.APIError))
// works for errors from any of them. Both of RingCentral's error bodies,
// the errors[] list and the top-level errorCode/message, fill it, and so
// does the OAuth error/error_description form. Every text in it that comes
// from the server has been cleaned of secrets (the credentials the request
// carried, and anything shaped like one) and clipped.
//
// Its Is method makes errors.Is work with ErrNotFound (404, SUB-507,
// CMN-102), ErrRateLimited (429) and ErrUnauthorized (401); Temporary
// reports whether a later retry may succeed (429, 502, 503, 504).
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is RingCentral's error code, such as "SUB-505" (the first one
	// when there are several), or the OAuth error when there is no other.
	Code string
	// Message is RingCentral's message for Code.
	Message string
	// Parameter is the name of the offending parameter, when RingCentral
	// names one.
	Parameter string
	// Errors lists every error of the body.
	Errors []ErrorDetail
	// RetryAfter is the wait the server asked for (Retry-After), or zero.
	RetryAfter time.Duration
	// RateLimit holds the X-Rate-Limit-* headers of the answer, if any
	// (WaitUntil is zero in it).
	RateLimit *RateLimit
	// Method and Path name the request that failed (no query, no body).
	Method, Path string
}

// ErrorDetail is one entry of an error body's errors[] list.
type ErrorDetail struct {
	// Code is the entry's error code, such as "CMN-101".
	Code string `json:"errorCode"`
	// Message is RingCentral's message for Code.
	Message string `json:"message,omitempty"`
	// ParameterName and ParameterValue name the offending parameter and
	// the value it had, when RingCentral says.
	ParameterName  string `json:"parameterName,omitempty"`
	ParameterValue string `json:"parameterValue,omitempty"`
}

// Error returns "ringcentral: METHOD /path: 404 Not Found [CODE]: message
// (parameter name)", leaving out the parts that are empty.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("ringcentral: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(e.Code)
		b.WriteByte(']')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Parameter != "" {
		b.WriteString(" (parameter ")
		b.WriteString(e.Parameter)
		b.WriteByte(')')
	}
	return b.String()
}

// Is makes errors.Is work with ErrNotFound, ErrRateLimited and
// ErrUnauthorized.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == "SUB-507" || e.Code == "CMN-102"
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	}
	return false
}

// Temporary reports whether retrying the same request later may succeed
// (429, 502, 503, 504).
func (e *APIError) Temporary() bool {
	switch e.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}
