package webhook

import (
	"log/slog"
	"time"
)

// Defaults of a Transport.
const (
	// DefaultCheckInterval is how often the Transport reads its
	// subscription back to notice blacklisting or loss.
	DefaultCheckInterval = 5 * time.Minute
	// DefaultLifetime is the lifetime RingCentral gives a WebHook
	// subscription created without expiresIn (about 7 days); the default
	// renewal reminder is derived from it.
	DefaultLifetime = 604800 * time.Second
	// DefaultRefusalGapDelay is how long refusals (503) must stop before
	// the Transport reports the Gap that covers them.
	DefaultRefusalGapDelay = time.Second
)

// ReasonRefused begins the Reason of a Gap the Transport reports for
// notifications its Handler refused (503); the number refused follows.
const ReasonRefused = "notifications refused"

// Option configures a Transport.
type Option func(*options)

type options struct {
	expiresIn              time.Duration
	threshold, interval    time.Duration
	noReminder             bool
	renewBefore            time.Duration
	checkInterval          time.Duration
	minBackoff, maxBackoff time.Duration
	openAttempts           int
	keep                   bool
	adoptID, fixedToken    string
	refusalDelay           time.Duration
	handlerOpts            []HandlerOption
	log                    *slog.Logger
	clock                  clock
	api                    subscriptionAPI // tests only (export_test.go)
}

func defaultOptions() options {
	return options{
		checkInterval: DefaultCheckInterval,
		minBackoff:    time.Second,
		maxBackoff:    5 * time.Minute,
		openAttempts:  5,
		refusalDelay:  DefaultRefusalGapDelay,
		log:           slog.New(slog.DiscardHandler),
		clock:         realClock{},
	}
}

// WithExpiresIn asks RingCentral for a subscription lifetime (whole
// seconds; RingCentral caps it at 10 years). By default RingCentral's own
// default applies (about 7 days).
func WithExpiresIn(d time.Duration) Option {
	return func(o *options) { o.expiresIn = max(d, 0) }
}

// WithRenewalReminder sets the renewal-reminder filter the Transport adds
// when the caller's filters have none: RingCentral starts sending
// reminders threshold before expiry, every interval. By default the
// threshold is a third of the lifetime and the interval a quarter of the
// threshold.
func WithRenewalReminder(threshold, interval time.Duration) Option {
	return func(o *options) { o.threshold, o.interval = threshold, interval }
}

// WithoutRenewalReminder stops the Transport from adding a reminder filter;
// it then renews on its timer only.
func WithoutRenewalReminder() Option {
	return func(o *options) { o.noReminder = true }
}

// WithRenewBefore makes the Transport renew the subscription when less than
// d of its lifetime is left, whether or not a reminder came. By default d is
// a sixth of the lifetime RingCentral granted, so that the reminder usually
// comes first.
func WithRenewBefore(d time.Duration) Option {
	return func(o *options) { o.renewBefore = max(d, 0) }
}

// WithCheckInterval sets how often the Transport reads the subscription
// back (default DefaultCheckInterval). A blacklisted or vanished
// subscription is found within this interval.
func WithCheckInterval(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.checkInterval = d
		}
	}
}

// WithReconnectBackoff sets the bounds of the capped exponential backoff
// (with jitter) between failed attempts to create, renew or re-create the
// subscription (default 1 s to 5 min). A Retry-After from RingCentral is
// honoured when longer.
func WithReconnectBackoff(minDelay, maxDelay time.Duration) Option {
	return func(o *options) {
		if minDelay > 0 && maxDelay >= minDelay {
			o.minBackoff, o.maxBackoff = minDelay, maxDelay
		}
	}
}

// KeepSubscription makes Close leave the RingCentral subscription in
// place, for deployments that outlive the process: save SubscriptionID and
// VerificationToken, and give them to WithSubscription on the next start.
func KeepSubscription() Option {
	return func(o *options) { o.keep = true }
}

// WithSubscription makes Open adopt an existing WebHook subscription
// instead of creating one, with the verification token it was created
// with. If RingCentral no longer has it, or has blacklisted it, Open
// creates a new one and reports a gap.
func WithSubscription(id, verificationToken string) Option {
	return func(o *options) { o.adoptID, o.fixedToken = id, verificationToken }
}

// WithVerificationToken makes the Transport use token instead of a random
// one, also when it re-creates the subscription (for several instances
// behind one address). Use a long random value.
func WithVerificationToken(token string) Option {
	return func(o *options) { o.fixedToken = token }
}

// WithRefusalGapDelay sets how long refusals (503) must stop before the
// Transport reports the Gap that covers them (default
// DefaultRefusalGapDelay); a burst that goes on is reported after ten
// times d. A delay that is not positive is ignored.
func WithRefusalGapDelay(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.refusalDelay = d
		}
	}
}

// WithHandlerOptions configures the Transport's Handler (bounds, body
// limit, logger). WithDeliver has no effect there: the Transport delivers
// to notify.
func WithHandlerOptions(opts ...HandlerOption) Option {
	return func(o *options) { o.handlerOpts = append(o.handlerOpts, opts...) }
}

// WithLogger logs the subscription's lifecycle (renewals, checks,
// re-creations) to l, instead of the logger of the *ringwatch.Client given
// to New. Tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.log = l
		}
	}
}

// withClock makes the Transport read time and set timers on c (tests).
func withClock(c clock) Option {
	return func(o *options) { o.clock = c }
}
