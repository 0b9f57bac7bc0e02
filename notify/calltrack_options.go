package notify

import (
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// CallTrackingOption configures WithCallTracking.
type CallTrackingOption func(*callTrackingConfig)

// Defaults of the call-tracking options.
const (
	// DefaultResyncAttempts is how many times a resync is tried before a
	// *ResyncFailed is reported.
	DefaultResyncAttempts = 4
	// DefaultResyncMinDelay and DefaultResyncMaxDelay bound the wait
	// between two attempts, which doubles from the first to the second.
	DefaultResyncMinDelay = 500 * time.Millisecond
	DefaultResyncMaxDelay = 5 * time.Second
	// DefaultResyncMaxSessions bounds the number of telephony sessions one
	// resync reads (one GET each, in the Light rate-limit group). Calls
	// beyond it are kept as the tracker has them.
	DefaultResyncMaxSessions = 200
)

type callTrackingConfig struct {
	tracker     *telephony.Tracker
	presTracker *presence.Tracker
	trackerOpts []telephony.TrackerOption

	sessions SessionGetter
	presence PresenceGetter
	// accountID is the account of the REST reads ("~").
	accountID string
	// extensions are the extensions whose presence a resync reads, unless
	// account is set.
	extensions []string
	account    bool
	// perPage is the page size of an account presence read.
	perPage int

	attempts           int
	minDelay, maxDelay time.Duration
	maxSessions        int
	onConnect          bool
}

func defaultCallTrackingConfig() callTrackingConfig {
	return callTrackingConfig{
		accountID:   "~",
		extensions:  []string{"~"},
		attempts:    DefaultResyncAttempts,
		minDelay:    DefaultResyncMinDelay,
		maxDelay:    DefaultResyncMaxDelay,
		maxSessions: DefaultResyncMaxSessions,
	}
}

// normalise replaces values out of range by their defaults.
func (c *callTrackingConfig) normalise() {
	d := defaultCallTrackingConfig()
	if c.accountID == "" {
		c.accountID = d.accountID
	}
	if len(c.extensions) == 0 {
		c.extensions = d.extensions
	}
	if c.attempts < 1 {
		c.attempts = 1
	}
	if c.minDelay < 0 {
		c.minDelay = 0
	}
	if c.maxDelay < c.minDelay {
		c.maxDelay = c.minDelay
	}
	if c.maxSessions < 1 {
		c.maxSessions = d.maxSessions
	}
}

// UseTracker makes call tracking apply telephony notifications to t, a
// tracker the caller made (and may share), instead of a new one. The
// options of TrackerOptions are then ignored.
func UseTracker(t *telephony.Tracker) CallTrackingOption {
	return func(c *callTrackingConfig) { c.tracker = t }
}

// UsePresenceTracker makes call tracking apply presence notifications to
// t, a tracker the caller made (and may share), instead of a new one.
func UsePresenceTracker(t *presence.Tracker) CallTrackingOption {
	return func(c *callTrackingConfig) { c.presTracker = t }
}

// TrackerOptions configures the telephony tracker that call tracking makes
// (ended-call TTL, cap on tracked calls, reorder window). The tracker has
// no timer: notifications held by a reorder window are released as later
// events of the subscription go by, and by a resync.
func TrackerOptions(opts ...telephony.TrackerOption) CallTrackingOption {
	return func(c *callTrackingConfig) { c.trackerOpts = append(c.trackerOpts, opts...) }
}

// ResyncFrom sets where a resync reads the calls: sessions reads each
// telephony session (telephony.Client satisfies it), and pres reads the
// presence that lists the active calls (presence.Client satisfies it).
// pres may be nil: a resync then checks only the calls the tracker knows,
// and finds no call that started during the gap. Without a resync source
// (the default), call tracking does not resynchronise.
func ResyncFrom(sessions SessionGetter, pres PresenceGetter) CallTrackingOption {
	return func(c *callTrackingConfig) { c.sessions, c.presence = sessions, pres }
}

// ResyncREST makes a resync read the calls from RingCentral's REST API
// through rc (its login and rate-limit budget), with telephony.Client and
// presence.Client.
func ResyncREST(rc *ringwatch.Client) CallTrackingOption {
	return ResyncFrom(telephony.NewClient(rc), presence.NewClient(rc))
}

// ResyncExtensions makes a resync read the presence of the given
// extensions ("~" is the authorised user's, the default) to find their
// active calls. Use it when the subscription follows those extensions.
func ResyncExtensions(extensionIDs ...string) CallTrackingOption {
	return func(c *callTrackingConfig) {
		c.extensions, c.account = append([]string(nil), extensionIDs...), false
	}
}

// ResyncAccount makes a resync read the presence of every extension of the
// account, page by page, to find the active calls. Use it when the
// subscription follows the account's telephony sessions. perPage is the
// page size (0 for the server's default of 100).
func ResyncAccount(perPage int) CallTrackingOption {
	return func(c *callTrackingConfig) { c.account, c.perPage = true, max(perPage, 0) }
}

// ResyncRetry sets how many times a resync is tried (at least once) and
// the wait between attempts, which starts at minDelay and doubles up to
// maxDelay, with jitter (DefaultResyncAttempts, DefaultResyncMinDelay and
// DefaultResyncMaxDelay by default).
func ResyncRetry(attempts int, minDelay, maxDelay time.Duration) CallTrackingOption {
	return func(c *callTrackingConfig) {
		c.attempts, c.minDelay, c.maxDelay = attempts, minDelay, maxDelay
	}
}

// ResyncMaxSessions bounds the number of telephony sessions one resync
// reads (DefaultResyncMaxSessions by default). The calls listed by presence
// are read first, then the other calls the tracker knows; the calls left
// over are kept as the tracker has them.
func ResyncMaxSessions(n int) CallTrackingOption {
	return func(c *callTrackingConfig) { c.maxSessions = n }
}

// ResyncOnConnect makes call tracking resynchronise once when the
// subscription first connects, so that calls already in progress are
// tracked from the start, as RingCentral's own SDK does.
func ResyncOnConnect() CallTrackingOption {
	return func(c *callTrackingConfig) { c.onConnect = true }
}
