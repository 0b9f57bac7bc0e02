package subscription

import (
	"net/http"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/rest"
)

// The server's error answers are *ringwatch.APIError values, the same type
// for every ringwatch REST client (this one, telephony's and presence's):
// errors.As(err, new(*ringwatch.APIError)) works for errors from any of
// them.

// Sentinel errors for errors.Is. They are the values of package ringwatch,
// kept here so that a program using only this package can name them; they
// match errors from every ringwatch REST client.
var (
	// ErrNotFound matches an error saying that the subscription (or other
	// resource) no longer exists: HTTP 404, SUB-507 (expired) or CMN-102
	// (resource not found). It is ringwatch.ErrNotFound.
	ErrNotFound = ringwatch.ErrNotFound
	// ErrRateLimited matches an HTTP 429 answer (CMN-301, CMN-302, …). It
	// is ringwatch.ErrRateLimited.
	ErrRateLimited = ringwatch.ErrRateLimited
	// ErrUnauthorized matches an HTTP 401 answer (expired or invalid
	// token). It is ringwatch.ErrUnauthorized.
	ErrUnauthorized = ringwatch.ErrUnauthorized
	// ErrInvalidArgument matches an error about a call's arguments found
	// before anything was sent, such as an empty subscription id.
	ErrInvalidArgument = rest.ErrInvalidArgument
)

// ParseRateLimit reads the X-Rate-Limit-* headers of an answer; it returns
// nil when none is present.
func ParseRateLimit(h http.Header) *ringwatch.RateLimit { return rest.ParseRateLimit(h) }
