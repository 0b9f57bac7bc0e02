package pubnub

import (
	"crypto/tls"
	"log/slog"
	"time"
)

// Option configures a Transport.
type Option func(*options)

type options struct {
	origin     string
	secure     bool
	tlsConfig  *tls.Config
	uuid       string
	logger     *slog.Logger
	backoffMin time.Duration
	backoffMax time.Duration
	expiresIn  time.Duration
	clock      clock
	api        subscriptionAPI // tests only (export_test.go)
}

func defaultOptions() options {
	return options{
		origin:     DefaultOrigin,
		secure:     true,
		logger:     slog.New(slog.DiscardHandler),
		backoffMin: 500 * time.Millisecond,
		backoffMax: 30 * time.Second,
		clock:      realClock{},
	}
}

// DefaultOrigin is the PubNub origin RingCentral's own SDKs use.
const DefaultOrigin = "ringcentral.pubnubapi.com"

// WithOrigin sets the PubNub origin (host or host:port) and whether to use
// TLS. Tests point it at a loopback server with secure false.
func WithOrigin(origin string, secure bool) Option {
	return func(o *options) { o.origin, o.secure = origin, secure }
}

// WithTLSConfig sets the TLS configuration of the connections to PubNub
// (for a private CA, say).
func WithTLSConfig(c *tls.Config) Option {
	return func(o *options) { o.tlsConfig = c }
}

// WithUUID sets the PubNub user id the transport subscribes with. It
// defaults to a random id chosen once per Transport.
func WithUUID(id string) Option {
	return func(o *options) { o.uuid = id }
}

// WithLogger sets the logger (by default the logger of the
// *ringwatch.Client given to New). The transport never logs keys,
// channels' keys or payloads.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithReconnectBackoff sets the bounds of the capped exponential backoff
// (with jitter) between reconnection and re-creation attempts. The
// defaults are 500 ms and 30 s.
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

// WithExpiresIn sets the lifetime requested for the subscription; zero
// (the default) leaves it to RingCentral, which grants 15 minutes.
func WithExpiresIn(d time.Duration) Option {
	return func(o *options) { o.expiresIn = d }
}
