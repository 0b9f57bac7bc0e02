package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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
	rl.Limit, _ = strconv.Atoi(strings.TrimSpace(l))
	rl.Remaining, _ = strconv.Atoi(strings.TrimSpace(r))
	if secs, err := strconv.Atoi(strings.TrimSpace(w)); err == nil {
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
		if secs > int64(maxRetryAfterSeconds) {
			secs = maxRetryAfterSeconds
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

// maxRetryAfterSeconds keeps huge Retry-After values from overflowing a
// Duration (a day is far beyond any wait a client would honour anyway).
const maxRetryAfterSeconds = 24 * 60 * 60
