package websocket

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// Option configures a Transport.
type Option func(*options)

type options struct {
	logger          *slog.Logger
	dialClient      *http.Client
	heartbeat       time.Duration
	readLimit       int64
	backoffMin      time.Duration
	backoffMax      time.Duration
	backoff         func(attempt int) time.Duration // tests only (export_test.go)
	maxAttempts     int
	openAttempts    int
	requestTimeout  time.Duration
	recoveryTimeout time.Duration
	maxRetryAfter   time.Duration
	deliveryBuffer  int
	// sleep waits between attempts; tests replace it to see the waits.
	sleep func(ctx context.Context, d time.Duration) bool
}

func defaultOptions() options {
	return options{
		logger:          slog.New(slog.DiscardHandler),
		heartbeat:       30 * time.Second,
		readLimit:       DefaultReadLimit,
		backoffMin:      500 * time.Millisecond,
		backoffMax:      30 * time.Second,
		openAttempts:    3,
		requestTimeout:  30 * time.Second,
		recoveryTimeout: 180 * time.Second,
		maxRetryAfter:   DefaultMaxRetryAfter,
		deliveryBuffer:  DefaultDeliveryBuffer,
		sleep:           sleep,
	}
}

// The waits the platform asks for, in Open and in
// reconnections alike.
const (
	// DefaultRetryAfter is the wait after a 429 without Retry-After:
	// RingCentral asks to retry "in 30 seconds or later", and a quicker
	// retry restarts its 60 s penalty.
	DefaultRetryAfter = 30 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After waited for unless
	// WithMaxRetryAfter says otherwise: a longer one is cut to it, so that
	// Open (and notify.Subscribe) cannot block for as long as a server
	// says. RingCentral's rate-limit penalty lasts 60 s.
	DefaultMaxRetryAfter = 60 * time.Second
)

// DefaultReadLimit is the largest frame the transport accepts unless
// WithReadLimit says otherwise: 4 MiB. (The library's own default, 32 KiB,
// rejects ordinary telephony notifications of large calls.)
const DefaultReadLimit = 4 << 20

// minReadLimit is the floor WithReadLimit keeps.
const minReadLimit = 1 << 20

// WithLogger sets the logger (by default the logger of the
// *ringwatch.Client given to New). The transport never logs tokens, the
// gateway URL's query or notification bodies.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithDialClient sets the HTTP client that dials the gateway, for a
// proxy or TLS settings of your own. It must not be the authorised client
// of the *ringwatch.Client given to New, nor add an Authorization header:
// the gateway authenticates the single-use token in the URL, and must not
// receive the REST access token. By default the transport dials with a client of its own, a clone
// of http.DefaultTransport without keep-alives.
func WithDialClient(c *http.Client) Option {
	return func(o *options) { o.dialClient = c }
}

// WithHeartbeat sets how long the connection may stay silent before the
// transport sends a Heartbeat (30 s by default, the minimum RingCentral
// recommends). If the gateway then stays silent as long again, the
// connection is taken for dead and replaced. Zero or less keeps the
// default.
func WithHeartbeat(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.heartbeat = d
		}
	}
}

// WithReadLimit sets the largest frame accepted, in bytes (DefaultReadLimit
// by default; values under 1 MiB are raised to 1 MiB).
func WithReadLimit(n int64) Option {
	return func(o *options) { o.readLimit = max(n, minReadLimit) }
}

// WithReconnectBackoff sets the bounds of the capped exponential
// backoff, with jitter, between reconnection attempts (and between Open's
// attempts). The defaults are 500 ms and 30 s.
func WithReconnectBackoff(minDelay, maxDelay time.Duration) Option {
	return func(o *options) {
		if minDelay > 0 {
			o.backoffMin = minDelay
		}
		if maxDelay >= o.backoffMin {
			o.backoffMax = maxDelay
		}
	}
}

// WithMaxAttempts sets how many reconnection attempts in a row may fail
// before the transport gives up and ends the subscription (sink.Fail). Zero,
// the default, retries until Close.
func WithMaxAttempts(n int) Option {
	return func(o *options) { o.maxAttempts = max(n, 0) }
}

// WithOpenAttempts sets how many times Open tries when the failure may be
// temporary (rate limiting, 5xx, network); 3 by default, at least 1.
func WithOpenAttempts(n int) Option {
	return func(o *options) { o.openAttempts = max(n, 1) }
}

// WithRequestTimeout bounds each token request and each request over the
// socket (30 s by default).
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.requestTimeout = d
		}
	}
}

// WithMaxRetryAfter sets the longest wait a Retry-After (or a 429 without
// one, DefaultRetryAfter) imposes between attempts, in Open and in
// reconnections; a longer Retry-After is cut to it (DefaultMaxRetryAfter
// by default). Zero or less keeps the default.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.maxRetryAfter = d
		}
	}
}

// WithDeliveryBuffer sets how many notifications may wait between the
// connection's reader and the sink (DefaultDeliveryBuffer by default; at
// most 32 MiB of them). While they wait, the connection keeps being read
// (heartbeats, pings, errors); when the buffer is full the reader waits
// for the consumer, the gateway keeps the rest, and that wait does not
// count as silence from the gateway. Zero or less keeps the default.
func WithDeliveryBuffer(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.deliveryBuffer = n
		}
	}
}
