package presence

import "github.com/ringwatch/ringwatch/internal/jsonx"

// TelephonyStatus is the telephony presence of an extension or of one of its
// active calls. Values outside the documented set are kept as they came.
type TelephonyStatus string

// The documented telephony statuses.
const (
	NoCall        TelephonyStatus = "NoCall"
	CallConnected TelephonyStatus = "CallConnected"
	Ringing       TelephonyStatus = "Ringing"
	OnHold        TelephonyStatus = "OnHold"
	ParkedCall    TelephonyStatus = "ParkedCall"
)

// The values RingCentral sends in Event.PresenceStatus and
// Event.UserStatus (the aggregated and the user-defined presence status).
// Those fields are plain strings: a value outside this set is kept as it
// came.
const (
	StatusOffline   = "Offline"
	StatusBusy      = "Busy"
	StatusAvailable = "Available"
)

// The values RingCentral sends in the do-not-disturb fields
// (Event.DNDStatus, DNDEvent.DNDStatus, DNDEvent.DNDStatusPersonal). Those
// fields are plain strings: a value outside this set is kept as it came.
const (
	TakeAllCalls               = "TakeAllCalls"
	DoNotAcceptDepartmentCalls = "DoNotAcceptDepartmentCalls"
	TakeDepartmentCallsOnly    = "TakeDepartmentCallsOnly"
	DoNotAcceptAnyCalls        = "DoNotAcceptAnyCalls"
	DNDUnknown                 = "Unknown"
)

// MeetingStatus values.
const (
	MeetingConnected    = "Connected"
	MeetingDisconnected = "Disconnected"
)

// Direction of a call.
const (
	Inbound  = "Inbound"
	Outbound = "Outbound"
)

// TerminationType values of an ended active call.
const (
	TerminationFinal        = "final"
	TerminationIntermediate = "intermediate" // deprecated by RingCentral: the call continues on another device
)

// Line statuses of a delegated-line appearance.
const (
	LineSeized   = "Seized"
	LineReleased = "Released"
)

// Call-queue display line types (CallInfo.Primary.Type and
// CallInfo.Additional.Type).
const (
	InfoPhoneNumberLabel = "PhoneNumberLabel"
	InfoPhoneNumber      = "PhoneNumber"
	InfoQueueExtension   = "QueueExtension"
	InfoQueueName        = "QueueName"
	InfoCallerIDName     = "CallerIdName"
	InfoCallerIDNumber   = "CallerIdNumber"
	InfoNone             = "None"
)

// Caller-id visibility values (Info.CallerIDVisibility).
const (
	CallerIDVisibilityAll            = "All"
	CallerIDVisibilityNone           = "None"
	CallerIDVisibilityPermittedUsers = "PermittedUsers"
)

// Extension subtypes of a call-queue member (Member.ExtensionSubType).
const (
	SubTypeVideoPro                = "VideoPro"
	SubTypeVideoProPlus            = "VideoProPlus"
	SubTypeDigitalSignageOnlyRooms = "DigitalSignageOnlyRooms"
	SubTypeUnknown                 = "Unknown"
	SubTypeEmergency               = "Emergency"
)

// enums interns every documented enum value of this package, so decoding a
// documented value allocates nothing.
var enums = jsonx.NewInterner(
	string(NoCall), string(CallConnected), string(Ringing), string(OnHold), string(ParkedCall),
	StatusOffline, StatusBusy, StatusAvailable,
	TakeAllCalls, DoNotAcceptDepartmentCalls, TakeDepartmentCallsOnly, DoNotAcceptAnyCalls, DNDUnknown,
	MeetingConnected, MeetingDisconnected, Inbound, Outbound,
	TerminationFinal, TerminationIntermediate, LineSeized, LineReleased,
	InfoPhoneNumberLabel, InfoPhoneNumber, InfoQueueExtension, InfoQueueName, InfoCallerIDName,
	InfoCallerIDNumber, InfoNone,
	CallerIDVisibilityAll, CallerIDVisibilityNone, CallerIDVisibilityPermittedUsers,
	SubTypeVideoPro, SubTypeVideoProPlus, SubTypeDigitalSignageOnlyRooms, SubTypeUnknown, SubTypeEmergency,
)
