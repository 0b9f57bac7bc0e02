package telephony

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of the Call Control operations found before anything is sent.
var (
	// ErrInvalidTarget matches a Target (of Transfer or Forward) that does
	// not set exactly one destination, or sets one the operation does not
	// take (a park orbit for Forward). It is always wrapped together with
	// ErrInvalidArgument, naming the operation and the fields set.
	ErrInvalidTarget = errors.New("invalid target")
)

// Target is where Transfer and Forward send a call: exactly one field is
// set. Forward does not take ParkOrbit.
type Target struct {
	// PhoneNumber is a phone number in E.164 form.
	PhoneNumber string `json:"phoneNumber,omitempty"`
	// ExtensionNumber is an extension's short number.
	ExtensionNumber string `json:"extensionNumber,omitempty"`
	// ExtensionID is an extension's id (not in ringcentral-call-control-js).
	ExtensionID string `json:"extensionId,omitempty"`
	// Voicemail is the extension id whose voicemail takes the call.
	Voicemail string `json:"voicemail,omitempty"`
	// ParkOrbit is the id of a park location (Transfer only).
	ParkOrbit string `json:"parkOrbit,omitempty"`
}

// set returns the names of the fields set, in the wire's spelling.
func (t Target) set() []string {
	var out []string
	for _, f := range []struct{ name, v string }{
		{"phoneNumber", t.PhoneNumber}, {"extensionNumber", t.ExtensionNumber},
		{"extensionId", t.ExtensionID}, {"voicemail", t.Voicemail}, {"parkOrbit", t.ParkOrbit},
	} {
		if f.v != "" {
			out = append(out, f.name)
		}
	}
	return out
}

// check returns an error matching ErrInvalidTarget and ErrInvalidArgument
// unless exactly one field is set (and, when !parkOK, not ParkOrbit).
func (t Target) check(op string, parkOK bool) error {
	set := t.set()
	switch {
	case len(set) == 0:
		return fmt.Errorf("telephony: %s: no destination set: %w (%w)", op, ErrInvalidTarget, ErrInvalidArgument)
	case len(set) > 1:
		return fmt.Errorf("telephony: %s: %d destinations set (%s), want one: %w (%w)",
			op, len(set), strings.Join(set, ", "), ErrInvalidTarget, ErrInvalidArgument)
	case !parkOK && t.ParkOrbit != "":
		return fmt.Errorf("telephony: %s: parkOrbit is not a destination of %s: %w (%w)", op, op, ErrInvalidTarget, ErrInvalidArgument)
	}
	return nil
}

// HoldProto is the protocol of a hold (the hold request's proto field).
type HoldProto string

// The hold protocols RingCentral documents.
const (
	HoldAuto                         HoldProto = "Auto"
	HoldRC                           HoldProto = "RC"
	HoldBroadWorks                   HoldProto = "BroadWorks"
	HoldDisconnectHolder             HoldProto = "DisconnectHolder"
	HoldBroadWorksOrDisconnectHolder HoldProto = "BroadWorksOrDisconnectHolder"
)

// CallOutRequest is the body of CallOut: who calls (a device of the
// current extension) and whom.
type CallOutRequest struct {
	// From is the calling device (a Softphone or Hardphone).
	From CallOutFrom `json:"from"`
	// To is the called number: exactly one of its fields is set.
	To CallOutTo `json:"to"`
	// CountryID is the id of the country dialled, for numbers without a
	// country code.
	CountryID string `json:"countryId,omitempty"`
}

// CallOutFrom is the caller of a CallOut: a device, or an extension.
type CallOutFrom struct {
	DeviceID    string `json:"deviceId,omitempty"`
	ExtensionID string `json:"extensionId,omitempty"`
}

// CallOutTo is the callee of a CallOut: a phone number or an extension
// number.
type CallOutTo struct {
	PhoneNumber     string `json:"phoneNumber,omitempty"`
	ExtensionNumber string `json:"extensionNumber,omitempty"`
}

// SessionWaitOptions are the long-poll parameters of WaitSession.
type SessionWaitOptions struct {
	// Timestamp is the time of the latest change the caller has seen (a
	// session's CreationTime): the server answers once the session has
	// changed since. Zero sends none. It is sent in RFC 3339 form.
	Timestamp time.Time
	// Timeout bounds the server's wait for a change; it is sent in whole
	// seconds (rounded up). Zero sends none.
	Timeout time.Duration
}

// PartyUpdate is the body of UpdateParty (PATCH …/parties/{partyId}): a
// nil field is left unchanged.
type PartyUpdate struct {
	// Muted mutes or unmutes the party. It does not undo a mute set from
	// an app or a hard phone.
	Muted *bool `json:"muted,omitempty"`
	// StandAlone disconnects the party from (or reconnects it to) the
	// session's voice conference.
	StandAlone *bool `json:"standAlone,omitempty"`
}

// Reply is the answer Reply sends to the caller of a ringing call:
// exactly one of Text and Pattern is set.
type Reply struct {
	// Text is a free text reply.
	Text string `json:"replyWithText,omitempty"`
	// Pattern is a predefined reply.
	Pattern *ReplyPattern `json:"replyWithPattern,omitempty"`
}

// ReplyPattern is a predefined reply, such as "WillCallYouBack" in Time
// TimeUnit.
type ReplyPattern struct {
	// Pattern is one of WillCallYouBack, CallMeBack, OnMyWay, OnTheOtherLine,
	// WillCallYouBackLater, CallMeBackLater, InAMeeting, OnTheOtherLineNoCall.
	Pattern string `json:"pattern"`
	// Time is the number of TimeUnit, for the patterns that take one.
	Time int `json:"time,omitempty"`
	// TimeUnit is Minute, Hour or Day.
	TimeUnit string `json:"timeUnit,omitempty"`
}

// SuperviseRequest is the body of SuperviseSession and SuperviseParty.
type SuperviseRequest struct {
	// Mode is the supervision mode; empty means "Listen", the only one
	// RingCentral documents.
	Mode string `json:"mode"`
	// SupervisorDeviceID is the supervisor's device (a Softphone or
	// Hardphone).
	SupervisorDeviceID string `json:"supervisorDeviceId"`
	// AgentExtensionNumber or AgentExtensionID names the agent supervised
	// (SuperviseSession takes either; SuperviseParty the id).
	AgentExtensionNumber string `json:"agentExtensionNumber,omitempty"`
	AgentExtensionID     string `json:"agentExtensionId,omitempty"`
	// AutoAnswer answers the supervisor's device automatically.
	AutoAnswer *bool `json:"autoAnswer,omitempty"`
	// MediaSDP is the supervisor's SDP, for a WebRTC supervisor.
	MediaSDP string `json:"mediaSDP,omitempty"`
}

// SuperviseModeListen is the supervision mode RingCentral documents.
const SuperviseModeListen = "Listen"

// StateError is returned by a Control operation that the party's state,
// as its Tracker knows it, forbids; nothing was sent. RingCentral
// documents the preconditions: transfer only when Answered or on Hold,
// forward and reject only while Setup or Proceeding, pickup only for a
// Parked call, bring-in only into a conference.
type StateError struct {
	// Op is the operation refused ("Transfer", "Forward", …).
	Op string
	// TelephonySessionID and PartyID name the party (PartyID is empty for
	// a refused BringIn, which concerns the conference session).
	TelephonySessionID, PartyID string
	// State is the party's tracked status (empty for BringIn).
	State StatusCode
	// Allowed lists the states the operation needs.
	Allowed []StatusCode
	// Origin is the tracked session's origin type, for a refused BringIn
	// (which needs a Conference session).
	Origin string
}

// Error says what was refused and why.
func (e *StateError) Error() string {
	if e.PartyID == "" {
		return fmt.Sprintf("telephony: %s: session %s is a %q session, not a conference", e.Op, e.TelephonySessionID, e.Origin)
	}
	allowed := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		allowed[i] = string(a)
	}
	return fmt.Sprintf("telephony: %s: party %s of session %s is %s, want %s",
		e.Op, e.PartyID, e.TelephonySessionID, e.State, strings.Join(allowed, " or "))
}

// callSession is the CallSession body of call-out and conference.
type callSession struct {
	Session *Session `json:"session"`
}
