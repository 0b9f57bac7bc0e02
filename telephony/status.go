package telephony

import "github.com/ringwatch/ringwatch/internal/jsonx"

// StatusCode is the state of one party of a call. Values outside the
// documented set are kept as they came.
type StatusCode string

// The documented status codes.
const (
	Setup              StatusCode = "Setup"
	Proceeding         StatusCode = "Proceeding"
	Answered           StatusCode = "Answered"
	Disconnected       StatusCode = "Disconnected"
	Gone               StatusCode = "Gone"
	Parked             StatusCode = "Parked"
	Hold               StatusCode = "Hold"
	VoiceMail          StatusCode = "VoiceMail"
	FaxReceive         StatusCode = "FaxReceive"
	VoiceMailScreening StatusCode = "VoiceMailScreening"
	Tds                StatusCode = "Tds"
)

// Final reports whether a party in this state has left the call:
// Disconnected, or Gone (moved to the session named by Status.PeerID).
func (c StatusCode) Final() bool { return c == Disconnected || c == Gone }

// Reason explains a status (Status.Reason). Values outside the documented
// set, such as the observed Gone reasons "Conference" and "Undefined", are
// kept as they came.
type Reason = string

// The documented status reasons, plus the observed ReasonConference and
// ReasonUndefined.
const (
	ReasonPickup                Reason = "Pickup"
	ReasonSupervising           Reason = "Supervising"
	ReasonTakeOver              Reason = "TakeOver"
	ReasonTimeout               Reason = "Timeout"
	ReasonBlindTransfer         Reason = "BlindTransfer"
	ReasonRccTransfer           Reason = "RccTransfer"
	ReasonAttendedTransfer      Reason = "AttendedTransfer"
	ReasonCallerInputRedirect   Reason = "CallerInputRedirect"
	ReasonCallFlip              Reason = "CallFlip"
	ReasonParkLocation          Reason = "ParkLocation"
	ReasonDtmfTransfer          Reason = "DtmfTransfer"
	ReasonAgentAnswered         Reason = "AgentAnswered"
	ReasonAgentDropped          Reason = "AgentDropped"
	ReasonRejected              Reason = "Rejected"
	ReasonCancelled             Reason = "Cancelled"
	ReasonInternalError         Reason = "InternalError"
	ReasonNoAnswer              Reason = "NoAnswer"
	ReasonTargetBusy            Reason = "TargetBusy"
	ReasonInvalidNumber         Reason = "InvalidNumber"
	ReasonInternationalDisabled Reason = "InternationalDisabled"
	ReasonDestinationBlocked    Reason = "DestinationBlocked"
	ReasonNotEnoughFunds        Reason = "NotEnoughFunds"
	ReasonNoSuchUser            Reason = "NoSuchUser"
	ReasonCallPark              Reason = "CallPark"
	ReasonCallRedirected        Reason = "CallRedirected"
	ReasonCallReplied           Reason = "CallReplied"
	ReasonCallSwitch            Reason = "CallSwitch"
	ReasonCallFinished          Reason = "CallFinished"
	ReasonCallDropped           Reason = "CallDropped"
	ReasonVoicemail             Reason = "Voicemail"
	ReasonConference            Reason = "Conference"
	ReasonUndefined             Reason = "Undefined"
)

// Origin types (Origin.Type).
const (
	OriginCall               = "Call"
	OriginRingOut            = "RingOut"
	OriginRingMe             = "RingMe"
	OriginConference         = "Conference"
	OriginGreetingsRecording = "GreetingsRecording"
	OriginVerificationCall   = "VerificationCall"
	OriginZoom               = "Zoom"
	OriginCallOut            = "CallOut"
	OriginTestCall           = "TestCall"
)

// Party directions.
const (
	Inbound  = "Inbound"
	Outbound = "Outbound"
)

// Conference roles (Party.ConferenceRole).
const (
	RoleHost        = "Host"
	RoleParticipant = "Participant"
)

// Ring-out and ring-me roles (Party.RingOutRole, Party.RingMeRole).
const (
	RoleInitiator = "Initiator"
	RoleTarget    = "Target"
)

// ParseStatusCode maps a status code as sent on the wire to a StatusCode,
// normalising the guide's spellings "Voicemail" and "VMScreening".
func ParseStatusCode(s string) StatusCode {
	switch s {
	case "Voicemail":
		return VoiceMail
	case "VMScreening":
		return VoiceMailScreening
	}
	return StatusCode(s)
}

var enums = jsonx.NewInterner(
	string(Setup), string(Proceeding), string(Answered), string(Disconnected), string(Gone),
	string(Parked), string(Hold), string(VoiceMail), string(FaxReceive), string(VoiceMailScreening),
	string(Tds), "Voicemail", "VMScreening",
	ReasonPickup, ReasonSupervising, ReasonTakeOver, ReasonTimeout, ReasonBlindTransfer,
	ReasonRccTransfer, ReasonAttendedTransfer, ReasonCallerInputRedirect, ReasonCallFlip,
	ReasonParkLocation, ReasonDtmfTransfer, ReasonAgentAnswered, ReasonAgentDropped, ReasonRejected,
	ReasonCancelled, ReasonInternalError, ReasonNoAnswer, ReasonTargetBusy, ReasonInvalidNumber,
	ReasonInternationalDisabled, ReasonDestinationBlocked, ReasonNotEnoughFunds, ReasonNoSuchUser,
	ReasonCallPark, ReasonCallRedirected, ReasonCallReplied, ReasonCallSwitch, ReasonCallFinished,
	ReasonCallDropped, ReasonConference, ReasonUndefined,
	OriginCall, OriginRingOut, OriginRingMe, OriginConference, OriginGreetingsRecording,
	OriginVerificationCall, OriginZoom, OriginCallOut, OriginTestCall,
	Inbound, Outbound, RoleHost, RoleParticipant, RoleInitiator, RoleTarget,
	"QueueName", "CallerIdName",
)
