package callscript

import (
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// EventKind says which body an Event carries.
type EventKind uint8

// The kinds of event.
const (
	// TelephonyEvent carries a telephony-session body with one party.
	TelephonyEvent EventKind = iota + 1
	// PresenceEvent carries a detailed presence body with SIP data.
	PresenceEvent
)

// Event is one notification RingCentral would send, with the state the
// resynchronisation endpoints serve right after it.
type Event struct {
	Kind EventKind
	// Step is the index, in the steps as played, of the step that caused
	// the event (the Otherwise steps of a timed-out Await are played right
	// after it), and Op its operation: OpControl for a change a Call
	// Control request made, with the index of the step played last.
	Step int
	Op   Op
	// Call and Party are the labels of the call and party (telephony
	// events; Call only for presence events).
	Call, Party string
	// EventTime is when it happened.
	EventTime time.Time
	// AccountID is the account whose account-level filters receive the
	// event; it is empty for a party that belongs to no account, which no
	// filter receives.
	AccountID string
	// ExtensionID is the extension whose extension-level filters receive
	// the event; empty for a party that belongs to the account but to no
	// extension (account-level filters only).
	ExtensionID string

	// Session is the body of a telephony event: one party.
	Session *telephony.Session
	// SessionState is the whole session (every party) as GET
	// …/telephony/sessions/{id} serves it after the event; nil once the
	// session has ended (SessionEnded).
	SessionState *telephony.Session
	// SessionEnded reports that no party of the session is left: GET of
	// the session answers 404 from then on.
	SessionEnded bool

	// Presence is the body of a presence event.
	Presence *presence.Event
	// PresenceState is the extension's presence as GET …/presence serves
	// it after the event: the ended calls are no longer listed.
	PresenceState *presence.Event
}

// Delivered reports whether some subscription filter receives the event.
func (e *Event) Delivered() bool { return e.AccountID != "" }

// Resource names what the event is about in event-filter form, with
// concrete ids:
//
//	/restapi/v1.0/account/{a}/extension/{e}/telephony/sessions
//	/restapi/v1.0/account/{a}/telephony/sessions (account-only party)
//	/restapi/v1.0/account/{a}/extension/{e}/presence
//
// It is empty for an event no filter receives.
func (e *Event) Resource() string {
	if e.AccountID == "" {
		return ""
	}
	base := "/restapi/v1.0/account/" + e.AccountID
	switch {
	case e.Kind == PresenceEvent:
		return base + "/extension/" + e.ExtensionID + "/presence"
	case e.ExtensionID != "":
		return base + "/extension/" + e.ExtensionID + "/telephony/sessions"
	}
	return base + "/telephony/sessions"
}

// ReceivedBy reports whether a subscriber of the account with the given
// filters receives the event: accountLevel for account-level filters (all
// parties and presence of the account), or the extension-level filters of
// extensionID.
func (e *Event) ReceivedBy(accountLevel bool, extensionID string) bool {
	if e.AccountID == "" {
		return false
	}
	return accountLevel || extensionID != "" && e.ExtensionID == extensionID
}
