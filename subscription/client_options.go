package subscription

import (
	"context"
	"log/slog"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// ClientOption configures a Client.
type ClientOption struct{ apply rest.Option }

// WithLogger makes the client log each retry at debug level (method,
// path, status, error code, wait). The default is silent. Nothing secret
// is logged.
func WithLogger(l *slog.Logger) ClientOption { return ClientOption{rest.WithLogger(l)} }

// WithMaxAttempts bounds the attempts of one call, the first included
// (default 4); 1 disables retries.
func WithMaxAttempts(n int) ClientOption { return ClientOption{rest.WithMaxAttempts(n)} }

// WithBackoff sets the backoff of 502, 503 and 504 answers without
// Retry-After: retry n waits a random time in [0, min(maxDelay,
// base·2ⁿ⁻¹)] (full jitter). The defaults are 500 ms and 30 s.
func WithBackoff(base, maxDelay time.Duration) ClientOption {
	return ClientOption{rest.WithBackoff(base, maxDelay)}
}

// WithMaxRetryAfter sets the longest Retry-After the client waits for
// (default 5 min). When the server asks for more, the call returns its
// *APIError at once, with RetryAfter saying how long it asked for.
func WithMaxRetryAfter(d time.Duration) ClientOption {
	return ClientOption{rest.WithMaxRetryAfter(d)}
}

// WithClock replaces the clock used for Retry-After dates and retry waits;
// sleep must return ctx.Err() if ctx ends first. Tests use it so that no
// wait is real. A nil function keeps the real one.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) ClientOption {
	return ClientOption{rest.WithClock(now, sleep)}
}

func restOptions(opts []ClientOption) []rest.Option {
	return rest.Unwrap(opts, func(o ClientOption) rest.Option { return o.apply })
}
