package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/redact"
)

// Sentinel errors for errors.Is. The public packages re-export them.
var (
	// ErrNotFound matches an answer saying that the resource no longer
	// exists: HTTP 404, SUB-507 (subscription expired) or CMN-102
	// (resource not found).
	ErrNotFound = errors.New("ringcentral: not found")
	// ErrRateLimited matches an HTTP 429 answer (CMN-301, CMN-302, …).
	ErrRateLimited = errors.New("ringcentral: rate limited")
	// ErrUnauthorized matches an HTTP 401 answer (expired or invalid token).
	ErrUnauthorized = errors.New("ringcentral: unauthorized")
)

// APIError is an error answer from the RingCentral API. Both of
// RingCentral's error bodies, the errors[] list and the top-level
// errorCode/message, fill it, and so does the OAuth error/error_description
// form. Every text in it that comes from the server has been cleaned of
// secrets (see ParseError).
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
	// RateLimit holds the X-Rate-Limit-* headers of the answer, if any.
	RateLimit *RateLimit
	// Method and Path name the request that failed (no query, no body).
	Method, Path string
}

// ErrorDetail is one entry of an error body.
type ErrorDetail struct {
	Code           string `json:"errorCode"`
	Message        string `json:"message,omitempty"`
	ParameterName  string `json:"parameterName,omitempty"`
	ParameterValue string `json:"parameterValue,omitempty"`
}

// UnmarshalJSON accepts parameter values of any scalar type (RingCentral
// sends numbers for numeric parameters).
func (d *ErrorDetail) UnmarshalJSON(b []byte) error {
	var w struct {
		Code           jsonx.String `json:"errorCode"`
		Message        jsonx.String `json:"message"`
		ParameterName  jsonx.String `json:"parameterName"`
		ParameterValue jsonx.String `json:"parameterValue"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = ErrorDetail{Code: string(w.Code), Message: string(w.Message),
		ParameterName: string(w.ParameterName), ParameterValue: string(w.ParameterValue)}
	return nil
}

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
func (e *APIError) Temporary() bool { return retryable(e.StatusCode) }

func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxMessage bounds the message kept from an error body, so that a
// misbehaving server cannot make error strings huge.
const maxMessage = 512

// maxCode bounds the other texts of an error body (codes, parameter
// names and values).
const maxCode = 128

// ParseError builds the APIError of an answer: the status, the error body
// in any of RingCentral's forms (a body that is not JSON is ignored), the
// Retry-After wait (relative to now) and the rate-limit headers. Method and
// Path are left for the caller.
//
// A server may echo what it was sent, so every text taken from the body is
// cleaned by redact.String of secrets (the values the request may have
// carried: see redact.Of) and of anything shaped like a credential, and
// only then clipped.
func ParseError(status int, h http.Header, body []byte, now time.Time, secrets ...string) *APIError {
	e := &APIError{StatusCode: status, RateLimit: ParseRateLimit(h)}
	e.RetryAfter, _ = ParseRetryAfter(h.Get("Retry-After"), now)
	var w struct {
		ErrorCode        jsonx.String  `json:"errorCode"`
		Message          jsonx.String  `json:"message"`
		ParameterName    jsonx.String  `json:"parameterName"`
		Errors           []ErrorDetail `json:"errors"`
		Error            jsonx.String  `json:"error"`
		ErrorDescription jsonx.String  `json:"error_description"`
	}
	if json.Unmarshal(body, &w) != nil {
		return e
	}
	clean := func(v string, n int) string { return redact.Clip(v, n, secrets...) }
	for i := range w.Errors {
		d := &w.Errors[i]
		d.Code, d.Message = clean(d.Code, maxCode), clean(d.Message, maxMessage)
		d.ParameterName, d.ParameterValue = clean(d.ParameterName, maxCode), clean(d.ParameterValue, maxCode)
	}
	w.ErrorCode, w.Message = jsonx.String(clean(string(w.ErrorCode), maxCode)), jsonx.String(clean(string(w.Message), maxMessage))
	w.ParameterName, w.Error = jsonx.String(clean(string(w.ParameterName), maxCode)), jsonx.String(clean(string(w.Error), maxCode))
	w.ErrorDescription = jsonx.String(clean(string(w.ErrorDescription), maxMessage))
	e.Errors = w.Errors
	switch {
	case w.ErrorCode != "" || w.Message != "":
		e.Code, e.Message, e.Parameter = string(w.ErrorCode), string(w.Message), string(w.ParameterName)
	case len(w.Errors) > 0:
		e.Code, e.Message, e.Parameter = w.Errors[0].Code, w.Errors[0].Message, w.Errors[0].ParameterName
	}
	if e.Code == "" {
		e.Code = string(w.Error)
	}
	if e.Message == "" {
		e.Message = string(w.ErrorDescription)
	}
	if e.Parameter == "" && len(w.Errors) > 0 {
		e.Parameter = w.Errors[0].ParameterName
	}
	return e
}

// Clip cuts s to at most n bytes on a rune boundary, marking the cut with
// an ellipsis, so that a misbehaving server cannot make error strings
// huge. It removes no secret: for text from a server, use redact.Clip,
// which cleans before it cuts.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Secrets returns the secrets that a request sent through hc may have
// carried and that its answer resp may echo, for ParseError (see
// redact.Of). Both arguments may be nil.
func Secrets(hc *http.Client, resp *http.Response) []string { return redact.Of(hc, resp) }
