package telephony

import (
	"fmt"
	"github.com/ringwatch/ringwatch/internal/wire"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseSession decodes the body of a telephony-session notification, or a
// session read from the REST API (whose session id is named "id", and
// whose party owner object is folded into AccountID and ExtensionID). A
// malformed body returns an error naming the offending field and its byte
// offset. A field whose value has another shape than the model's is
// skipped and the rest decodes; notify.Decode reports such fields in
// Header.Skipped.
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

func init() {
	wire.TelephonySession = func(r *jsonx.Reader, dst any) { dst.(*Session).decodeFrom(r) }
}

// decodeFrom decodes the session r is at, as UnmarshalJSON does, leaving
// skipped fields and errors in r. notify.Decode reaches it through
// internal/wire to read a body inside a notification. A nil r does
// nothing.
func (s *Session) decodeFrom(r *jsonx.Reader) {
	if r != nil {
		decodeSession(r, s)
	}
}

// UnmarshalJSON decodes a session body tolerantly.
func (s *Session) UnmarshalJSON(b []byte) error {
	r := jsonx.NewReader(b)
	decodeSession(&r, s)
	if err := r.End(); err != nil {
		return fmt.Errorf("telephony: %w", err)
	}
	return nil
}

// UnmarshalJSON decodes a party tolerantly.
func (p *Party) UnmarshalJSON(b []byte) error {
	r := jsonx.NewReader(b)
	decodeParty(&r, p)
	if err := r.End(); err != nil {
		return fmt.Errorf("telephony: %w", err)
	}
	return nil
}

// decodeSession reads a session in one pass. Repeated keys replace earlier
// ones, as in encoding/json.
func decodeSession(r *jsonx.Reader, s *Session) {
	*s = Session{}
	var restID string
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "sequence":
			s.Sequence = r.Int64()
		case "sessionId":
			s.SessionID = r.String()
		case "telephonySessionId":
			s.TelephonySessionID = r.String()
		case "id": // the REST form names the session id "id"
			restID = r.String()
		case "serverId":
			s.ServerID = r.String()
		case "eventTime":
			s.EventTime = r.Time()
		case "creationTime":
			s.CreationTime = r.Time()
		case "origin":
			s.Origin = Origin{}
			for ok := r.Object(); ok; ok = r.More() {
				if string(r.Key()) == "type" {
					s.Origin.Type = r.Enum(enums)
				} else {
					r.Skip()
				}
			}
		case "parties":
			s.Parties = nil
			for ok := r.Array(); ok; ok = r.More() {
				s.Parties = append(s.Parties, Party{})
				decodeParty(r, &s.Parties[len(s.Parties)-1])
			}
		case "accountId":
			s.AccountID = r.String()
		case "extensionId":
			s.ExtensionID = r.String()
		case "voiceCallToken":
			s.VoiceCallToken = r.String()
		default:
			r.Skip()
		}
	}
	if s.TelephonySessionID == "" {
		s.TelephonySessionID = restID
	}
}

func decodeParty(r *jsonx.Reader, p *Party) {
	*p = Party{}
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "id":
			p.ID = r.String()
		case "accountId":
			p.AccountID = r.String()
		case "extensionId":
			p.ExtensionID = r.String()
		case "owner":
			p.Owner = nil
			if r.Null() {
				continue
			}
			o := new(Owner)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "accountId":
					o.AccountID = r.String()
				case "extensionId":
					o.ExtensionID = r.String()
				case "brandId":
					o.BrandID = r.String()
				default:
					r.Skip()
				}
			}
			p.Owner = o
		case "metadata":
			p.Metadata = nil
			for ok := r.Array(); ok; ok = r.More() {
				var md Metadata
				for ok := r.Object(); ok; ok = r.More() {
					if string(r.Key()) != "values" {
						r.Skip()
						continue
					}
					md.Values = nil
					for ok := r.Array(); ok; ok = r.More() {
						var v MetadataValue
						for ok := r.Object(); ok; ok = r.More() {
							switch string(r.Key()) {
							case "id":
								v.ID = r.String()
							case "value":
								v.Value = r.String()
							default:
								r.Skip()
							}
						}
						md.Values = append(md.Values, v)
					}
				}
				p.Metadata = append(p.Metadata, md)
			}
		case "direction":
			p.Direction = r.Enum(enums)
		case "from":
			decodeEndpoint(r, &p.From)
		case "to":
			decodeEndpoint(r, &p.To)
		case "status":
			decodeStatus(r, &p.Status)
		case "park":
			// Every notification carries "park": {}; only a park id means
			// parked.
			p.Park = nil
			var id string
			for ok := r.Object(); ok; ok = r.More() {
				if string(r.Key()) == "id" {
					id = r.String()
				} else {
					r.Skip()
				}
			}
			if id != "" {
				p.Park = &Park{ID: id}
			}
		case "recordings":
			p.Recordings = nil
			for ok := r.Array(); ok; ok = r.More() {
				var rec Recording
				for ok := r.Object(); ok; ok = r.More() {
					switch string(r.Key()) {
					case "id":
						rec.ID = r.String()
					case "active":
						rec.Active = r.Bool()
					default:
						r.Skip()
					}
				}
				p.Recordings = append(p.Recordings, rec)
			}
		case "conferenceRole":
			p.ConferenceRole = r.Enum(enums)
		case "ringOutRole":
			p.RingOutRole = r.Enum(enums)
		case "ringMeRole":
			p.RingMeRole = r.Enum(enums)
		case "sipData":
			p.SIPData = nil
			if r.Null() {
				continue
			}
			sd := new(SIPData)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "callId":
					sd.CallID = r.String()
				case "toTag":
					sd.ToTag = r.String()
				case "fromTag":
					sd.FromTag = r.String()
				default:
					r.Skip()
				}
			}
			p.SIPData = sd
		case "uiCallInfo":
			p.UICallInfo = nil
			if r.Null() {
				continue
			}
			u := new(UICallInfo)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "primary":
					u.Primary = decodeInfoLine(r)
				case "additional":
					u.Additional = decodeInfoLine(r)
				default:
					r.Skip()
				}
			}
			p.UICallInfo = u
		case "queueCall":
			p.QueueCall = r.Bool()
		case "attributes":
			p.Attributes = nil
			if r.Null() {
				continue
			}
			a := new(Attributes)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "queueCall":
					a.QueueCall = r.Bool()
				case "emergencyCallback":
					a.EmergencyCallback = r.Bool()
				default:
					r.Skip()
				}
			}
			p.Attributes = a
		case "missedCall":
			p.MissedCall = r.Bool()
		case "standAlone":
			p.StandAlone = r.Bool()
		case "muted":
			p.Muted = r.Bool()
		default:
			r.Skip()
		}
	}
	if o := p.Owner; o != nil {
		if p.AccountID == "" {
			p.AccountID = o.AccountID
		}
		if p.ExtensionID == "" {
			p.ExtensionID = o.ExtensionID
		}
	}
	if p.Attributes != nil && p.Attributes.QueueCall {
		p.QueueCall = true
	}
}

func decodeEndpoint(r *jsonx.Reader, e *Endpoint) {
	*e = Endpoint{}
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "phoneNumber":
			e.PhoneNumber = r.String()
		case "name":
			e.Name = r.String()
		case "extensionId":
			e.ExtensionID = r.String()
		case "deviceId":
			e.DeviceID = r.String()
		default:
			r.Skip()
		}
	}
}

func decodeStatus(r *jsonx.Reader, st *Status) {
	*st = Status{}
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "code":
			st.Code = ParseStatusCode(r.Enum(enums))
		case "reason":
			st.Reason = r.Enum(enums)
		case "description":
			st.Description = r.String()
		case "parkData":
			st.ParkData = r.String()
		case "peerId":
			st.PeerID = nil
			if r.Null() {
				continue
			}
			pi := new(PeerID)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "sessionId":
					pi.SessionID = r.String()
				case "telephonySessionId":
					pi.TelephonySessionID = r.String()
				case "partyId":
					pi.PartyID = r.String()
				default:
					r.Skip()
				}
			}
			st.PeerID = pi
		case "mobilePickupData":
			st.MobilePickupData = nil
			if r.Null() {
				continue
			}
			m := new(MobilePickupData)
			var lower string
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "ccMailboxes":
					m.CCMailboxes = nil
					for ok := r.Array(); ok; ok = r.More() {
						m.CCMailboxes = append(m.CCMailboxes, r.String())
					}
				case "to":
					m.To = r.String()
				case "sid":
					m.SID = r.String()
				case "srvLvl":
					m.SrvLvl = r.String()
				case "srvlvl": // the spec's spelling
					lower = r.String()
				case "srvLvlExt":
					m.SrvLvlExt = r.String()
				default:
					r.Skip()
				}
			}
			if m.SrvLvl == "" {
				m.SrvLvl = lower
			}
			st.MobilePickupData = m
		case "rcc":
			st.RCC = r.Bool()
		default:
			r.Skip()
		}
	}
}

func decodeInfoLine(r *jsonx.Reader) *InfoLine {
	if r.Null() {
		return nil
	}
	l := new(InfoLine)
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "type":
			l.Type = r.Enum(enums)
		case "value":
			l.Value = r.String()
		default:
			r.Skip()
		}
	}
	return l
}
