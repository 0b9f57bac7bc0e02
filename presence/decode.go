package presence

import (
	"fmt"
	"github.com/ringwatch/ringwatch/internal/wire"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseEvent decodes the body of a presence notification. It accepts every
// presence variant and the tolerant forms described in the package doc. A
// field whose value has another shape than the model's (an object for a
// string, say) is skipped and the rest decodes; notify.Decode reports such
// fields in Header.Skipped. Malformed JSON returns an error naming the
// offending field and its byte offset.
func ParseEvent(body []byte) (*Event, error) {
	var e Event
	if err := e.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &e, nil
}

// UnmarshalJSON decodes a presence notification body tolerantly.
func (e *Event) UnmarshalJSON(b []byte) error {
	r := jsonx.NewReader(b)
	decodeEvent(&r, e, nil)
	if err := r.End(); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return nil
}

// UnmarshalJSON decodes a REST presence resource tolerantly. Its extension
// object fills ExtensionNumber, ExtensionURI, and ExtensionID when the
// resource has no top-level extensionId.
func (in *Info) UnmarshalJSON(b []byte) error {
	r := jsonx.NewReader(b)
	decodeEvent(&r, &in.Event, in)
	if err := r.End(); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return nil
}

func init() {
	wire.PresenceEvent = func(r *jsonx.Reader, dst any) { dst.(*Event).decodeFrom(r) }
	wire.DNDEvent = func(r *jsonx.Reader, dst any) { dst.(*DNDEvent).decodeFrom(r) }
	wire.QueueEvent = func(r *jsonx.Reader, dst any) { dst.(*QueueEvent).decodeFrom(r) }
}

// decodeFrom decodes the presence body r is at, as UnmarshalJSON does,
// leaving skipped fields and errors in r. notify.Decode reaches it through
// internal/wire to read a body inside a notification. A nil r does
// nothing.
func (e *Event) decodeFrom(r *jsonx.Reader) {
	if r != nil {
		decodeEvent(r, e, nil)
	}
}

// decodeEvent reads a presence body in one pass. When info is non-nil the
// body is a REST resource, whose extra fields fill info. Repeated keys
// replace earlier ones, as in encoding/json.
func decodeEvent(r *jsonx.Reader, e *Event, info *Info) {
	*e = Event{}
	if info != nil {
		*info = Info{}
	}
	var extID, extURI, extNumber string
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "extensionId":
			e.ExtensionID = r.String()
		case "telephonyStatus":
			e.TelephonyStatus = TelephonyStatus(r.Enum(enums))
		case "aggregatedTelephonyStatus":
			e.AggregatedTelephonyStatus = TelephonyStatus(r.Enum(enums))
		case "cxTelephonyStatus":
			e.CXTelephonyStatus = TelephonyStatus(r.Enum(enums))
		case "activeCalls":
			e.ActiveCalls = nil
			for ok := r.Array(); ok; ok = r.More() {
				e.ActiveCalls = append(e.ActiveCalls, ActiveCall{})
				decodeCall(r, &e.ActiveCalls[len(e.ActiveCalls)-1])
			}
		case "totalActiveCalls":
			e.TotalActiveCalls = int(r.Int64())
		case "sequence":
			e.Sequence = r.Int64()
		case "presenceStatus":
			e.PresenceStatus = r.Enum(enums)
		case "userStatus":
			e.UserStatus = r.Enum(enums)
		case "meetingStatus":
			e.MeetingStatus = r.Enum(enums)
		case "dndStatus":
			e.DNDStatus = r.Enum(enums)
		case "dndStatusPersonal":
			e.DNDStatusPersonal = r.Enum(enums)
		case "allowSeeMyPresence":
			e.AllowSeeMyPresence = r.Bool()
		case "acceptCallQueueCalls":
			e.AcceptCallQueueCalls = r.Bool()
		case "ringOnMonitoredCall":
			e.RingOnMonitoredCall = r.Bool()
		case "pickUpCallsOnHold":
			e.PickUpCallsOnHold = r.Bool()
		case "ownerId":
			e.OwnerID = r.String()
		case "appearances":
			// The spec's AppearancesInfo is one object; payloads send an
			// array of them.
			e.Appearances = nil
			if r.Peek() == '{' {
				e.Appearances = append(e.Appearances, decodeAppearance(r))
				continue
			}
			for ok := r.Array(); ok; ok = r.More() {
				e.Appearances = append(e.Appearances, decodeAppearance(r))
			}
		case "extension":
			// An array of {id} in a presence/line body, an object {id,
			// uri, extensionNumber} in a REST presence resource.
			e.Extensions, extID = nil, ""
			if r.Peek() == '[' {
				for ok := r.Array(); ok; ok = r.More() {
					e.Extensions = append(e.Extensions, ExtensionRef{ID: decodeID(r)})
				}
				continue
			}
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "id":
					extID = r.String()
				case "uri":
					extURI = r.String()
				case "extensionNumber":
					extNumber = r.String()
				default:
					r.Skip()
				}
			}
		case "extensionNumber": // json.Marshal's spelling of Info
			extNumber = r.String()
		case "extensionUri":
			extURI = r.String()
		case "records":
			e.QueueMembers = nil
			for ok := r.Array(); ok; ok = r.More() {
				e.QueueMembers = append(e.QueueMembers, decodeQueueMember(r))
			}
		case "uri":
			s := r.String()
			if info != nil {
				info.URI = s
			}
		case "message":
			s := r.String()
			if info != nil {
				info.Message = s
			}
		case "callerIdVisibility":
			s := r.Enum(enums)
			if info != nil {
				info.CallerIDVisibility = s
			}
		default:
			r.Skip()
		}
	}
	if e.ExtensionID == "" {
		e.ExtensionID = extID
	}
	if info != nil {
		info.ExtensionNumber, info.ExtensionURI = extNumber, extURI
	}
}

func decodeAppearance(r *jsonx.Reader) Appearance {
	var a Appearance
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "phoneNumber":
			a.PhoneNumber = r.String()
		case "appearanceNumber":
			a.AppearanceNumber = int(r.Int64())
		case "lineStatus":
			a.LineStatus = r.Enum(enums)
		default:
			r.Skip()
		}
	}
	return a
}

func decodeQueueMember(r *jsonx.Reader) QueueMember {
	var m QueueMember
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "member":
			m.Member = Member{}
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "id":
					m.Member.ID = r.String()
				case "name":
					m.Member.Name = r.String()
				case "extensionNumber":
					m.Member.ExtensionNumber = r.String()
				case "extensionSubType":
					m.Member.ExtensionSubType = r.Enum(enums)
				case "site":
					m.Member.Site = nil
					if r.Null() {
						continue
					}
					site := new(Site)
					for ok := r.Object(); ok; ok = r.More() {
						switch string(r.Key()) {
						case "id":
							site.ID = r.String()
						case "name":
							site.Name = r.String()
						default:
							r.Skip()
						}
					}
					m.Member.Site = site
				default:
					r.Skip()
				}
			}
		case "acceptQueueCalls":
			m.AcceptQueueCalls = r.Bool()
		case "acceptCurrentQueueCalls":
			m.AcceptCurrentQueueCalls = r.Bool()
		default:
			r.Skip()
		}
	}
	return m
}

// decodeID reads the id of an object {"id": …}.
func decodeID(r *jsonx.Reader) string {
	var id string
	for ok := r.Object(); ok; ok = r.More() {
		if string(r.Key()) == "id" {
			id = r.String()
		} else {
			r.Skip()
		}
	}
	return id
}

func decodeCall(r *jsonx.Reader, c *ActiveCall) {
	var fromAlt string
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "id":
			c.ID = r.String()
		case "direction":
			c.Direction = r.Enum(enums)
		case "from":
			c.From = r.String()
		case "_from": // the GCM spelling, per the spec
			fromAlt = r.String()
		case "fromName":
			c.FromName = r.String()
		case "to":
			c.To = r.String()
		case "toName":
			c.ToName = r.String()
		case "telephonyStatus":
			c.TelephonyStatus = TelephonyStatus(r.Enum(enums))
		case "telephonySessionId":
			c.TelephonySessionID = r.String()
		case "partyId":
			c.PartyID = r.String()
		case "sessionId":
			c.SessionID = r.String()
		case "startTime":
			c.StartTime = r.Time()
		case "terminationType":
			c.TerminationType = r.Enum(enums)
		case "onBehalfOf":
			c.OnBehalfOf = r.String()
		case "queueCall":
			c.QueueCall = r.Bool()
		case "sipData":
			c.SIPData = nil
			if r.Null() {
				continue
			}
			s := new(SIPData)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "callId":
					s.CallID = r.String()
				case "toTag":
					s.ToTag = r.String()
				case "fromTag":
					s.FromTag = r.String()
				case "remoteUri":
					s.RemoteURI = r.String()
				case "localUri":
					s.LocalURI = r.String()
				case "rcSessionId":
					s.RCSessionID = r.String()
				default:
					r.Skip()
				}
			}
			c.SIPData = s
		case "callInfo":
			c.CallInfo = nil
			if r.Null() {
				continue
			}
			ci := new(CallInfo)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "primary":
					ci.Primary = decodeInfoLine(r)
				case "additional":
					ci.Additional = decodeInfoLine(r)
				default:
					r.Skip()
				}
			}
			c.CallInfo = ci
		case "appearanceInfo":
			c.AppearanceInfo = nil
			if r.Null() {
				continue
			}
			a := new(AppearanceInfo)
			for ok := r.Object(); ok; ok = r.More() {
				switch string(r.Key()) {
				case "phoneNumber":
					a.PhoneNumber = r.String()
				case "appearanceNumber":
					a.AppearanceNumber = int(r.Int64())
				default:
					r.Skip()
				}
			}
			c.AppearanceInfo = a
		default:
			r.Skip()
		}
	}
	if c.From == "" {
		c.From = fromAlt
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
