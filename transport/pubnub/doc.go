// Package pubnub is ringwatch's legacy PubNub transport.
//
// RingCentral deprecated PubNub delivery in favour of WebSockets; use
// transport/websocket for new code. This package keeps existing PubNub
// subscriptions working: it creates a PubNub subscription over REST,
// subscribes to its channel with github.com/pubnub/go/v7 (v7.4.0), decrypts
// RingCentral's AES-128-ECB payloads, and renews or re-creates the
// subscription as needed.
//
// The SDK has faults that stop every other RingCentral client silently;
// the transport works around each of them: it injects the SDK's HTTP clients at once (Destroy
// panics otherwise), keeps the SDK's reconnection policy off and re-subscribes
// itself from the last timetoken after a 5xx or a timeout (PubNub replays
// what was published meanwhile, so nothing is lost and no Gap is reported),
// drains the SDK's unbuffered listener channels from one goroutine, never
// gives the SDK a logger (it would print the keys), and uses one SDK
// instance per subscribe key, because each instance leaks one goroutine
// (RequestWorkers.ReadQueue) that nothing can stop.
//
// The SDK delivers messages out of order; the transport hands them on in
// the order received. notify de-duplicates them by uuid and the trackers
// order them by sequence.
package pubnub
