package telephony

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseSession decodes the body of a telephony-session notification, or a
// session read from the REST API (whose party owner object is folded into
// AccountID and ExtensionID). A malformed body returns an error naming the
// offending field.
func ParseSession(body []byte) (*Session, error) {
	var s Session
	if err := s.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &s, nil
}

// ParseParty decodes one party, in the notification or the REST form.
func ParseParty(body []byte) (*Party, error) {
	var p Party
	if err := p.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &p, nil
}

// UnmarshalJSON decodes a session body tolerantly.
func (s *Session) UnmarshalJSON(b []byte) error {
	var w wireSession
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("telephony: %w", err)
	}
	w.to(s)
	return nil
}

// UnmarshalJSON decodes a party tolerantly.
func (p *Party) UnmarshalJSON(b []byte) error {
	var w wireParty
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("telephony: %w", err)
	}
	w.to(p)
	return nil
}

type wireSession struct {
	Sequence           jsonx.Int64  `json:"sequence"`
	SessionID          jsonx.String `json:"sessionId"`
	TelephonySessionID jsonx.String `json:"telephonySessionId"`
	ID                 jsonx.String `json:"id"` // the REST form names the session id "id"
	ServerID           jsonx.String `json:"serverId"`
	EventTime          jsonx.Time   `json:"eventTime"`
	CreationTime       jsonx.Time   `json:"creationTime"`
	Origin             struct {
		Type enum `json:"type"`
	} `json:"origin"`
	Parties        []wireParty  `json:"parties"`
	AccountID      jsonx.String `json:"accountId"`
	ExtensionID    jsonx.String `json:"extensionId"`
	VoiceCallToken string       `json:"voiceCallToken"`
}

type wireEndpoint struct {
	PhoneNumber jsonx.String `json:"phoneNumber"`
	Name        jsonx.String `json:"name"`
	ExtensionID jsonx.String `json:"extensionId"`
	DeviceID    jsonx.String `json:"deviceId"`
}

func (e *wireEndpoint) to() Endpoint {
	return Endpoint{PhoneNumber: string(e.PhoneNumber), Name: string(e.Name), ExtensionID: string(e.ExtensionID), DeviceID: string(e.DeviceID)}
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

type wireParty struct {
	ID          jsonx.String `json:"id"`
	AccountID   jsonx.String `json:"accountId"`
	ExtensionID jsonx.String `json:"extensionId"`
	Owner       *struct {
		AccountID   jsonx.String `json:"accountId"`
		ExtensionID jsonx.String `json:"extensionId"`
	} `json:"owner"`
	Direction enum         `json:"direction"`
	From      wireEndpoint `json:"from"`
	To        wireEndpoint `json:"to"`
	Status    struct {
		Code        enum         `json:"code"`
		Reason      enum         `json:"reason"`
		Description jsonx.String `json:"description"`
		ParkData    jsonx.String `json:"parkData"`
		PeerID      *struct {
			SessionID          jsonx.String `json:"sessionId"`
			TelephonySessionID jsonx.String `json:"telephonySessionId"`
			PartyID            jsonx.String `json:"partyId"`
		} `json:"peerId"`
		MobilePickupData *struct {
			CCMailboxes []jsonx.String `json:"ccMailboxes"`
			To          jsonx.String   `json:"to"`
			SID         jsonx.String   `json:"sid"`
			SrvLvl      jsonx.String   `json:"srvLvl"`
			SrvLvlLower jsonx.String   `json:"srvlvl"`
			SrvLvlExt   jsonx.String   `json:"srvLvlExt"`
		} `json:"mobilePickupData"`
		RCC jsonx.Bool `json:"rcc"`
	} `json:"status"`
	Park *struct {
		ID jsonx.String `json:"id"`
	} `json:"park"`
	Recordings []struct {
		ID     jsonx.String `json:"id"`
		Active jsonx.Bool   `json:"active"`
	} `json:"recordings"`
	ConferenceRole enum `json:"conferenceRole"`
	RingOutRole    enum `json:"ringOutRole"`
	RingMeRole     enum `json:"ringMeRole"`
	SIPData        *struct {
		CallID  jsonx.String `json:"callId"`
		ToTag   jsonx.String `json:"toTag"`
		FromTag jsonx.String `json:"fromTag"`
	} `json:"sipData"`
	UICallInfo *struct {
		Primary    *wireInfoLine `json:"primary"`
		Additional *wireInfoLine `json:"additional"`
	} `json:"uiCallInfo"`
	QueueCall  jsonx.Bool `json:"queueCall"`
	Attributes *struct {
		QueueCall jsonx.Bool `json:"queueCall"`
	} `json:"attributes"`
	MissedCall jsonx.Bool `json:"missedCall"`
	StandAlone jsonx.Bool `json:"standAlone"`
	Muted      jsonx.Bool `json:"muted"`
}

func (w *wireSession) to(s *Session) {
	tsid := w.TelephonySessionID
	if tsid == "" {
		tsid = w.ID
	}
	*s = Session{
		Sequence:           int64(w.Sequence),
		SessionID:          string(w.SessionID),
		TelephonySessionID: string(tsid),
		ServerID:           string(w.ServerID),
		EventTime:          time.Time(w.EventTime),
		CreationTime:       time.Time(w.CreationTime),
		Origin:             Origin{Type: string(w.Origin.Type)},
		AccountID:          string(w.AccountID),
		ExtensionID:        string(w.ExtensionID),
		VoiceCallToken:     w.VoiceCallToken,
	}
	if len(w.Parties) > 0 {
		s.Parties = make([]Party, len(w.Parties))
		for i := range w.Parties {
			w.Parties[i].to(&s.Parties[i])
		}
	}
}

func (w *wireParty) to(p *Party) {
	*p = Party{
		ID:             string(w.ID),
		AccountID:      string(w.AccountID),
		ExtensionID:    string(w.ExtensionID),
		Direction:      string(w.Direction),
		From:           w.From.to(),
		To:             w.To.to(),
		ConferenceRole: string(w.ConferenceRole),
		RingOutRole:    string(w.RingOutRole),
		RingMeRole:     string(w.RingMeRole),
		QueueCall:      bool(w.QueueCall),
		MissedCall:     bool(w.MissedCall),
		StandAlone:     bool(w.StandAlone),
		Muted:          bool(w.Muted),
	}
	if o := w.Owner; o != nil {
		if p.AccountID == "" {
			p.AccountID = string(o.AccountID)
		}
		if p.ExtensionID == "" {
			p.ExtensionID = string(o.ExtensionID)
		}
	}
	if a := w.Attributes; a != nil && bool(a.QueueCall) {
		p.QueueCall = true
	}
	st := &w.Status
	p.Status = Status{
		Code:        ParseStatusCode(string(st.Code)),
		Reason:      string(st.Reason),
		Description: string(st.Description),
		ParkData:    string(st.ParkData),
		RCC:         bool(st.RCC),
	}
	if pi := st.PeerID; pi != nil {
		p.Status.PeerID = &PeerID{SessionID: string(pi.SessionID), TelephonySessionID: string(pi.TelephonySessionID), PartyID: string(pi.PartyID)}
	}
	if m := st.MobilePickupData; m != nil {
		lvl := m.SrvLvl
		if lvl == "" {
			lvl = m.SrvLvlLower
		}
		mp := &MobilePickupData{To: string(m.To), SID: string(m.SID), SrvLvl: string(lvl), SrvLvlExt: string(m.SrvLvlExt)}
		if len(m.CCMailboxes) > 0 {
			mp.CCMailboxes = make([]string, len(m.CCMailboxes))
			for i, v := range m.CCMailboxes {
				mp.CCMailboxes[i] = string(v)
			}
		}
		p.Status.MobilePickupData = mp
	}
	// Every notification carries "park": {}; only a park id means parked.
	if w.Park != nil && w.Park.ID != "" {
		p.Park = &Park{ID: string(w.Park.ID)}
	}
	if len(w.Recordings) > 0 {
		p.Recordings = make([]Recording, len(w.Recordings))
		for i, r := range w.Recordings {
			p.Recordings[i] = Recording{ID: string(r.ID), Active: bool(r.Active)}
		}
	}
	if s := w.SIPData; s != nil {
		p.SIPData = &SIPData{CallID: string(s.CallID), ToTag: string(s.ToTag), FromTag: string(s.FromTag)}
	}
	if u := w.UICallInfo; u != nil {
		p.UICallInfo = &UICallInfo{Primary: u.Primary.to(), Additional: u.Additional.to()}
	}
}
