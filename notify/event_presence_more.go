package notify

import (
	"github.com/ringwatch/ringwatch/internal/wire"
	"github.com/ringwatch/ringwatch/presence"
)

// DNDEvent is a notification of an extension's do-not-disturb filter,
// …/extension/{id}/presence/dnd (subscription.DNDPresence; RingCentral's
// "Extension DND Status Event").
//
// It is a type of its own rather than a *PresenceEvent because its body is
// not a presence body: it carries the DND status and nothing else. As a
// presence.Event it would read as an extension whose telephony and presence
// statuses had become empty, and every consumer of *PresenceEvent (the
// presence tracker of WithCallTracking among them) would have to tell the
// two apart. A type switch that does not know *DNDEvent ignores it.
type DNDEvent struct {
	Header
	Body presence.DNDEvent
}

// QueuePresenceEvent is a notification of an agent's call-queue
// availability filter, …/extension/{id}/call-queues/presence
// (subscription.ExtensionCallQueuePresence; RingCentral's "Call Queue
// Presence Event"): whether one agent takes the calls of one queue.
//
// It is a type of its own rather than a *PresenceEvent because its body is
// about an agent and a queue, not an extension's presence. The member
// presence of a queue (…/call-queues/{groupId}/presence,
// subscription.CallQueueMemberPresence) is still a *PresenceEvent, its
// members in Body.QueueMembers.
type QueuePresenceEvent struct {
	Header
	Body presence.QueueEvent
}

func (*DNDEvent) isEvent()           {}
func (*QueuePresenceEvent) isEvent() {}

// decodeDND decodes the body of a DND notification found at offset at.
func decodeDND(h Header, e *envelope, str, bodyPath string) (Event, error) {
	const part = "DND body"
	if e.body == nil {
		return nil, &DecodeError{Event: h.Event, Part: part, Path: bodyPath, Offset: -1, Err: errNoBody}
	}
	ev := &DNDEvent{Header: h}
	br := bodyReader(e, str)
	wire.DNDEvent(&br, &ev.Body)
	if err := br.End(); err != nil {
		return nil, newDecodeError(h.Event, part, err, e.bodyAt, bodyPath)
	}
	ev.Skipped = addSkipped(ev.Skipped, br.Skipped(), bodyPath)
	return ev, nil
}

// decodeQueuePresence decodes the body of an agent's call-queue presence
// notification found at offset at.
func decodeQueuePresence(h Header, e *envelope, str, bodyPath string) (Event, error) {
	const part = "call-queue presence body"
	if e.body == nil {
		return nil, &DecodeError{Event: h.Event, Part: part, Path: bodyPath, Offset: -1, Err: errNoBody}
	}
	ev := &QueuePresenceEvent{Header: h}
	br := bodyReader(e, str)
	wire.QueueEvent(&br, &ev.Body)
	if err := br.End(); err != nil {
		return nil, newDecodeError(h.Event, part, err, e.bodyAt, bodyPath)
	}
	ev.Skipped = addSkipped(ev.Skipped, br.Skipped(), bodyPath)
	return ev, nil
}
