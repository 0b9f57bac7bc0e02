package telephony

import (
	"context"
	"log/slog"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// ClientOption configures a Client. The names carry "Client" so that they
// do not clash with the Tracker's options.
type ClientOption struct{ apply rest.Option }

// WithClientLogger makes the client log each retry at debug level. The
// default is silent.
func WithClientLogger(l *slog.Logger) ClientOption { return ClientOption{rest.WithLogger(l)} }

// WithClientMaxAttempts bounds the attempts of one call, the first
// included (default 4); 1 disables retries.
func WithClientMaxAttempts(n int) ClientOption { return ClientOption{rest.WithMaxAttempts(n)} }

// WithClientBackoff sets the capped, fully jittered exponential backoff of
// 502, 503 and 504 answers (default 500 ms doubling up to 30 s).
func WithClientBackoff(base, maxDelay time.Duration) ClientOption {
	return ClientOption{rest.WithBackoff(base, maxDelay)}
}

// WithClientClock replaces the clock used for retry waits; sleep must
// return ctx.Err() if ctx ends first. A nil function keeps the real one.
func WithClientClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) ClientOption {
	return ClientOption{rest.WithClock(now, sleep)}
}

func restOptions(opts []ClientOption) []rest.Option {
	return rest.Unwrap(opts, func(o ClientOption) rest.Option { return o.apply })
}
