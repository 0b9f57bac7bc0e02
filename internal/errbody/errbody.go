// Package errbody reads RingCentral's error answers: the error body in any
// of its forms (the errors[] list, the top-level errorCode/message, the
// OAuth error/error_description), the Retry-After header and the
// X-Rate-Limit-* headers, with every text taken from the server cleaned of
// secrets. It is a leaf: the root package (logins) and internal/rest (the
// REST clients) both use it, and each builds its own error value from it.
package errbody

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/redact"
)

// Detail is one entry of an error body's errors[] list. Its fields are
// those of ringwatch.ErrorDetail, so that one converts to the other.
type Detail struct {
	Code           string `json:"errorCode"`
	Message        string `json:"message,omitempty"`
	ParameterName  string `json:"parameterName,omitempty"`
	ParameterValue string `json:"parameterValue,omitempty"`
}

// UnmarshalJSON accepts parameter values of any scalar type (RingCentral
// sends numbers for numeric parameters).
func (d *Detail) UnmarshalJSON(b []byte) error {
	var w struct {
		Code           jsonx.String `json:"errorCode"`
		Message        jsonx.String `json:"message"`
		ParameterName  jsonx.String `json:"parameterName"`
		ParameterValue jsonx.String `json:"parameterValue"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Detail{Code: string(w.Code), Message: string(w.Message),
		ParameterName: string(w.ParameterName), ParameterValue: string(w.ParameterValue)}
	return nil
}

// RateLimit is what the X-Rate-Limit-* headers of one answer say.
type RateLimit struct {
	Group            string
	Limit, Remaining int
	Window           time.Duration
}

// Error is a parsed error answer.
type Error struct {
	StatusCode int
	// Code, Message and Parameter are the body's error code, message and
	// offending parameter (the first entry of errors[] when the body has
	// no top-level ones; the OAuth error when there is no other).
	Code, Message, Parameter string
	Errors                   []Detail
	// RetryAfter is the wait the server asked for, or zero.
	RetryAfter time.Duration
	// RateLimit holds the X-Rate-Limit-* headers, nil when there are none.
	RateLimit *RateLimit
}

// MaxMessage bounds the message kept from an error body, so that a
// misbehaving server cannot make error strings huge.
const MaxMessage = 512

// MaxCode bounds the other texts of an error body (codes, parameter names
// and values).
const MaxCode = 128

// Parse reads an error answer: the status, the error body in any of
// RingCentral's forms (a body that is not JSON is ignored), the
// Retry-After wait (relative to now) and the rate-limit headers.
//
// A server may echo what it was sent, so every text taken from the body is
// cleaned by redact.Clip of secrets (the values the request may have
// carried: see redact.Of) and of anything shaped like a credential, and
// only then clipped.
func Parse(status int, h http.Header, body []byte, now time.Time, secrets ...string) Error {
	e := Error{StatusCode: status, RateLimit: ParseRateLimit(h)}
	e.RetryAfter, _ = ParseRetryAfter(h.Get("Retry-After"), now)
	var w struct {
		ErrorCode        jsonx.String `json:"errorCode"`
		Message          jsonx.String `json:"message"`
		ParameterName    jsonx.String `json:"parameterName"`
		Errors           []Detail     `json:"errors"`
		Error            jsonx.String `json:"error"`
		ErrorDescription jsonx.String `json:"error_description"`
	}
	if json.Unmarshal(body, &w) != nil {
		return e
	}
	clean := func(v string, n int) string { return redact.Clip(v, n, secrets...) }
	for i := range w.Errors {
		d := &w.Errors[i]
		d.Code, d.Message = clean(d.Code, MaxCode), clean(d.Message, MaxMessage)
		d.ParameterName, d.ParameterValue = clean(d.ParameterName, MaxCode), clean(d.ParameterValue, MaxCode)
	}
	w.ErrorCode, w.Message = jsonx.String(clean(string(w.ErrorCode), MaxCode)), jsonx.String(clean(string(w.Message), MaxMessage))
	w.ParameterName, w.Error = jsonx.String(clean(string(w.ParameterName), MaxCode)), jsonx.String(clean(string(w.Error), MaxCode))
	w.ErrorDescription = jsonx.String(clean(string(w.ErrorDescription), MaxMessage))
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

// ParseRateLimit reads the X-Rate-Limit-* headers; it returns nil when none
// is present.
func ParseRateLimit(h http.Header) *RateLimit {
	g, l, r, w := h.Get("X-Rate-Limit-Group"), h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Window")
	if g == "" && l == "" && r == "" && w == "" {
		return nil
	}
	rl := &RateLimit{Group: strings.TrimSpace(g)}
	rl.Limit, _ = strconv.Atoi(strings.TrimSpace(l))
	rl.Remaining, _ = strconv.Atoi(strings.TrimSpace(r))
	if secs, err := strconv.Atoi(strings.TrimSpace(w)); err == nil && secs > 0 && secs <= MaxRetryAfterSeconds {
		rl.Window = time.Duration(secs) * time.Second
	}
	return rl
}

// ParseRetryAfter reads a Retry-After value: delay seconds or an HTTP date
// (relative to now; a date in the past is a zero wait). ok is false when
// the value is absent or unreadable.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(MaxRetryAfterSeconds) {
			secs = MaxRetryAfterSeconds
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d = t.Sub(now); d < 0 {
		d = 0
	}
	return d, true
}

// MaxRetryAfterSeconds keeps huge Retry-After values from overflowing a
// Duration (a day is far beyond any wait a client would honour anyway).
const MaxRetryAfterSeconds = 24 * 60 * 60
