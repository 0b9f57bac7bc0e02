package telephony

import (
	"log/slog"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// ClientOption configures a Client made by NewClient.
//
// The REST clients of subscription, telephony and presence take options
// of the same names and meanings: WithLogger, WithMaxAttempts,
// WithRetryBackoff and WithMaxRetryAfter.
type ClientOption func(*clientConfig)

// clientConfig is the retry and logging configuration of the REST
// runtime. Tests in the module reach the retry clock by converting a
// rest.Option (rest.WithClock) to a ClientOption; it is not public API.
type clientConfig = rest.Options

// WithLogger makes the client log each retry at debug level (method,
// path, status, error code, wait) to l instead of the ringwatch.Client's
// logger. Nothing secret is logged.
func WithLogger(l *slog.Logger) ClientOption { return ClientOption(rest.WithLogger(l)) }

// WithMaxAttempts bounds the attempts of one call, the first included
// (default 4); 1 disables retries.
func WithMaxAttempts(n int) ClientOption { return ClientOption(rest.WithMaxAttempts(n)) }

// WithRetryBackoff sets the backoff of 502, 503 and 504 answers without
// Retry-After: retry n waits a random time in [0, min(maxDelay,
// base·2ⁿ⁻¹)] (full jitter). The defaults are 500 ms and 30 s.
func WithRetryBackoff(base, maxDelay time.Duration) ClientOption {
	return ClientOption(rest.WithBackoff(base, maxDelay))
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for
// (default 5 min). When the server asks for more, the call returns its
// *ringwatch.APIError at once, with RetryAfter saying how long it asked
// for.
func WithMaxRetryAfter(d time.Duration) ClientOption {
	return ClientOption(rest.WithMaxRetryAfter(d))
}

func restOptions(opts []ClientOption) []rest.Option {
	out := make([]rest.Option, 0, len(opts))
	for _, o := range opts {
		if o != nil {
			out = append(out, rest.Option(o))
		}
	}
	return out
}
