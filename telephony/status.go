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

// The values RingCentral sends in Status.Reason (and that Change.Reason
// carries): the documented reasons, plus the observed ReasonConference and
// ReasonUndefined. Status.Reason is a plain string: a value outside this
// set, such as a reason RingCentral adds later, is kept as it came.
const (
	ReasonPickup                = "Pickup"
	ReasonSupervising           = "Supervising"
	ReasonTakeOver              = "TakeOver"
	ReasonTimeout               = "Timeout"
	ReasonBlindTransfer         = "BlindTransfer"
	ReasonRccTransfer           = "RccTransfer"
	ReasonAttendedTransfer      = "AttendedTransfer"
	ReasonCallerInputRedirect   = "CallerInputRedirect"
	ReasonCallFlip              = "CallFlip"
	ReasonParkLocation          = "ParkLocation"
	ReasonDtmfTransfer          = "DtmfTransfer"
	ReasonAgentAnswered         = "AgentAnswered"
	ReasonAgentDropped          = "AgentDropped"
	ReasonRejected              = "Rejected"
	ReasonCancelled             = "Cancelled"
	ReasonInternalError         = "InternalError"
	ReasonNoAnswer              = "NoAnswer"
	ReasonTargetBusy            = "TargetBusy"
	ReasonInvalidNumber         = "InvalidNumber"
	ReasonInternationalDisabled = "InternationalDisabled"
	ReasonDestinationBlocked    = "DestinationBlocked"
	ReasonNotEnoughFunds        = "NotEnoughFunds"
	ReasonNoSuchUser            = "NoSuchUser"
	ReasonCallPark              = "CallPark"
	ReasonCallRedirected        = "CallRedirected"
	ReasonCallReplied           = "CallReplied"
	ReasonCallSwitch            = "CallSwitch"
	ReasonCallFinished          = "CallFinished"
	ReasonCallDropped           = "CallDropped"
	ReasonVoicemail             = "Voicemail"
	ReasonConference            = "Conference"
	ReasonUndefined             = "Undefined"
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
