package presence

import (
	"fmt"

	"github.com/ringwatch/ringwatch/internal/jsonx"
)

// ParseQueueEvent decodes the body of an agent's call-queue presence
// notification (…/extension/{id}/call-queues/presence). It is tolerant as
// ParseEvent is: ids may be JSON numbers, acceptCalls may be the string
// "true" or "false", unknown fields are skipped; a malformed body returns
// an error naming the offending field and its byte offset.
func ParseQueueEvent(body []byte) (*QueueEvent, error) {
	var e QueueEvent
	if err := e.UnmarshalJSON(body); err != nil {
		return nil, err
	}
	return &e, nil
}

// UnmarshalJSON decodes a call-queue presence notification body
// tolerantly.
func (e *QueueEvent) UnmarshalJSON(b []byte) error {
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
func (e *QueueEvent) decodeFrom(r *jsonx.Reader) {
	*e = QueueEvent{}
	if r == nil {
		return
	}
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "extensionId":
			e.ExtensionID = r.String()
		case "callQueueId":
			e.CallQueueID = r.String()
		case "acceptCalls":
			e.AcceptCalls = r.Bool()
		default:
			r.Skip()
		}
	}
}
