package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults of the Subscribe options.
const (
	// DefaultBufferSize is the number of events a Subscription buffers
	// between the transport and the consumer.
	DefaultBufferSize = 256
	// DefaultDedupWindow is the number of recent notification uuids a
	// Subscription remembers to drop repeats. WebSocket recovery replays at
	// most 100 notifications, so this leaves ample room.
	DefaultDedupWindow = 2048
	// DefaultCloseTimeout bounds how long Close waits for the transport to
	// stop and remove the RingCentral subscription.
	DefaultCloseTimeout = 15 * time.Second
)

// OverflowPolicy says what a Subscription does with a new event when its
// buffer is full because the consumer reads too slowly.
type OverflowPolicy int

const (
	// Block makes the transport wait until the consumer has made room (or
	// the subscription ends, or the transport's context is done): nothing
	// is dropped, and the transport slows down. This is the default. How a
	// transport copes with being slowed down is its own (a webhook answers
	// RingCentral with an error after a bound, and RingCentral retries).
	Block OverflowPolicy = iota
	// DropOldest drops the oldest buffered event to make room, so the
	// transport never waits. The consumer then receives an *Overflow event,
	// in the place of the events dropped, with how many were dropped.
	DropOldest
)

func (p OverflowPolicy) String() string {
	switch p {
	case Block:
		return "block"
	case DropOldest:
		return "drop-oldest"
	}
	return fmt.Sprintf("OverflowPolicy(%d)", int(p))
}

// Option configures Subscribe.
type Option func(*options)

// WithBufferSize sets how many events the Subscription buffers between the
// transport and the consumer (DefaultBufferSize by default). It must be at
// least 1.
func WithBufferSize(n int) Option {
	return Option(func(o *options) { o.bufferSize = n })
}

// WithOverflow sets what happens when the buffer is full: Block (the
// default) or DropOldest.
func WithOverflow(p OverflowPolicy) Option {
	return Option(func(o *options) { o.overflow = p })
}

// WithLogger makes the Subscription log skipped notifications and
// connection-state changes to l. By default it logs nothing. Log records
// never hold credentials; they may hold notification uuids and event
// filters.
func WithLogger(l *slog.Logger) Option {
	return Option(func(o *options) { o.logger = l })
}

// WithDedupWindow sets how many recent notification uuids the Subscription
// remembers to drop notifications delivered again (DefaultDedupWindow by
// default). The oldest uuid is forgotten first. 0 turns de-duplication
// off.
func WithDedupWindow(n int) Option {
	return Option(func(o *options) { o.dedupWindow = n })
}

// WithCloseTimeout bounds how long Close waits for the transport to stop
// and to remove the RingCentral subscription (DefaultCloseTimeout by
// default). It also applies when the context given to Subscribe ends the
// subscription.
func WithCloseTimeout(d time.Duration) Option {
	return Option(func(o *options) { o.closeTimeout = d })
}

type options struct {
	bufferSize   int
	overflow     OverflowPolicy
	logger       *slog.Logger
	dedupWindow  int
	closeTimeout time.Duration
	// tracking turns call tracking on, with trackingOpts; it is built
	// once every option has been applied, so that it can use the logger
	// and the buffer size whatever the order of the options.
	tracking     bool
	trackingOpts []CallTrackingOption
}

func defaultOptions() options {
	return options{
		bufferSize:   DefaultBufferSize,
		overflow:     Block,
		dedupWindow:  DefaultDedupWindow,
		closeTimeout: DefaultCloseTimeout,
	}
}

// ErrInvalidOption is the cause of the error Subscribe returns for an
// option with a value out of range.
var ErrInvalidOption = errors.New("notify: invalid option")

func (o *options) validate() error {
	switch {
	case o.bufferSize < 1:
		return fmt.Errorf("%w: buffer size %d, want at least 1", ErrInvalidOption, o.bufferSize)
	case o.overflow != Block && o.overflow != DropOldest:
		return fmt.Errorf("%w: overflow policy %v", ErrInvalidOption, o.overflow)
	case o.dedupWindow < 0:
		return fmt.Errorf("%w: dedup window %d, want 0 or more", ErrInvalidOption, o.dedupWindow)
	case o.closeTimeout <= 0:
		return fmt.Errorf("%w: close timeout %v, want more than 0", ErrInvalidOption, o.closeTimeout)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
