package presence

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseEvent decodes the body of a presence notification. It accepts every
// presence variant and the tolerant forms described in the package doc; a
// malformed body returns an error naming the offending field.
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := e.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &e, nil
}

// UnmarshalJSON decodes a presence notification body tolerantly.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return w.to(e, nil)
}

// UnmarshalJSON decodes a REST presence resource tolerantly.
func (in *Info) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	*in = Info{URI: w.URI, Message: w.Message, CallerIDVisibility: string(w.CallerIDVisibility)}
	return w.to(&in.Event, in)
}

// wireEvent mirrors Event with the tolerant scalar types, so one pass of
// encoding/json decodes the body; to copies it into the public types.
type wireEvent struct {
	ExtensionID               jsonx.String `json:"extensionId"`
	TelephonyStatus           enum         `json:"telephonyStatus"`
	AggregatedTelephonyStatus enum         `json:"aggregatedTelephonyStatus"`
	CXTelephonyStatus         enum         `json:"cxTelephonyStatus"`
	ActiveCalls               []wireCall   `json:"activeCalls"`
	TotalActiveCalls          jsonx.Int64  `json:"totalActiveCalls"`
	Sequence                  jsonx.Int64  `json:"sequence"`
	PresenceStatus            enum         `json:"presenceStatus"`
	UserStatus                enum         `json:"userStatus"`
	MeetingStatus             enum         `json:"meetingStatus"`
	DNDStatus                 enum         `json:"dndStatus"`
	DNDStatusPersonal         enum         `json:"dndStatusPersonal"`
	AllowSeeMyPresence        jsonx.Bool   `json:"allowSeeMyPresence"`
	AcceptCallQueueCalls      jsonx.Bool   `json:"acceptCallQueueCalls"`
	RingOnMonitoredCall       jsonx.Bool   `json:"ringOnMonitoredCall"`
	PickUpCallsOnHold         jsonx.Bool   `json:"pickUpCallsOnHold"`
	OwnerID                   jsonx.String `json:"ownerId"`
	Appearances               []struct {
		PhoneNumber      jsonx.String `json:"phoneNumber"`
		AppearanceNumber jsonx.Int64  `json:"appearanceNumber"`
		LineStatus       enum         `json:"lineStatus"`
	} `json:"appearances"`
	// Extension is an array of {id} in a presence/line body and an object
	// {id, uri, extensionNumber} in a REST presence resource.
	Extension jsonx.Ref `json:"extension"`
	Records   []struct {
		Member struct {
			ID jsonx.String `json:"id"`
		} `json:"member"`
		AcceptCurrentQueueCalls jsonx.Bool `json:"acceptCurrentQueueCalls"`
	} `json:"records"`

	// REST-only fields (Info).
	URI                string `json:"uri"`
	Message            string `json:"message"`
	CallerIDVisibility enum   `json:"callerIdVisibility"`
}

type wireCall struct {
	ID                 jsonx.String `json:"id"`
	Direction          enum         `json:"direction"`
	From               jsonx.String `json:"from"`
	FromAlt            jsonx.String `json:"_from"` // GCM spelling, per the spec
	FromName           jsonx.String `json:"fromName"`
	To                 jsonx.String `json:"to"`
	ToName             jsonx.String `json:"toName"`
	TelephonyStatus    enum         `json:"telephonyStatus"`
	TelephonySessionID jsonx.String `json:"telephonySessionId"`
	PartyID            jsonx.String `json:"partyId"`
	SessionID          jsonx.String `json:"sessionId"`
	StartTime          jsonx.Time   `json:"startTime"`
	TerminationType    enum         `json:"terminationType"`
	OnBehalfOf         jsonx.String `json:"onBehalfOf"`
	SIPData            *struct {
		CallID      jsonx.String `json:"callId"`
		ToTag       jsonx.String `json:"toTag"`
		FromTag     jsonx.String `json:"fromTag"`
		RemoteURI   jsonx.String `json:"remoteUri"`
		LocalURI    jsonx.String `json:"localUri"`
		RCSessionID jsonx.String `json:"rcSessionId"`
	} `json:"sipData"`
	QueueCall jsonx.Bool `json:"queueCall"`
	CallInfo  *struct {
		Primary    *wireInfoLine `json:"primary"`
		Additional *wireInfoLine `json:"additional"`
	} `json:"callInfo"`
	AppearanceInfo *struct {
		PhoneNumber      jsonx.String `json:"phoneNumber"`
		AppearanceNumber jsonx.Int64  `json:"appearanceNumber"`
	} `json:"appearanceInfo"`
}

type wireInfoLine struct {
	Type  enum         `json:"type"`
	Value jsonx.String `json:"value"`
}

func (l *wireInfoLine) to() *InfoLine {
	if l == nil {
		return nil
	}
	return &InfoLine{Type: string(l.Type), Value: string(l.Value)}
}

// to fills e from w. When info is non-nil the body is a REST resource and
// the extension object fills info.
func (w *wireEvent) to(e *Event, info *Info) error {
	*e = Event{
		ExtensionID:               string(w.ExtensionID),
		TelephonyStatus:           TelephonyStatus(w.TelephonyStatus),
		AggregatedTelephonyStatus: TelephonyStatus(w.AggregatedTelephonyStatus),
		CXTelephonyStatus:         TelephonyStatus(w.CXTelephonyStatus),
		TotalActiveCalls:          int(w.TotalActiveCalls),
		Sequence:                  int64(w.Sequence),
		PresenceStatus:            string(w.PresenceStatus),
		UserStatus:                string(w.UserStatus),
		MeetingStatus:             string(w.MeetingStatus),
		DNDStatus:                 string(w.DNDStatus),
		DNDStatusPersonal:         string(w.DNDStatusPersonal),
		AllowSeeMyPresence:        bool(w.AllowSeeMyPresence),
		AcceptCallQueueCalls:      bool(w.AcceptCallQueueCalls),
		RingOnMonitoredCall:       bool(w.RingOnMonitoredCall),
		PickUpCallsOnHold:         bool(w.PickUpCallsOnHold),
		OwnerID:                   string(w.OwnerID),
	}
	if len(w.ActiveCalls) > 0 {
		e.ActiveCalls = make([]ActiveCall, len(w.ActiveCalls))
		for i := range w.ActiveCalls {
			w.ActiveCalls[i].to(&e.ActiveCalls[i])
		}
	}
	if len(w.Appearances) > 0 {
		e.Appearances = make([]Appearance, len(w.Appearances))
		for i, a := range w.Appearances {
			e.Appearances[i] = Appearance{PhoneNumber: string(a.PhoneNumber), AppearanceNumber: int(a.AppearanceNumber), LineStatus: string(a.LineStatus)}
		}
	}
	if len(w.Records) > 0 {
		e.QueueMembers = make([]QueueMember, len(w.Records))
		for i, r := range w.Records {
			e.QueueMembers[i] = QueueMember{MemberID: string(r.Member.ID), AcceptCurrentQueueCalls: bool(r.AcceptCurrentQueueCalls)}
		}
	}
	if w.Extension.IsNull() {
		return nil
	}
	switch w.Extension[0] {
	case '[':
		var refs []struct {
			ID jsonx.String `json:"id"`
		}
		if err := json.Unmarshal(w.Extension, &refs); err != nil {
			return fmt.Errorf("presence: extension: %w", err)
		}
		e.Extensions = make([]ExtensionRef, len(refs))
		for i, r := range refs {
			e.Extensions[i] = ExtensionRef{ID: string(r.ID)}
		}
	case '{':
		var ext struct {
			ID              jsonx.String `json:"id"`
			ExtensionNumber jsonx.String `json:"extensionNumber"`
		}
		if err := json.Unmarshal(w.Extension, &ext); err != nil {
			return fmt.Errorf("presence: extension: %w", err)
		}
		if e.ExtensionID == "" {
			e.ExtensionID = string(ext.ID)
		}
		if info != nil {
			info.ExtensionNumber = string(ext.ExtensionNumber)
		}
	default:
		return fmt.Errorf("presence: extension: want an object or an array")
	}
	return nil
}

func (w *wireCall) to(c *ActiveCall) {
	from := w.From
	if from == "" {
		from = w.FromAlt
	}
	*c = ActiveCall{
		ID:                 string(w.ID),
		Direction:          string(w.Direction),
		From:               string(from),
		FromName:           string(w.FromName),
		To:                 string(w.To),
		ToName:             string(w.ToName),
		TelephonyStatus:    TelephonyStatus(w.TelephonyStatus),
		TelephonySessionID: string(w.TelephonySessionID),
		PartyID:            string(w.PartyID),
		SessionID:          string(w.SessionID),
		StartTime:          time.Time(w.StartTime),
		TerminationType:    string(w.TerminationType),
		OnBehalfOf:         string(w.OnBehalfOf),
		QueueCall:          bool(w.QueueCall),
	}
	if s := w.SIPData; s != nil {
		c.SIPData = &SIPData{CallID: string(s.CallID), ToTag: string(s.ToTag), FromTag: string(s.FromTag),
			RemoteURI: string(s.RemoteURI), LocalURI: string(s.LocalURI), RCSessionID: string(s.RCSessionID)}
	}
	if ci := w.CallInfo; ci != nil {
		c.CallInfo = &CallInfo{Primary: ci.Primary.to(), Additional: ci.Additional.to()}
	}
	if a := w.AppearanceInfo; a != nil {
		c.AppearanceInfo = &AppearanceInfo{PhoneNumber: string(a.PhoneNumber), AppearanceNumber: int(a.AppearanceNumber)}
	}
}
