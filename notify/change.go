package notify

import (
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// CallChange is one transition of one party of a call, computed by the
// telephony tracker that WithCallTracking runs inside the subscription. It
// follows the *TelephonyEvent that caused it in the stream, with that
// notification's Header; a change found by a resync follows the *Gap that
// started it, with the Gap's Header, and has Resync set.
//
// The embedded telephony.Change says what happened: Kind, CallStarted and
// CallEnded mark the situations (answered, held, transferred, ended, …).
type CallChange struct {
	Header
	telephony.Change
	// Resync reports that the change was found by a resynchronisation
	// after a gap, from the REST API's view of the calls, rather than
	// carried by a notification. Calls that vanished during the gap end
	// with Kind telephony.KindResync and Reason telephony.ReasonResync.
	Resync bool
}

// PresenceChange is what changed in an extension's presence, computed by
// the presence tracker that WithCallTracking runs inside the subscription.
// It follows the *PresenceEvent that caused it in the stream, with that
// notification's Header; a change found by a resync follows the *Gap that
// started it, with the Gap's Header, and has Resync set.
//
// The embedded presence.Change says what changed: the extension's
// telephony status, its active calls (appeared, changed, ended, vanished)
// and its availability. CallRelated is false for a change that is only
// availability (do-not-disturb, user status, presence or meeting status),
// which a call monitor may ignore.
type PresenceChange struct {
	Header
	presence.Change
	// Resync reports that the change was found by a resynchronisation
	// after a gap, from the REST API's view of the presence.
	Resync bool
}

func (*CallChange) isEvent()     {}
func (*PresenceChange) isEvent() {}
