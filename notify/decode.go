package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/subscription"
)

// DecodeError reports a notification that could not be decoded.
type DecodeError struct {
	// Event is the notification's event filter, if it was read.
	Event string
	// Part is what failed: "envelope" or the kind of body.
	Part string
	// Err is the underlying error; it names the offending field or offset.
	Err error
}

func (e *DecodeError) Error() string {
	s := "notify: decode " + e.Part
	if e.Event != "" {
		s += " of " + e.Event
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrNoEvent is the cause of a DecodeError for an envelope without an event
// filter.
var ErrNoEvent = errors.New("notification has no event filter")

// wireEnvelope is the notification envelope. Body is kept as a reference
// into the decoded buffer until the event filter says how to decode it.
type wireEnvelope struct {
	UUID           jsonx.String  `json:"uuid"`
	Event          jsonx.String  `json:"event"`
	Timestamp      jsonx.Time    `json:"timestamp"`
	SubscriptionID jsonx.String  `json:"subscriptionId"`
	OwnerID        jsonx.String  `json:"ownerId"`
	Body           jsonx.Ref     `json:"body"`
	PNAPNS         *wireEnvelope `json:"pn_apns"`
}

// Decode decodes one notification envelope (as delivered by a webhook, in a
// WebSocket ServerNotification frame, or decrypted from PubNub) into its
// concrete Event type, routed by the envelope's event filter:
//
//   - every presence filter gives a *PresenceEvent;
//   - account and extension telephony/sessions give a *TelephonyEvent;
//   - the subscription renewal reminder gives a *RenewalReminder;
//   - anything else gives an *Unknown, never an error.
//
// An envelope nested in the documented pn_apns wrapper is unwrapped. Decode
// copies data, so the caller may reuse it; Header.Raw holds the copy. A
// malformed notification returns a *DecodeError that says what was wrong
// and where; Decode never panics.
func Decode(data []byte) (Event, error) {
	buf := bytes.Clone(data)
	var env wireEnvelope
	if err := json.Unmarshal(buf, &env); err != nil {
		return nil, &DecodeError{Part: "envelope", Err: located(err)}
	}
	e := &env
	if e.Body.IsNull() && e.PNAPNS != nil && !e.PNAPNS.Body.IsNull() {
		inner := e.PNAPNS
		// The wrapper repeats uuid, subscriptionId and ownerId at top level;
		// prefer the inner copy and fall back to the outer one.
		if inner.UUID == "" {
			inner.UUID = e.UUID
		}
		if inner.SubscriptionID == "" {
			inner.SubscriptionID = e.SubscriptionID
		}
		if inner.OwnerID == "" {
			inner.OwnerID = e.OwnerID
		}
		e = inner
	}
	h := Header{
		UUID:           string(e.UUID),
		Event:          string(e.Event),
		SubscriptionID: string(e.SubscriptionID),
		OwnerID:        string(e.OwnerID),
		Timestamp:      time.Time(e.Timestamp),
		Raw:            buf,
	}
	if h.Event == "" {
		return nil, &DecodeError{Part: "envelope", Err: ErrNoEvent}
	}
	kind := subscription.Classify(h.Event)
	switch {
	case kind.IsPresence():
		ev := &PresenceEvent{Header: h}
		if e.Body.IsNull() {
			return nil, &DecodeError{Event: h.Event, Part: "presence body", Err: errNoBody}
		}
		if err := ev.Body.UnmarshalJSON(e.Body); err != nil {
			return nil, &DecodeError{Event: h.Event, Part: "presence body", Err: located(err)}
		}
		return ev, nil
	case kind.IsTelephony():
		ev := &TelephonyEvent{Header: h}
		if e.Body.IsNull() {
			return nil, &DecodeError{Event: h.Event, Part: "telephony body", Err: errNoBody}
		}
		if err := ev.Body.UnmarshalJSON(e.Body); err != nil {
			return nil, &DecodeError{Event: h.Event, Part: "telephony body", Err: located(err)}
		}
		return ev, nil
	case kind == subscription.KindRenewalReminder:
		ev := &RenewalReminder{Header: h}
		if !e.Body.IsNull() {
			var body struct {
				ExpiresIn jsonx.Int64 `json:"expiresIn"`
			}
			if err := json.Unmarshal(e.Body, &body); err != nil {
				return nil, &DecodeError{Event: h.Event, Part: "reminder body", Err: located(err)}
			}
			ev.ExpiresIn = int(body.ExpiresIn)
		}
		return ev, nil
	}
	ev := &Unknown{Header: h}
	if !e.Body.IsNull() {
		ev.Body = json.RawMessage(e.Body)
	}
	return ev, nil
}

var errNoBody = errors.New("notification has no body")

// located adds the byte offset to a JSON syntax error, whose message lacks
// it.
func located(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("at byte %d: %w", syn.Offset, err)
	}
	return err
}
