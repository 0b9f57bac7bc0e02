package ringwatch

import (
	"log/slog"
	"net/http"
)

// Option configures a Client (see NewClient).
type Option func(*clientOptions)

type clientOptions struct {
	hc     *http.Client
	logger *slog.Logger
}

// WithHTTPClient sets the base *http.Client: its transport (TLS, proxy,
// connection pool), redirect policy, cookie jar and timeout. The login and
// the rate-limit budget are layered on top of its transport; nil means
// http.DefaultClient.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *clientOptions) { o.hc = hc }
}

// WithLogger makes the Client, and what is built on it, log to l. Without
// it the Client is silent.
func WithLogger(l *slog.Logger) Option {
	return func(o *clientOptions) { o.logger = l }
}
