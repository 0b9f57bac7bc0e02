package telephony

import "time"

// Session is the body of a telephony-session notification: the state of one
// call (a telephony session) and of the parties in it that concern the
// subscriber. A notification usually carries a single party.
type Session struct {
	// Sequence orders the notifications of one session; it is shared by
	// all of the session's parties.
	Sequence int64 `json:"sequence,omitempty"`
	// SessionID is the legacy session identifier ("0" for some linked
	// conference sessions).
	SessionID string `json:"sessionId,omitempty"`
	// TelephonySessionID identifies the call in the Call Control API.
	TelephonySessionID string `json:"telephonySessionId,omitempty"`
	// ServerID names the telephony server.
	ServerID string `json:"serverId,omitempty"`
	// EventTime is when the event happened (the spec says "call start"; the
	// guide and observed traffic use it as the event time).
	EventTime time.Time `json:"eventTime,omitzero"`
	// Origin says how the session was started.
	Origin Origin `json:"origin,omitzero"`
	// Parties lists the parties this notification reports on.
	Parties []Party `json:"parties,omitempty"`
	// AccountID and ExtensionID are sent at body level by some payloads
	// (not in the spec).
	AccountID   string `json:"accountId,omitempty"`
	ExtensionID string `json:"extensionId,omitempty"`
	// CreationTime is set on sessions read from the REST API: the time of
	// the latest session update.
	CreationTime time.Time `json:"creationTime,omitzero"`
	// VoiceCallToken is set on REST conference sessions.
	VoiceCallToken string `json:"voiceCallToken,omitempty"`
}

// Origin says how a session started; Type is one of the Origin* constants.
type Origin struct {
	Type string `json:"type,omitempty"`
}

// Party is one participant of a session.
type Party struct {
	// ID identifies the party; it is unique across sessions.
	ID string `json:"id,omitempty"`
	// AccountID and ExtensionID name the party's owner. The REST form's
	// deprecated owner object is folded into them.
	AccountID   string `json:"accountId,omitempty"`
	ExtensionID string `json:"extensionId,omitempty"`
	// Direction is Inbound or Outbound, in the party's technical sense.
	Direction string `json:"direction,omitempty"`
	// From and To are the two ends of the call as seen by this party.
	From Endpoint `json:"from,omitzero"`
	To   Endpoint `json:"to,omitzero"`
	// Status is the party's state.
	Status Status `json:"status,omitzero"`
	// Park is set while the call is parked.
	Park *Park `json:"park,omitempty"`
	// Recordings lists the party's call recordings.
	Recordings []Recording `json:"recordings,omitempty"`
	// ConferenceRole is Host or Participant in a server-side conference.
	ConferenceRole string `json:"conferenceRole,omitempty"`
	// RingOutRole and RingMeRole are Initiator or Target (REST only).
	RingOutRole string `json:"ringOutRole,omitempty"`
	RingMeRole  string `json:"ringMeRole,omitempty"`
	// SIPData is present when the filter asked for sipData=true.
	SIPData *SIPData `json:"sipData,omitempty"`
	// UICallInfo holds display lines for the call (queue name, caller id).
	UICallInfo *UICallInfo `json:"uiCallInfo,omitempty"`
	// QueueCall reports whether the call came through a call queue (the
	// REST form's attributes.queueCall is folded in).
	QueueCall bool `json:"queueCall,omitempty"`
	// Attributes holds the REST form's party attributes.
	Attributes *Attributes `json:"attributes,omitempty"`
	// Owner is the REST form's deprecated owner object; its account and
	// extension are also folded into AccountID and ExtensionID.
	Owner *Owner `json:"owner,omitempty"`
	// Metadata is the REST form's call metadata.
	Metadata []Metadata `json:"metadata,omitempty"`
	// MissedCall reports whether the party missed the call.
	MissedCall bool `json:"missedCall"`
	// StandAlone reports that the party is not connected to the session's
	// voice conference.
	StandAlone bool `json:"standAlone"`
	// Muted reports whether the party is muted (not reliable for hard
	// phones).
	Muted bool `json:"muted"`
}

// Attributes are the REST form's party attributes.
type Attributes struct {
	// QueueCall reports that the party is an agent of a call queue.
	QueueCall bool `json:"queueCall,omitempty"`
	// EmergencyCallback reports an emergency ring-back to the party.
	EmergencyCallback bool `json:"emergencyCallback,omitempty"`
}

// Owner is the REST form's (deprecated) owner of a party.
type Owner struct {
	AccountID   string `json:"accountId,omitempty"`
	ExtensionID string `json:"extensionId,omitempty"`
	BrandID     string `json:"brandId,omitempty"`
}

// Metadata is one item of a party's call metadata (MetaData).
type Metadata struct {
	Values []MetadataValue `json:"values,omitempty"`
}

// MetadataValue is one value of call metadata.
type MetadataValue struct {
	ID    string `json:"id,omitempty"`
	Value string `json:"value,omitempty"`
}

// Endpoint is one end of a call.
type Endpoint struct {
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Name        string `json:"name,omitempty"`
	ExtensionID string `json:"extensionId,omitempty"`
	DeviceID    string `json:"deviceId,omitempty"`
}

// Status is the state of a party.
type Status struct {
	// Code is the state.
	Code StatusCode `json:"code,omitempty"`
	// Reason explains the state (see the Reason* constants).
	Reason string `json:"reason,omitempty"`
	// Description is an optional message.
	Description string `json:"description,omitempty"`
	// ParkData holds the park location of a Parked call ("*8xx" for a
	// park extension; empty for the park orbit).
	ParkData string `json:"parkData,omitempty"`
	// PeerID links a Gone party to the session and party it continues in.
	PeerID *PeerID `json:"peerId,omitempty"`
	// MobilePickupData is sent for calls that can be picked up on mobile.
	MobilePickupData *MobilePickupData `json:"mobilePickupData,omitempty"`
	// RCC reports whether it is a conference call.
	RCC bool `json:"rcc"`
}

// PeerID names a linked session and party.
type PeerID struct {
	SessionID          string `json:"sessionId,omitempty"`
	TelephonySessionID string `json:"telephonySessionId,omitempty"`
	PartyID            string `json:"partyId,omitempty"`
}

// MobilePickupData is the mobile pick-up information of a ringing party. The
// spec spells the service level "srvlvl" and the guide "srvLvl"; both fill
// SrvLvl.
type MobilePickupData struct {
	CCMailboxes []string `json:"ccMailboxes,omitempty"`
	To          string   `json:"to,omitempty"`
	SID         string   `json:"sid,omitempty"`
	SrvLvl      string   `json:"srvLvl,omitempty"`
	SrvLvlExt   string   `json:"srvLvlExt,omitempty"`
}

// Park identifies a parked call.
type Park struct {
	ID string `json:"id,omitempty"`
}

// Recording is one recording of a party; Active is false while paused.
type Recording struct {
	ID     string `json:"id,omitempty"`
	Active bool   `json:"active"`
}

// SIPData holds a party's SIP dialog identifiers.
type SIPData struct {
	CallID  string `json:"callId,omitempty"`
	ToTag   string `json:"toTag,omitempty"`
	FromTag string `json:"fromTag,omitempty"`
}

// UICallInfo holds display lines for a call.
type UICallInfo struct {
	Primary    *InfoLine `json:"primary,omitempty"`
	Additional *InfoLine `json:"additional,omitempty"`
}

// InfoLine is one display line; Type is QueueName or CallerIdName.
type InfoLine struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value,omitempty"`
}

// Local returns the party's own end of the call: To for an inbound party,
// From for an outbound one.
func (p *Party) Local() Endpoint {
	if p.Direction == Outbound {
		return p.From
	}
	return p.To
}

// Remote returns who is on the other end of the call for this party: From
// (the caller) for an inbound party, To (the callee) for an outbound one.
func (p *Party) Remote() Endpoint {
	if p.Direction == Outbound {
		return p.To
	}
	return p.From
}

// localParty returns the party of extension extensionID among parties:
// the first one still in the call (status not final), else the last one
// that was, or nil when none belongs to the extension or extensionID is
// empty.
func localParty(parties []Party, extensionID string) *Party {
	if extensionID == "" {
		return nil
	}
	var last *Party
	for i := range parties {
		p := &parties[i]
		if p.ExtensionID != extensionID {
			continue
		}
		if !p.Status.Code.Final() {
			return p
		}
		last = p
	}
	return last
}

// LocalParty returns the subscriber's own party in the session: the party
// of extension extensionID (the extension the subscription watches), the
// first one still in the call when there are several, else the last one
// that left. It returns nil when no party belongs to the extension.
func (s *Session) LocalParty(extensionID string) *Party {
	return localParty(s.Parties, extensionID)
}

// Party returns the party with the given id, or nil.
func (s *Session) Party(id string) *Party {
	for i := range s.Parties {
		if s.Parties[i].ID == id {
			return &s.Parties[i]
		}
	}
	return nil
}
