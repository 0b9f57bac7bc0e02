package presence

// Change is what changed between two presence states of one extension.
//
// Presence notifications send some fields only when they change and come
// in variants that carry more or less: simple presence has no activeCalls
// at all, and detailed presence lists at most the latest 7 calls. Diff
// therefore reads an empty field of the newer event as "not sent", never
// as "cleared", and concludes that a call has gone only from what the
// newer event positively says (see Diff).
type Change struct {
	// ExtensionID is the extension the change is about.
	ExtensionID string
	// Sequence is the sequence number of the newer event.
	Sequence int64
	// TelephonyStatusChanged reports that the extension's telephony status
	// changed from From to To.
	TelephonyStatusChanged bool
	From, To               TelephonyStatus
	// Calls lists the active calls that appeared, changed status, ended or
	// vanished, in the order of the newer event's list, then the vanished
	// ones in the order of the older.
	Calls []ActiveCallChange
	// Availability lists the changes to availability fields: presence
	// status, user status, do-not-disturb and meeting status. They are not
	// call changes.
	Availability []AvailabilityChange
	// CallRelated reports whether anything about calls changed (the
	// telephony status or an active call). A change that is only
	// availability has CallRelated false.
	CallRelated bool
}

// Empty reports whether nothing changed.
func (c *Change) Empty() bool {
	return !c.TelephonyStatusChanged && len(c.Calls) == 0 && len(c.Availability) == 0
}

// ActiveCallChangeKind says how an active call changed.
type ActiveCallChangeKind uint8

// The ways an active call changes.
const (
	// CallAppeared: a call not known before is listed.
	CallAppeared ActiveCallChangeKind = iota + 1
	// CallStatusChanged: a known call is listed with another status.
	CallStatusChanged
	// CallEnded: a call is listed with status NoCall, which is how detailed
	// presence reports a call that ended (once).
	CallEnded
	// CallVanished: a known call is no longer there although the newer
	// event accounts for every call: it lists all of them (totalActiveCalls
	// is not above the number listed), or the extension's telephony status
	// is NoCall. Its NoCall listing was probably missed.
	CallVanished
)

var callChangeNames = [...]string{"ActiveCallChangeKind(0)", "Appeared", "StatusChanged", "Ended", "Vanished"}

// String returns the kind's name, such as "Appeared".
func (k ActiveCallChangeKind) String() string {
	if int(k) < len(callChangeNames) {
		return callChangeNames[k]
	}
	return "ActiveCallChangeKind(?)"
}

// ActiveCallChange is the change of one active call.
type ActiveCallChange struct {
	// Key identifies the call: "telephonySessionId/partyId", or "id:" and
	// the call id when the entry has no telephony session id.
	Key  string
	Kind ActiveCallChangeKind
	// From and To are the call's telephony status before and after; From is
	// empty for an appeared call and To is NoCall for an ended or vanished
	// one.
	From, To TelephonyStatus
	// Call is the call's latest entry (the older one for a vanished call).
	Call ActiveCall
}

// AvailabilityChange is the change of one availability field.
type AvailabilityChange struct {
	// Field is the JSON name of the field: presenceStatus, userStatus,
	// dndStatus, dndStatusPersonal or meetingStatus.
	Field    string
	From, To string
}

// CallKey returns the key Diff matches active calls by: the telephony
// session and party ids, falling back to the call id.
func CallKey(c *ActiveCall) string {
	if c.TelephonySessionID != "" {
		return c.TelephonySessionID + "/" + c.PartyID
	}
	return "id:" + c.ID
}

// Diff says what changed from prev to next, two presence events of one
// extension (prev may be nil for "nothing known").
//
// A field empty in next was not sent and is not a change. Active calls are
// matched by CallKey. A call listed in prev is reported gone only when next
// says so: listed with status NoCall (CallEnded), or missing from a next
// that accounts for every call (CallVanished; see the kind). In particular
// a simple presence body, which never has activeCalls, or a detailed one
// whose list was cut at 7 calls, does not make calls vanish; a telephony
// status of NoCall does.
func Diff(prev, next *Event) Change {
	if prev == nil {
		prev = &Event{}
	}
	if next == nil {
		return Change{ExtensionID: prev.ExtensionID, Sequence: prev.Sequence}
	}
	ch := Change{ExtensionID: next.ExtensionID, Sequence: next.Sequence}
	if ch.ExtensionID == "" {
		ch.ExtensionID = prev.ExtensionID
	}
	if next.TelephonyStatus != "" && next.TelephonyStatus != prev.TelephonyStatus {
		ch.TelephonyStatusChanged, ch.From, ch.To = true, prev.TelephonyStatus, next.TelephonyStatus
	}
	for _, f := range [...]struct{ name, from, to string }{
		{"presenceStatus", prev.PresenceStatus, next.PresenceStatus},
		{"userStatus", prev.UserStatus, next.UserStatus},
		{"dndStatus", prev.DNDStatus, next.DNDStatus},
		{"dndStatusPersonal", prev.DNDStatusPersonal, next.DNDStatusPersonal},
		{"meetingStatus", prev.MeetingStatus, next.MeetingStatus},
	} {
		if f.to != "" && f.to != f.from {
			ch.Availability = append(ch.Availability, AvailabilityChange{Field: f.name, From: f.from, To: f.to})
		}
	}
	ch.Calls = diffCalls(prev.ActiveCalls, next)
	ch.CallRelated = ch.TelephonyStatusChanged || len(ch.Calls) > 0
	return ch
}

// accountsForAll reports whether e says which calls exist: it lists every
// active call, or it says there is none.
func accountsForAll(e *Event) bool {
	if e.TelephonyStatus == NoCall {
		return true
	}
	if len(e.ActiveCalls) == 0 {
		return false // not sent (simple presence), or sent empty: cannot tell
	}
	if e.TotalActiveCalls > 0 {
		return e.TotalActiveCalls <= len(e.ActiveCalls)
	}
	// REST presence has no totalActiveCalls; a full list of 7 may be cut
	return len(e.ActiveCalls) < maxListedCalls
}

// maxListedCalls is how many calls a presence body lists at most.
const maxListedCalls = 7

func diffCalls(prev []ActiveCall, next *Event) []ActiveCallChange {
	if len(prev) == 0 && len(next.ActiveCalls) == 0 {
		return nil
	}
	var out []ActiveCallChange
	for i := range next.ActiveCalls {
		c := &next.ActiveCalls[i]
		key := CallKey(c)
		old := findCall(prev, key)
		var from TelephonyStatus
		if old != nil {
			from = old.TelephonyStatus
		}
		var kind ActiveCallChangeKind
		switch {
		case c.Ended() && from != NoCall:
			kind = CallEnded
		case c.Ended():
			continue
		case old == nil || from == NoCall:
			kind = CallAppeared
		case from != c.TelephonyStatus:
			kind = CallStatusChanged
		default:
			continue
		}
		out = append(out, ActiveCallChange{Key: key, Kind: kind, From: from, To: c.TelephonyStatus, Call: *c})
	}
	if accountsForAll(next) {
		for i := range prev {
			c := &prev[i]
			if c.Ended() {
				continue
			}
			key := CallKey(c)
			if findCall(next.ActiveCalls, key) == nil {
				out = append(out, ActiveCallChange{Key: key, Kind: CallVanished, From: c.TelephonyStatus, To: NoCall, Call: *c})
			}
		}
	}
	return out
}

func findCall(calls []ActiveCall, key string) *ActiveCall {
	for i := range calls {
		if CallKey(&calls[i]) == key {
			return &calls[i]
		}
	}
	return nil
}
