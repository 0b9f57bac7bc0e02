// Package transport defines the small interface every ringwatch transport
// implements (WebSocket, webhook, PubNub) and the values a transport hands to
// notify: raw notification bytes and connection-state changes.
//
// A transport owns the RingCentral subscription and the connection that
// feeds it; it never decodes notifications beyond what it needs for its own
// lifecycle. notify.Subscribe starts a transport with Open and stops it with
// Close. Implement Transport only to add a new way of receiving
// notifications; to receive them, use notify.Subscribe.
package transport

import (
	"context"
	"errors"
	"time"

	"github.com/ringwatch/ringwatch/subscription"
)

// Errors every transport returns, for errors.Is. A transport wraps them
// with its own prefix ("websocket: open: transport: closed").
var (
	// ErrClosed: Open after Close, or use of a transport after Close.
	ErrClosed = errors.New("transport: closed")
	// ErrAlreadyOpen: a second Open, while the first is under way or after
	// it succeeded.
	ErrAlreadyOpen = errors.New("transport: already open")
)

// Transport delivers RingCentral notifications to a Sink.
//
// Every transport of the module has the same shape: New(rc, …) with
// functional options of type Option, a life that goes New → Opening →
// Open → Closed (a failed Open returns to New, so Open may be tried
// again), ErrAlreadyOpen from a second Open and ErrClosed from Open after
// Close.
type Transport interface {
	// Name names the transport ("websocket", "webhook", "pubnub"); notify
	// reports it in its Connected events.
	Name() string
	// Open creates the RingCentral subscription for filters and starts
	// delivering to sink. It returns once the subscription exists, or with
	// the error that prevented it. After a nil return the transport keeps
	// delivering, reconnecting and re-subscribing as needed, until Close or
	// until it fails for good, which it reports with sink.Fail.
	Open(ctx context.Context, filters []subscription.Filter, sink Sink) error
	// Close stops delivery, removes the RingCentral subscription unless the
	// transport was configured to keep it, and returns after every
	// goroutine the transport started has exited. It is safe to call more
	// than once and before Open.
	Close(ctx context.Context) error
}

// Sink receives what a transport produces. notify implements it; its
// methods are safe for concurrent use.
type Sink interface {
	// Deliver hands over one notification. It may block to apply
	// backpressure, and returns an error once ctx is done or the sink is
	// shutting down; the transport should then stop delivering. The sink
	// takes ownership of m.Data.
	Deliver(ctx context.Context, m Message) error
	// State reports a connection-state change.
	State(s State)
	// Fail reports that the transport stopped for good; it ends the
	// subscription with err.
	Fail(err error)
}

// Message is one raw notification: the JSON envelope with uuid, event,
// timestamp, subscriptionId and body, already unwrapped from the
// transport's framing (and decrypted, for PubNub).
type Message struct {
	// Data is the notification envelope.
	Data []byte
	// Received is when the transport received it.
	Received time.Time
	// Transport names the transport ("websocket", "webhook", "pubnub").
	Transport string
}

// StateKind is a kind of connection-state change.
type StateKind int

// The connection-state changes a transport reports.
const (
	// Connected: the transport is connected and subscribed.
	Connected StateKind = iota + 1
	// Reconnecting: the connection was lost; the transport is trying again.
	Reconnecting
	// Recovered: the connection came back and RingCentral replayed what
	// was missed (WebSocket session recovery); nothing was lost.
	Recovered
	// Resubscribed: the RingCentral subscription was created anew (after
	// expiry, blacklisting or a failed recovery). A Gap accompanies it when
	// notifications may have been lost.
	Resubscribed
	// Gap: notifications may have been lost between State.Since and
	// State.Until. Consumers that keep state should resynchronise.
	Gap
)

var stateNames = [...]string{"", "connected", "reconnecting", "recovered", "resubscribed", "gap"}

func (k StateKind) String() string {
	if k > 0 && int(k) < len(stateNames) {
		return stateNames[k]
	}
	return "unknown"
}

// State is a connection-state change.
type State struct {
	Kind StateKind
	// At is when the change happened.
	At time.Time
	// Since and Until bound a Gap: notifications sent between them may have
	// been lost.
	Since, Until time.Time
	// SubscriptionID is the RingCentral subscription concerned (the new one
	// for Resubscribed).
	SubscriptionID string
	// Attempt counts reconnection attempts (Reconnecting).
	Attempt int
	// Err is the error that caused the change, if any. It never holds a
	// secret.
	Err error
	// Reason says why in a few words ("recovery failed", "blacklisted").
	Reason string
}
