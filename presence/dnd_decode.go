package presence

import (
	"fmt"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseDNDEvent decodes the body of a DND notification (…/presence/dnd).
// It is tolerant as ParseEvent is: an id may be a JSON number, unknown
// fields are skipped; a malformed body returns an error naming the
// offending field and its byte offset.
func ParseDNDEvent(body []byte) (*DNDEvent, error) {
	var e DNDEvent
	if err := e.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &e, nil
}

// UnmarshalJSON decodes a DND notification body tolerantly.
func (e *DNDEvent) UnmarshalJSON(b []byte) error {
	r := jsonx.NewReader(b)
	e.decodeFrom(&r)
	if err := r.End(); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return nil
}

// decodeFrom decodes the body from r, which notify shares with the rest of
// the notification (through internal/wire); a value of an unexpected shape
// is skipped and left in r.Skipped.
func (e *DNDEvent) decodeFrom(r *jsonx.Reader) {
	*e = DNDEvent{}
	if r == nil {
		return
	}
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "extensionId":
			e.ExtensionID = r.String()
		case "dndStatus":
			e.DNDStatus = r.Enum(enums)
		case "dndStatusPersonal":
			e.DNDStatusPersonal = r.Enum(enums)
		default:
			r.Skip()
		}
	}
}
