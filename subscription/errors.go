package subscription

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors for errors.Is.
var (
	// ErrNotFound matches an error saying that the subscription no longer
	// exists: HTTP 404, SUB-507 (expired) or CMN-102 (resource not found).
	ErrNotFound = errors.New("subscription not found")
	// ErrRateLimited matches an HTTP 429 answer (CMN-301, CMN-302, …).
	ErrRateLimited = errors.New("rate limited")
	// ErrUnauthorized matches an HTTP 401 answer (expired or invalid token).
	ErrUnauthorized = errors.New("unauthorized")
)

// APIError is an error answer from the RingCentral API. Both of
// RingCentral's error bodies, the errors[] list and the top-level
// errorCode/message, fill it.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is RingCentral's error code, such as "SUB-505" (the first one
	// when there are several).
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

// RateLimit is the state of a rate-limit group, from the X-Rate-Limit-*
// headers.
type RateLimit struct {
	// Group is the API group (Light, Medium, Heavy, Auth, or another).
	Group string
	// Limit is the number of requests allowed per Window.
	Limit int
	// Remaining is the number of requests left in the current window.
	Remaining int
	// Window is the length of the window.
	Window time.Duration
}

// ParseRateLimit reads the X-Rate-Limit-* headers; it returns nil when none
// is present.
func ParseRateLimit(h http.Header) *RateLimit {
	g, l, r, w := h.Get("X-Rate-Limit-Group"), h.Get("X-Rate-Limit-Limit"), h.Get("X-Rate-Limit-Remaining"), h.Get("X-Rate-Limit-Window")
	if g == "" && l == "" && r == "" && w == "" {
		return nil
	}
	rl := &RateLimit{Group: g}
	rl.Limit, _ = strconv.Atoi(l)
	rl.Remaining, _ = strconv.Atoi(r)
	if secs, err := strconv.Atoi(w); err == nil {
		rl.Window = time.Duration(secs) * time.Second
	}
	return rl
}
