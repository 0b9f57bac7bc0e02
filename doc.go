// Package ringwatch tells a Go program, in real time, how the calls on a
// RingCentral account change state: ringing, answered, on hold, parked,
// transferred, ended.
//
// This root package holds the credentials (Config) and the OAuth2 plumbing
// every other package uses. The work is done in the sub-packages:
//
//   - notify: Decode one notification into a typed event, or Subscribe and
//     range over a stream of them.
//   - presence and telephony: the typed models of the two notification
//     families that describe calls.
//   - subscription: event filters and the Subscription API client.
//   - transport/websocket, transport/webhook, transport/pubnub: the three
//     ways RingCentral delivers notifications.
//   - notify/notifytest: a fake RingCentral platform for your tests.
package ringwatch
