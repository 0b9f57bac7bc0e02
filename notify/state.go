package notify

import "time"

// Connected reports that the transport is connected and the RingCentral
// subscription (Header.SubscriptionID) is active.
type Connected struct {
	Header
	// Transport names the transport.
	Transport string
}

// Reconnecting reports that the connection was lost and the transport is
// trying again.
type Reconnecting struct {
	Header
	// Attempt counts the attempts since the connection was lost, from 1.
	Attempt int
	// Err is what broke the connection; it never holds a secret.
	Err error
}

// Recovered reports that the connection came back and RingCentral replayed
// the notifications sent meanwhile: nothing was lost.
type Recovered struct {
	Header
}

// Resubscribed reports that the RingCentral subscription was created anew
// (Header.SubscriptionID is the new one).
type Resubscribed struct {
	Header
	// PreviousID is the subscription it replaces.
	PreviousID string
	// Reason says why ("recovery failed", "blacklisted", "expired").
	Reason string
}

// Gap reports that notifications sent between Since and Until may have been
// lost. A consumer that keeps state should resynchronise: the call trackers
// do so when they run inside the subscription.
type Gap struct {
	Header
	Since, Until time.Time
	// Reason says why ("recovery failed", "recovery timeout", "blacklisted").
	Reason string
}

// Overflow reports that the buffer was full under the drop-oldest policy
// and events were dropped.
type Overflow struct {
	Header
	// Dropped is the number of events dropped since the previous Overflow.
	Dropped uint64
	// Total is the number of events dropped since the subscription began.
	Total uint64
}

func (*Connected) isEvent()    {}
func (*Reconnecting) isEvent() {}
func (*Recovered) isEvent()    {}
func (*Resubscribed) isEvent() {}
func (*Gap) isEvent()          {}
func (*Overflow) isEvent()     {}
