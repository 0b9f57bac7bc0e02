package subscription

import (
	"net/http"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// The error types live in ringwatch's shared HTTP layer so that every REST
// client (this one, telephony's and presence's) returns the same
// *APIError: errors.As(err, new(*subscription.APIError)) works for errors
// from any of them.

// Sentinel errors for errors.Is. They match errors from every ringwatch
// REST client.
var (
	// ErrNotFound matches an error saying that the subscription (or other
	// resource) no longer exists: HTTP 404, SUB-507 (expired) or CMN-102
	// (resource not found).
	ErrNotFound = rest.ErrNotFound
	// ErrRateLimited matches an HTTP 429 answer (CMN-301, CMN-302, …).
	ErrRateLimited = rest.ErrRateLimited
	// ErrUnauthorized matches an HTTP 401 answer (expired or invalid token).
	ErrUnauthorized = rest.ErrUnauthorized
	// ErrInvalidArgument matches an error about a call's arguments found
	// before anything was sent, such as an empty subscription id.
	ErrInvalidArgument = rest.ErrInvalidArgument
)

// APIError is an error answer from the RingCentral API. Both of
// RingCentral's error bodies, the errors[] list and the top-level
// errorCode/message, fill it. Its Is method makes errors.Is work with
// ErrNotFound (404, SUB-507, CMN-102), ErrRateLimited (429) and
// ErrUnauthorized (401); Temporary reports whether a later retry may
// succeed (429, 502, 503, 504).
type APIError = rest.APIError

// ErrorDetail is one entry of an error body.
type ErrorDetail = rest.ErrorDetail

// RateLimit is the state of a rate-limit group, from the X-Rate-Limit-*
// headers.
type RateLimit = rest.RateLimit

// ParseRateLimit reads the X-Rate-Limit-* headers; it returns nil when none
// is present.
func ParseRateLimit(h http.Header) *RateLimit { return rest.ParseRateLimit(h) }
