package rest

import (
	"net/http"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/errbody"
	"github.com/ringwatch/ringwatch/internal/redact"
)

func retryable(status int) bool { return (&ringwatch.APIError{StatusCode: status}).Temporary() }

// ParseError builds the *ringwatch.APIError of an answer: the status, the
// error body in any of RingCentral's forms (a body that is not JSON is
// ignored), the Retry-After wait (relative to now) and the rate-limit
// headers, every server text cleaned of secrets (see errbody.Parse).
// Method and Path are left for the caller.
func ParseError(status int, h http.Header, body []byte, now time.Time, secrets ...string) *ringwatch.APIError {
	p := errbody.Parse(status, h, body, now, secrets...)
	e := &ringwatch.APIError{StatusCode: p.StatusCode, Code: p.Code, Message: p.Message,
		Parameter: p.Parameter, RetryAfter: p.RetryAfter, RateLimit: rateLimit(p.RateLimit)}
	if p.Errors != nil {
		e.Errors = make([]ringwatch.ErrorDetail, len(p.Errors))
		for i, d := range p.Errors {
			e.Errors[i] = ringwatch.ErrorDetail(d)
		}
	}
	return e
}

func rateLimit(rl *errbody.RateLimit) *ringwatch.RateLimit {
	if rl == nil {
		return nil
	}
	return &ringwatch.RateLimit{Group: rl.Group, Limit: rl.Limit, Remaining: rl.Remaining, Window: rl.Window}
}

// ParseRateLimit reads the X-Rate-Limit-* headers; it returns nil when none
// is present.
func ParseRateLimit(h http.Header) *ringwatch.RateLimit { return rateLimit(errbody.ParseRateLimit(h)) }

// ParseRetryAfter reads a Retry-After value (see errbody.ParseRetryAfter).
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	return errbody.ParseRetryAfter(v, now)
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
