package notify

import "github.com/ringwatch/ringwatch/telephony"

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

func (*CallChange) isEvent() {}
