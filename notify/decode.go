package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/ringwatch/ringwatch/internal/wire"
	"strconv"
	"time"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/subscription"
)

// DecodeError reports a notification that could not be decoded: what was
// wrong and where.
type DecodeError struct {
	// Event is the notification's event filter, if it was read.
	Event string
	// Part is what failed: "envelope" or the kind of body ("presence
	// body", "telephony body", "reminder body", "DND body", "call-queue
	// presence body").
	Part string
	// Path is the field that was wrong, such as
	// "body.activeCalls[0].startTime"; empty when the input is not JSON at
	// all or the fault is not in one field.
	Path string
	// Offset is the byte offset of the fault in the notification, or -1
	// when it is not known.
	Offset int
	// Err is the underlying error.
	Err error
}

// Error says what failed, in which field and at which byte.
func (e *DecodeError) Error() string {
	s := "notify: decode " + e.Part
	if e.Event != "" {
		s += " of " + strconv.Quote(e.Event)
	}
	var jerr *jsonx.Error
	if errors.As(e.Err, &jerr) {
		if e.Path != "" {
			s += ": " + e.Path
		}
		return s + ": " + jerr.Msg + " (at byte " + strconv.Itoa(e.Offset) + ")"
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrNoEvent is the cause of a DecodeError for an envelope without an event
// filter: a WebSocket frame or a request rather than a notification, for
// instance.
var ErrNoEvent = errors.New("notification has no event filter")

var errNoBody = errors.New("notification has no body")

// envelope is the notification envelope. Body aliases the decoded buffer
// until the event filter says how to decode it; bodyAt is its offset there.
type envelope struct {
	uuid, event, subscriptionID, ownerID string
	timestamp                            time.Time
	body                                 []byte
	bodyAt                               int
	apns                                 *envelope
	// pre is the body already decoded in the envelope's own pass, when
	// the event filter came before the body (as RingCentral sends it);
	// preEvent is the filter it was decoded for.
	pre      Event
	preEvent string
}

func readEnvelope(r *jsonx.Reader, e *envelope) {
	for ok := r.Object(); ok; ok = r.More() {
		switch string(r.Key()) {
		case "uuid":
			e.uuid = r.String()
		case "event":
			e.event = r.String()
		case "timestamp":
			e.timestamp = r.Time()
		case "subscriptionId":
			e.subscriptionID = r.String()
		case "ownerId":
			e.ownerID = r.String()
		case "body":
			e.pre = nil
			if r.Null() {
				e.body = nil
				continue
			}
			e.bodyAt = r.Offset() // Null skipped the whitespace before the body
			if e.event != "" {
				// One pass: decode the body where it stands.
				if e.pre = decodeInPlace(r, e.event); e.pre != nil {
					e.preEvent = e.event
					e.body = r.Since(e.bodyAt)
					continue
				}
			}
			e.body = r.Raw()
		case "pn_apns":
			if r.Null() {
				e.apns = nil
				continue
			}
			e.apns = new(envelope)
			readEnvelope(r, e.apns)
		default:
			r.Skip()
		}
	}
}

// decodeInPlace decodes the body r is at as the body of a presence or
// telephony notification of the event filter, or returns nil, reading
// nothing, for any other filter (Decode then decodes it from e.body).
func decodeInPlace(r *jsonx.Reader, event string) Event {
	switch kind := subscription.Classify(event); {
	case kind == subscription.KindDNDPresence, kind == subscription.KindExtensionCallQueuePresence:
		return nil
	case kind.IsPresence():
		ev := &PresenceEvent{}
		wire.PresenceEvent(r, &ev.Body)
		return ev
	case kind.IsTelephony():
		ev := &TelephonyEvent{}
		wire.TelephonySession(r, &ev.Body)
		return ev
	}
	return nil
}

// Decode decodes one notification envelope (as delivered by a webhook, in a
// WebSocket ServerNotification frame, or decrypted from PubNub) into its
// concrete Event type, routed by the envelope's event filter as
// subscription.Classify reads it (tolerantly: elided and masked paths such
// as the guide's "/restapi/..snip../presence" are recognised by their
// tail), or, when the filter cannot tell, by the shape of the body:
//
//   - every presence filter gives a *PresenceEvent, call-queue member
//     presence included;
//   - …/presence/dnd gives a *DNDEvent;
//   - …/extension/{id}/call-queues/presence gives a *QueuePresenceEvent;
//   - account and extension telephony/sessions give a *TelephonyEvent;
//   - the subscription renewal reminder gives a *RenewalReminder;
//   - anything else gives an *Unknown, never an error.
//
// An envelope nested in the documented pn_apns wrapper is unwrapped. Decode
// copies data, so the caller may reuse it; Header.Raw holds the copy. A
// malformed notification, or JSON that is not a notification (no event
// filter), returns a *DecodeError that says what was wrong and where;
// Decode never panics.
//
// A field whose value has an unexpected shape (a platform that changed it)
// costs only that field: Decode skips it, decodes the rest and lists it in
// Header.Skipped. Only malformed JSON is an error.
//
// The strings of the returned event share one copy of data, so keeping
// any of them keeps that copy.
func Decode(data []byte) (Event, error) {
	buf := bytes.Clone(data)
	str := string(data)
	r := jsonx.NewSharedReader(buf, str)
	if c := r.Peek(); c != '{' && c != 'n' {
		// Not a skippable field but the whole input: an error.
		r.Fail("want an object, got " + r.Kind())
	}
	var env envelope
	readEnvelope(&r, &env)
	if err := r.End(); err != nil {
		return nil, newDecodeError("", "envelope", err, 0, "")
	}
	skipped := addSkipped(nil, r.Skipped(), "")
	e := &env
	bodyPath := "body"
	if e.body == nil && e.apns != nil && e.apns.body != nil {
		bodyPath = "pn_apns.body"
		inner := e.apns
		// The wrapper repeats uuid, subscriptionId and ownerId at top level;
		// prefer the inner copy and fall back to the outer one.
		if inner.uuid == "" {
			inner.uuid = e.uuid
		}
		if inner.subscriptionID == "" {
			inner.subscriptionID = e.subscriptionID
		}
		if inner.ownerID == "" {
			inner.ownerID = e.ownerID
		}
		e = inner
	}
	h := Header{
		UUID:           e.uuid,
		Event:          e.event,
		SubscriptionID: e.subscriptionID,
		OwnerID:        e.ownerID,
		Timestamp:      e.timestamp,
		Raw:            buf,
		Skipped:        skipped,
	}
	if h.Event == "" {
		return nil, &DecodeError{Part: "envelope", Offset: -1, Err: ErrNoEvent}
	}
	if e.pre != nil && e.preEvent == h.Event {
		// Decoded in the envelope's pass; its skips are in skipped
		// already, with their paths from the root.
		switch ev := e.pre.(type) {
		case *PresenceEvent:
			ev.Header = h
		case *TelephonyEvent:
			ev.Header = h
		}
		return e.pre, nil
	}
	kind := subscription.Classify(h.Event)
	if kind == subscription.KindUnknown { // the path cannot tell; the body may
		kind = sniffKind(h.Event, e.body)
	}
	switch {
	case kind == subscription.KindDNDPresence:
		return decodeDND(h, e, str, bodyPath)
	case kind == subscription.KindExtensionCallQueuePresence:
		return decodeQueuePresence(h, e, str, bodyPath)
	case kind.IsPresence():
		ev := &PresenceEvent{Header: h}
		if e.body == nil {
			return nil, &DecodeError{Event: h.Event, Part: "presence body", Path: bodyPath, Offset: -1, Err: errNoBody}
		}
		br := bodyReader(e, str)
		wire.PresenceEvent(&br, &ev.Body)
		if err := br.End(); err != nil {
			return nil, newDecodeError(h.Event, "presence body", err, e.bodyAt, bodyPath)
		}
		ev.Skipped = addSkipped(ev.Skipped, br.Skipped(), bodyPath)
		return ev, nil
	case kind.IsTelephony():
		ev := &TelephonyEvent{Header: h}
		if e.body == nil {
			return nil, &DecodeError{Event: h.Event, Part: "telephony body", Path: bodyPath, Offset: -1, Err: errNoBody}
		}
		br := bodyReader(e, str)
		wire.TelephonySession(&br, &ev.Body)
		if err := br.End(); err != nil {
			return nil, newDecodeError(h.Event, "telephony body", err, e.bodyAt, bodyPath)
		}
		ev.Skipped = addSkipped(ev.Skipped, br.Skipped(), bodyPath)
		return ev, nil
	case kind == subscription.KindRenewalReminder:
		ev := &RenewalReminder{Header: h}
		br := bodyReader(e, str)
		if e.body != nil {
			for ok := br.Object(); ok; ok = br.More() {
				if string(br.Key()) == "expiresIn" {
					ev.ExpiresIn = int(br.Int64())
				} else {
					br.Skip()
				}
			}
			if err := br.End(); err != nil {
				return nil, newDecodeError(h.Event, "reminder body", err, e.bodyAt, bodyPath)
			}
			ev.Skipped = addSkipped(ev.Skipped, br.Skipped(), bodyPath)
		}
		return ev, nil
	}
	ev := &Unknown{Header: h}
	if e.body != nil {
		ev.Body = json.RawMessage(e.body)
	}
	return ev, nil
}

// bodyReader returns a Reader of e's body whose strings are cut from str,
// the notification as a string.
func bodyReader(e *envelope, str string) jsonx.Reader {
	if e.bodyAt < 0 || e.bodyAt+len(e.body) > len(str) {
		return jsonx.NewReader(e.body)
	}
	return jsonx.NewSharedReader(e.body, str[e.bodyAt:e.bodyAt+len(e.body)])
}

// addSkipped appends to dst the values a Reader skipped, their paths put
// under prefix.
func addSkipped(dst []SkippedField, skipped []jsonx.Skipped, prefix string) []SkippedField {
	for _, sk := range skipped {
		dst = append(dst, SkippedField{Path: joinPath(prefix, sk.Path), Reason: sk.Reason})
	}
	return dst
}

func joinPath(prefix, path string) string {
	switch {
	case path == "":
		return prefix
	case prefix == "":
		return path
	case path[0] == '[':
		return prefix + path
	}
	return prefix + "." + path
}

// newDecodeError locates err, whose offset and path are relative to a body
// found at offset at in the notification under the field prefix.
func newDecodeError(event, part string, err error, at int, prefix string) *DecodeError {
	de := &DecodeError{Event: event, Part: part, Path: prefix, Offset: -1, Err: err}
	var jerr *jsonx.Error
	if errors.As(err, &jerr) {
		de.Offset = at + jerr.Offset
		de.Path = joinPath(prefix, jerr.Path)
	}
	return de
}
