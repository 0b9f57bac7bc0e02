package presence

import "time"

// Event is the body of a presence notification. One type covers the simple,
// detailed (detailedTelephonyState=true) and detailed-with-SIP (sipData=true)
// variants, the line and favourite variants, and account presence: fields a
// variant does not send are left zero.
type Event struct {
	// ExtensionID is the extension whose presence this is.
	ExtensionID string `json:"extensionId,omitempty"`
	// TelephonyStatus is the extension's telephony presence; RingCentral
	// sends it when it changed.
	TelephonyStatus TelephonyStatus `json:"telephonyStatus,omitempty"`
	// AggregatedTelephonyStatus is the telephony status aggregated across
	// all telephony status sources (simple presence only).
	AggregatedTelephonyStatus TelephonyStatus `json:"aggregatedTelephonyStatus,omitempty"`
	// CXTelephonyStatus is the RingCX telephony status (NoCall or
	// CallConnected; simple presence only).
	CXTelephonyStatus TelephonyStatus `json:"cxTelephonyStatus,omitempty"`
	// ActiveCalls lists at most the latest 7 active calls (detailed
	// presence only). A call that ended is listed once more with
	// TelephonyStatus NoCall.
	ActiveCalls []ActiveCall `json:"activeCalls,omitempty"`
	// TotalActiveCalls is the number of active calls on the extension, which
	// can exceed len(ActiveCalls) (detailed presence only).
	TotalActiveCalls int `json:"totalActiveCalls,omitempty"`
	// Sequence orders the presence notifications of one extension.
	Sequence int64 `json:"sequence,omitempty"`
	// PresenceStatus is the aggregated presence status: Offline, Busy or
	// Available.
	PresenceStatus string `json:"presenceStatus,omitempty"`
	// UserStatus is the presence status the user published.
	UserStatus string `json:"userStatus,omitempty"`
	// MeetingStatus is Connected or Disconnected.
	MeetingStatus string `json:"meetingStatus,omitempty"`
	// DNDStatus is the do-not-disturb status.
	DNDStatus string `json:"dndStatus,omitempty"`
	// DNDStatusPersonal is the do-not-disturb status of a user extension
	// under the new communication handling service.
	DNDStatusPersonal string `json:"dndStatusPersonal,omitempty"`
	// AllowSeeMyPresence reports whether others may see this presence.
	AllowSeeMyPresence bool `json:"allowSeeMyPresence,omitempty"`
	// AcceptCallQueueCalls reports whether the agent takes call-queue calls.
	AcceptCallQueueCalls bool `json:"acceptCallQueueCalls,omitempty"`
	// RingOnMonitoredCall reports whether monitored calls ring here.
	RingOnMonitoredCall bool `json:"ringOnMonitoredCall,omitempty"`
	// PickUpCallsOnHold reports whether held calls may be picked up.
	PickUpCallsOnHold bool `json:"pickUpCallsOnHold,omitempty"`
	// OwnerID is the extension that owns the subscription.
	OwnerID string `json:"ownerId,omitempty"`
	// Appearances describes the lines of a delegated-lines-group extension.
	// The spec defines the field as one object (AppearancesInfo) and
	// payloads send an array; both forms decode, an object as one element.
	Appearances []Appearance `json:"appearances,omitempty"`
	// Extensions lists the monitored extensions of a presence/line event.
	Extensions []ExtensionRef `json:"extension,omitempty"`
	// QueueMembers lists the agents of a call-queue presence event.
	QueueMembers []QueueMember `json:"records,omitempty"`
}

// ActiveCall is one entry of Event.ActiveCalls.
type ActiveCall struct {
	// ID identifies the call.
	ID string `json:"id,omitempty"`
	// Direction is Inbound or Outbound.
	Direction string `json:"direction,omitempty"`
	// From is the caller's phone or extension number.
	From string `json:"from,omitempty"`
	// FromName is the caller's name.
	FromName string `json:"fromName,omitempty"`
	// To is the callee's phone or extension number.
	To string `json:"to,omitempty"`
	// ToName is the callee's name.
	ToName string `json:"toName,omitempty"`
	// TelephonyStatus is this call's status; NoCall means it ended.
	TelephonyStatus TelephonyStatus `json:"telephonyStatus,omitempty"`
	// TelephonySessionID links the call to its telephony session (the
	// telephony package and the Call Control API).
	TelephonySessionID string `json:"telephonySessionId,omitempty"`
	// PartyID identifies the extension's party in that session.
	PartyID string `json:"partyId,omitempty"`
	// SessionID is the legacy session identifier.
	SessionID string `json:"sessionId,omitempty"`
	// StartTime is when the call actually started.
	StartTime time.Time `json:"startTime,omitzero"`
	// TerminationType is "final" for an ended call, or the deprecated
	// "intermediate" when the call goes on on another device.
	TerminationType string `json:"terminationType,omitempty"`
	// OnBehalfOf is the extension on whose behalf the call is made.
	OnBehalfOf string `json:"onBehalfOf,omitempty"`
	// SIPData is present when the filter asked for sipData=true.
	SIPData *SIPData `json:"sipData,omitempty"`
	// QueueCall reports whether the call came through a call queue.
	QueueCall bool `json:"queueCall,omitempty"`
	// CallInfo holds the call-queue display lines.
	CallInfo *CallInfo `json:"callInfo,omitempty"`
	// AppearanceInfo identifies the delegated line the call is on.
	AppearanceInfo *AppearanceInfo `json:"appearanceInfo,omitempty"`
}

// Ended reports whether the active call has ended.
func (c *ActiveCall) Ended() bool { return c.TelephonyStatus == NoCall }

// SIPData holds the SIP dialog identifiers of an active call.
type SIPData struct {
	CallID      string `json:"callId,omitempty"`
	ToTag       string `json:"toTag,omitempty"`
	FromTag     string `json:"fromTag,omitempty"`
	RemoteURI   string `json:"remoteUri,omitempty"`
	LocalURI    string `json:"localUri,omitempty"`
	RCSessionID string `json:"rcSessionId,omitempty"`
}

// CallInfo holds the display lines of a call-queue call.
type CallInfo struct {
	Primary    *InfoLine `json:"primary,omitempty"`
	Additional *InfoLine `json:"additional,omitempty"`
}

// InfoLine is one display line: Type is one of the Info* constants.
type InfoLine struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value,omitempty"`
}

// AppearanceInfo identifies a delegated line.
type AppearanceInfo struct {
	PhoneNumber      string `json:"phoneNumber,omitempty"`
	AppearanceNumber int    `json:"appearanceNumber,omitempty"`
}

// Appearance is the state of one delegated line.
type Appearance struct {
	PhoneNumber      string `json:"phoneNumber,omitempty"`
	AppearanceNumber int    `json:"appearanceNumber,omitempty"`
	// LineStatus is Seized or Released.
	LineStatus string `json:"lineStatus,omitempty"`
}

// ExtensionRef names an extension, as in the body of a presence/line event.
type ExtensionRef struct {
	ID string `json:"id,omitempty"`
}

// QueueMember is one agent in a call-queue presence event
// (CallQueueMemberPresence).
type QueueMember struct {
	// Member identifies the agent.
	Member Member `json:"member,omitzero"`
	// AcceptQueueCalls reports whether the agent takes call-queue calls at
	// all (the agent's own setting).
	AcceptQueueCalls bool `json:"acceptQueueCalls,omitempty"`
	// AcceptCurrentQueueCalls reports whether the agent takes this queue's
	// calls.
	AcceptCurrentQueueCalls bool `json:"acceptCurrentQueueCalls"`
}

// Member is the extension of a call-queue agent (CallQueueMember).
type Member struct {
	// ID identifies the agent's extension.
	ID string `json:"id,omitempty"`
	// Name is the agent's name.
	Name string `json:"name,omitempty"`
	// ExtensionNumber is the agent's short number.
	ExtensionNumber string `json:"extensionNumber,omitempty"`
	// Site is the site the agent belongs to.
	Site *Site `json:"site,omitempty"`
	// ExtensionSubType is one of the SubType* constants.
	ExtensionSubType string `json:"extensionSubType,omitempty"`
}

// Site names a site of a multi-site account.
type Site struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Info is the presence of one extension as the REST API returns it
// (GET …/extension/{id}/presence and the records of account presence). It
// carries the same fields as a notification body plus the extension's
// identity. The REST form's extension object {id, uri, extensionNumber}
// fills ExtensionID, ExtensionURI and ExtensionNumber; json.Marshal writes
// those at top level, and decoding reads both forms.
type Info struct {
	Event
	// URI is the resource address.
	URI string `json:"uri,omitempty"`
	// ExtensionURI is the address of the extension.
	ExtensionURI string `json:"extensionUri,omitempty"`
	// ExtensionNumber is the short number of the extension.
	ExtensionNumber string `json:"extensionNumber,omitempty"`
	// Message is the user's status message.
	Message string `json:"message,omitempty"`
	// CallerIDVisibility is one of the CallerIDVisibility* constants.
	CallerIDVisibility string `json:"callerIdVisibility,omitempty"`
}
