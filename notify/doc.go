// Package notify turns RingCentral notifications into typed Go events.
//
// Decode decodes one notification envelope into a concrete Event:
// *PresenceEvent, *DNDEvent, *QueuePresenceEvent, *TelephonyEvent,
// *RenewalReminder or *Unknown. Subscribe
// (built on a transport from the transport/… packages) returns a
// Subscription whose Events channel carries those events, connection-state
// events such as *Gap, and optionally the call state changes computed by the
// trackers. Start with Decode to handle notifications you receive yourself,
// or with Subscribe to let ringwatch receive them.
package notify
