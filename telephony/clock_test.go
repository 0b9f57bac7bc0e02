package telephony

import (
	"context"
	"time"

	"github.com/ringwatch/ringwatch/internal/rest"
)

// withRetryClock replaces the REST client's retry clock in tests, so that
// no retry wait is real. It is a test hook, not public API.
func withRetryClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) ClientOption {
	return ClientOption(rest.WithClock(now, sleep))
}
