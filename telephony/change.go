package telephony

import "time"

// ChangeKind says what a Change means, so that callers switch on it instead
// of re-deriving the situation from status codes and reasons.
type ChangeKind uint8

// The kinds of change a Tracker reports. The call-level markers
// Change.CallStarted and Change.CallEnded are separate booleans, because
// they coincide with a party transition (the first Setup, the last
// Disconnected) rather than replacing it.
const (
	// KindOther is a transition to a code with no more specific meaning
	// (Tds, or a code outside the documented set).
	KindOther ChangeKind = iota
	// KindSetup: the party is being set up (Setup).
	KindSetup
	// KindRinging: an inbound party is ringing (Proceeding, Inbound).
	KindRinging
	// KindProceeding: an outbound party is dialling out (Proceeding, not
	// Inbound).
	KindProceeding
	// KindAnswered: the party is connected (Answered, not after Hold or
	// Parked).
	KindAnswered
	// KindHeld: the party put the call on hold (Hold).
	KindHeld
	// KindResumed: the party came back from Hold or Parked (Answered).
	KindResumed
	// KindParked: the call was parked (Parked); Change.Party.Status.ParkData
	// holds the park location ("*8xx", or empty for the park orbit).
	KindParked
	// KindVoiceMail: the party reached voicemail (VoiceMail or
	// VoiceMailScreening).
	KindVoiceMail
	// KindFax: the party is receiving a fax (FaxReceive).
	KindFax
	// KindMissed: the party left without ever being answered, because it
	// was missed (missedCall), or for NoAnswer, Cancelled, Rejected,
	// Timeout, TargetBusy or Voicemail.
	KindMissed
	// KindBlindTransfer: the party left by a blind transfer (Disconnected
	// with BlindTransfer or DtmfTransfer).
	KindBlindTransfer
	// KindAttendedTransfer: the party left by an attended (warm) transfer:
	// Gone with a peerId (and no Pickup, CallSwitch or Conference reason),
	// or a Gone or Disconnected with AttendedTransfer. Change.Peer names the session and party the call continues in.
	KindAttendedTransfer
	// KindConference: the party was merged into a conference (Gone with
	// reason Conference, or Gone while holding a conference role).
	KindConference
	// KindPickedUpElsewhere: the party's leg was picked up on another
	// device or by another user (Disconnected with Pickup or CallSwitch),
	// which does not end the call; or a parked call was picked up (Gone
	// with Pickup), which ends this session: the call goes on in the
	// session Change.Peer names.
	KindPickedUpElsewhere
	// KindGone: the party left this session for another one for any other
	// reason (Gone with Supervising, Undefined, …, without a peerId).
	KindGone
	// KindLeft: the party hung up or was dropped (any other Disconnected);
	// a party whose ringing stopped because another agent answered is
	// KindAnsweredElsewhere instead.
	KindLeft
	// KindResync: Reconcile found that the party, or the whole call, is no
	// longer active; Change.Reason is the reason given to Reconcile.
	KindResync
	// KindEvicted: the tracker stopped tracking the call, still active,
	// because it reached its cap on tracked calls (WithMaxCalls) and no
	// ended call was left to evict. It is a call-level change (PartyID,
	// From and To are empty) with CallEnded set: the tracker reports
	// nothing more for the call, though it has not necessarily ended; a
	// later notification for it starts it anew. Waits on it fail with
	// ErrEvicted. EventTime is the tracker's clock at the eviction.
	KindEvicted
	// KindTooManyParties: the call reached the cap on parties
	// (WithMaxParties), so the party in the change (PartyID, Party and To
	// as received) is not tracked. It is reported once per call; later
	// dropped updates are only counted (Stats.DroppedParties,
	// Call.DroppedParties). A Wait for an untracked party is settled only
	// when the call ends.
	KindTooManyParties
	// KindAnsweredElsewhere: the party stopped ringing, never answered,
	// because another agent answered the call (Disconnected with
	// AgentAnswered), as the other members of a call queue do. It is not a
	// missed call: the call was answered, by someone else.
	KindAnsweredElsewhere
)

var kindNames = [...]string{
	KindOther: "Other", KindSetup: "Setup", KindRinging: "Ringing", KindProceeding: "Proceeding",
	KindAnswered: "Answered", KindHeld: "Held", KindResumed: "Resumed", KindParked: "Parked",
	KindVoiceMail: "VoiceMail", KindFax: "Fax", KindMissed: "Missed", KindBlindTransfer: "BlindTransfer",
	KindAttendedTransfer: "AttendedTransfer", KindConference: "Conference",
	KindPickedUpElsewhere: "PickedUpElsewhere", KindGone: "Gone", KindLeft: "Left", KindResync: "Resync",
	KindEvicted: "Evicted", KindTooManyParties: "TooManyParties", KindAnsweredElsewhere: "AnsweredElsewhere",
}

// String returns the kind's name, such as "Answered".
func (k ChangeKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "ChangeKind(" + itoa(int(k)) + ")"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// ReasonResync is the reason Reconcile puts on the changes of the parties
// and calls it ends when the caller gives none.
const ReasonResync = "Resync"

// Change is one transition of one party of a call, as applied by a
// Tracker.
type Change struct {
	// TelephonySessionID and PartyID name the call and the party. PartyID
	// is empty for a party sent without an id, and for the call-level
	// change Reconcile makes for a call with no party left to end.
	TelephonySessionID, PartyID string
	// From is the party's previous status code ("" for a party seen for the
	// first time); To is the new one.
	From, To StatusCode
	// Reason is the new status's reason (Status.Reason).
	Reason string
	// Party is the party's state after the change, merged from every
	// notification applied so far.
	Party Party
	// Sequence is the session sequence number of the notification that
	// caused the change (0 for states from the REST API and for Reconcile).
	Sequence int64
	// CallEnded is set on the one change after which no party of the call
	// is still in it: the whole call is over; or on the KindEvicted change
	// of a call the tracker stopped tracking. It is set exactly once per
	// tracked call, after which the tracker reports no more changes for it
	// (until a notification after its expiry or eviction starts it anew).
	CallEnded bool

	// Kind says what the change means.
	Kind ChangeKind
	// CallStarted is set on the first change the tracker reports for a
	// call.
	CallStarted bool
	// Peer links a party that left by an attended transfer, into a
	// conference or by the pick-up of a parked call to the session and
	// party the call continues in (Status.PeerID).
	Peer *PeerID
	// EventTime is the server's time of the change: the notification's
	// event time or, for a state read from the REST API (Reconcile), the
	// REST state's CreationTime (else its EventTime). It is zero when the
	// server gave none, as for the parties and calls Reconcile ends because
	// the REST read no longer lists them at a known time. The tracker's own
	// clock is never used here, except on a KindEvicted change (see
	// KindEvicted).
	EventTime time.Time
	// Summary is set on the change with CallEnded, and only there: what
	// happened to the call, with its ring, talk and hold times and its
	// outcome. It is built when the call ends; calls still going cost
	// nothing more.
	Summary *CallSummary
}

// handedOff reports whether a party left by handing the call on to
// another device or user (Pickup, CallSwitch), which does not end it.
func handedOff(st *Status) bool {
	return st.Code == Disconnected && (st.Reason == ReasonPickup || st.Reason == ReasonCallSwitch)
}

// classify names the transition of p from the code from. answered says
// whether the party was ever Answered before this change.
func classify(from StatusCode, p *Party, answered bool) ChangeKind {
	st := &p.Status
	switch st.Code {
	case Setup:
		return KindSetup
	case Proceeding:
		if p.Direction == Inbound {
			return KindRinging
		}
		return KindProceeding
	case Answered:
		if from == Hold || from == Parked {
			return KindResumed
		}
		return KindAnswered
	case Hold:
		return KindHeld
	case Parked:
		return KindParked
	case VoiceMail, VoiceMailScreening:
		return KindVoiceMail
	case FaxReceive:
		return KindFax
	case Gone:
		switch {
		case st.Reason == ReasonPickup || st.Reason == ReasonCallSwitch:
			// a parked call picked up: a cross call like a transfer's,
			// but nobody transferred it
			return KindPickedUpElsewhere
		case st.Reason == ReasonConference || p.ConferenceRole != "":
			return KindConference
		case st.PeerID != nil || st.Reason == ReasonAttendedTransfer:
			return KindAttendedTransfer
		}
		return KindGone
	case Disconnected:
		switch st.Reason {
		case ReasonPickup, ReasonCallSwitch:
			return KindPickedUpElsewhere
		case ReasonBlindTransfer, ReasonDtmfTransfer:
			return KindBlindTransfer
		case ReasonAttendedTransfer:
			return KindAttendedTransfer
		}
		if !answered {
			switch {
			case st.Reason == ReasonAgentAnswered:
				return KindAnsweredElsewhere
			case p.MissedCall:
				return KindMissed
			case st.Reason == ReasonNoAnswer, st.Reason == ReasonCancelled, st.Reason == ReasonRejected,
				st.Reason == ReasonTimeout, st.Reason == ReasonTargetBusy, st.Reason == ReasonVoicemail:
				return KindMissed
			}
		}
		return KindLeft
	}
	return KindOther
}
