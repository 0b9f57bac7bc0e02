package rest

import (
	"context"
	"log/slog"
	"time"

	"github.com/ringwatch/ringwatch/internal/backoff"
)

// Version is ringwatch's version, as sent in the User-Agent.
const Version = "0.1.0"

// UserAgent is the User-Agent of every request.
const UserAgent = "ringwatch/" + Version + " (Go)"

// Defaults of Options.
const (
	DefaultMaxAttempts   = 4 // the first try and three retries
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 30 * time.Second
	DefaultRetryAfter    = 30 * time.Second // RingCentral: "retried in 30 seconds or later"
	DefaultMaxRetryAfter = 5 * time.Minute
)

// Options configure a Client. The zero value of every field means its
// default.
type Options struct {
	// Logger receives a debug line for every retry; nil is silent.
	Logger *slog.Logger
	// MaxAttempts bounds the tries of one call, the first included; 1
	// disables retries.
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff of 502/503/504 answers:
	// attempt n waits a random time in [0, min(MaxDelay, BaseDelay·2ⁿ⁻¹)].
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; a
	// longer one returns the *APIError at once (its RetryAfter says how
	// long the server asked for).
	MaxRetryAfter time.Duration
	// Now and Sleep are the clock; tests replace them so that nothing
	// sleeps for real. Sleep must return ctx.Err() when ctx ends first.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a random duration in [0, d].
	Jitter func(d time.Duration) time.Duration
}

// Option changes Options.
type Option func(*Options)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithMaxAttempts bounds the attempts per call (1 disables retries).
func WithMaxAttempts(n int) Option { return func(o *Options) { o.MaxAttempts = n } }

// WithBackoff sets the backoff of 502/503/504 answers.
func WithBackoff(base, maxDelay time.Duration) Option {
	return func(o *Options) { o.BaseDelay, o.MaxDelay = base, maxDelay }
}

// WithMaxRetryAfter sets the longest Retry-After waited for.
func WithMaxRetryAfter(d time.Duration) Option { return func(o *Options) { o.MaxRetryAfter = d } }

// WithClock replaces the clock; a nil function keeps the real one.
func WithClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Option {
	return func(o *Options) {
		if now != nil {
			o.Now = now
		}
		if sleep != nil {
			o.Sleep = sleep
		}
	}
}

// WithJitter replaces the random source of the backoff.
func WithJitter(f func(time.Duration) time.Duration) Option { return func(o *Options) { o.Jitter = f } }

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Jitter == nil {
		o.Jitter = backoff.Full
	}
}

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// ctx.Err() in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the ceiling of the wait before retry number n (n ≥ 1).
func (o *Options) backoff(n int) time.Duration { return backoff.Ceiling(n, o.BaseDelay, o.MaxDelay) }
