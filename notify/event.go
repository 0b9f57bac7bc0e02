package notify

import (
	"encoding/json"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// Event is one item of a subscription's stream. It is a sealed union: the
// concrete types are the notification events (*PresenceEvent, *DNDEvent,
// *QueuePresenceEvent, *TelephonyEvent, *RenewalReminder, *Unknown), the
// connection-state events
// (*Connected, *Reconnecting, *Recovered, *Resubscribed, *Gap, *Overflow),
// and the change events the call trackers add. Use a type switch, and
// ignore the types you do not need: new types may be added.
type Event interface {
	// EventHeader returns the envelope fields of the event.
	EventHeader() *Header
	isEvent()
}

// Header holds the envelope of a notification. Connection-state events fill
// only Timestamp (and SubscriptionID where known).
type Header struct {
	// UUID identifies the notification; recovery may deliver it again, and
	// Subscription drops repeats.
	UUID string
	// Event is the event filter that matched, with ids resolved.
	Event string
	// SubscriptionID is the subscription that delivered it.
	SubscriptionID string
	// OwnerID is the extension that owns the subscription.
	OwnerID string
	// Timestamp is when RingCentral sent the notification, or when a
	// connection-state change happened.
	Timestamp time.Time
	// Raw is the whole notification as received (after unwrapping the
	// transport's framing and decrypting), for fields the models lack.
	Raw json.RawMessage
	// Skipped lists the fields of the notification that were skipped
	// because their value had another shape than the model's (an object
	// where a string belongs, a number that is not an integer, a timestamp
	// that does not parse): the event carries everything else. Nil when
	// nothing was skipped; at most jsonx.MaxSkipped (64) entries per part.
	Skipped []SkippedField
}

// SkippedField is one field that Decode skipped because its value had an
// unexpected shape: a sign that the platform changed the field.
type SkippedField struct {
	// Path locates the field from the notification's root, such as
	// "body.appearances" or "body.activeCalls[0].startTime".
	Path string
	// Reason says what was expected and what came, such as "want an
	// array, got object".
	Reason string
}

// EventHeader returns h. Every event type embeds Header, so this method is
// promoted to all of them.
func (h *Header) EventHeader() *Header { return h }

// PresenceEvent is a notification of any presence filter: extension
// (simple, detailed, with SIP), line, favourite, account and call-queue
// member presence. The DND and an agent's call-queue presence filters have
// bodies of their own: see DNDEvent and QueuePresenceEvent.
type PresenceEvent struct {
	Header
	Body presence.Event
}

// TelephonyEvent is a notification of an account or extension
// telephony/sessions filter.
type TelephonyEvent struct {
	Header
	Body telephony.Session
}

// RenewalReminder is the reminder RingCentral sends when the subscription is
// about to expire (the /restapi/v1.0/subscription/~?threshold=… filter).
type RenewalReminder struct {
	Header
	// ExpiresIn is the subscription's remaining lifetime in seconds.
	ExpiresIn int
}

// Unknown is a notification of a filter ringwatch does not model
// (message-store, voicemail, …). It is never an error.
type Unknown struct {
	Header
	// Body is the notification's body, undecoded.
	Body json.RawMessage
}

func (*PresenceEvent) isEvent()   {}
func (*TelephonyEvent) isEvent()  {}
func (*RenewalReminder) isEvent() {}
func (*Unknown) isEvent()         {}
