package websocket

import (
	"context"
	"time"
)

// WithSleep replaces the wait between attempts, so that tests see the
// waits without spending them.
func WithSleep(f func(ctx context.Context, d time.Duration) bool) Option {
	return func(o *options) { o.sleep = f }
}
