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
	*e = DNDEvent{}
	r := jsonx.NewReader(b)
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
	if err := r.End(); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	return nil
}
