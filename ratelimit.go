package ringwatch

import (
	"net/http"
	"time"

	"github.com/ringwatch/ringwatch/internal/errbody"
)

// RateLimit is the state of one of RingCentral's API rate-limit groups:
// what the X-Rate-Limit-* headers of an answer said (APIError.RateLimit),
// or what a Client's budget knows of the group (Client.RateLimits).
type RateLimit struct {
	// Group is the API group: Light, Medium, Heavy, Auth, or another that
	// the server named.
	Group string
	// Limit is the number of requests allowed per Window.
	Limit int
	// Remaining is the number of requests left in the current window.
	Remaining int
	// Window is the length of the window.
	Window time.Duration
	// WaitUntil is, in a Client's snapshot, the time before which a
	// request of the group waits (the group is spent, or the server
	// answered 429); zero when a request may leave now, and in an
	// answer's headers.
	WaitUntil time.Time
}

// Default rate limits of RingCentral's API groups, per user and app, used
// until an answer's X-Rate-Limit-* headers say otherwise.
const (
	DefaultLightLimit  = 50
	DefaultMediumLimit = 40
	DefaultHeavyLimit  = 10
	DefaultAuthLimit   = 5
	// DefaultRateWindow is the window of every default limit.
	DefaultRateWindow = time.Minute
	// DefaultRetryAfter is how long a group is held after a 429 answer
	// without a Retry-After header.
	DefaultRetryAfter = 30 * time.Second
	// MaxRateHold bounds how long a group is held after a 429, whatever
	// its Retry-After says: RingCentral's documented penalty is 60 s, and
	// a larger value must not stall every caller of the Client (the
	// transports apply their own, configurable cap to their retries).
	MaxRateHold = time.Minute
)

// The rate-limit groups of RingCentral's API.
const (
	GroupLight  = "Light"
	GroupMedium = "Medium"
	GroupHeavy  = "Heavy"
	GroupAuth   = "Auth"
)

// parseRateLimit reads the X-Rate-Limit-* headers; ok is false when none
// is present.
func parseRateLimit(h http.Header) (rl RateLimit, ok bool) {
	p := errbody.ParseRateLimit(h)
	if p == nil {
		return rl, false
	}
	return RateLimit{Group: p.Group, Limit: p.Limit, Remaining: p.Remaining, Window: p.Window}, true
}

// parseRetryAfter reads a Retry-After value (delay seconds or an HTTP
// date, relative to now); ok is false when it is absent or unreadable.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	return errbody.ParseRetryAfter(v, now)
}
