package websocket

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// WithSleep replaces the wait between attempts, so that tests see the
// waits without spending them.
func WithSleep(f func(ctx context.Context, d time.Duration) bool) Option {
	return func(o *options) { o.sleep = f }
}

// WithBackoffFunc replaces the backoff: f returns the wait before
// reconnection attempt n (from 1), so that tests make reconnection
// immediate and deterministic.
func WithBackoffFunc(f func(attempt int) time.Duration) Option {
	return func(o *options) { o.backoff = f }
}

// newWithClient returns a transport for the platform at serverURL that
// asks for the gateway token with hc, for tests whose fake gateway has no
// login.
func newWithClient(serverURL string, hc *http.Client, opts ...Option) *Transport {
	t := New(nil, opts...)
	t.serverURL, t.hc = strings.TrimRight(serverURL, "/"), hc
	if hc == nil {
		t.hc = http.DefaultClient
	}
	return t
}

// NewWithHTTPClient is newWithClient for the external tests: the
// transport's own retry waits are tested with a client that has no
// rate-limit budget (a *ringwatch.Client waits out a 429 itself).
func NewWithHTTPClient(serverURL string, hc *http.Client, opts ...Option) *Transport {
	return newWithClient(serverURL, hc, opts...)
}
