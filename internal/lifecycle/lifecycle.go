// Package lifecycle models the life of a transport, the same way in every
// transport of the module: New → Opening → Open → Closed. A failed Open
// goes back to New; Close goes to Closed from any state, once.
//
// A Lifecycle has no lock of its own: its owner guards it with the mutex
// that guards the rest of its state, so that a change of state and what
// goes with it (a connection, a subscription id) are seen together.
package lifecycle

import "github.com/ringwatch/ringwatch/transport"

// State is where a transport is in its life.
type State uint8

// The states, in order. The zero value is New.
const (
	New State = iota
	Opening
	Open
	Closed
)

var names = [...]string{"new", "opening", "open", "closed"}

func (s State) String() string {
	if int(s) < len(names) {
		return names[s]
	}
	return "unknown"
}

// Lifecycle is a transport's state. The zero value is New. Its methods
// must be called with the owner's lock held.
type Lifecycle struct{ s State }

// BeginOpen moves New to Opening. It returns transport.ErrAlreadyOpen when
// an Open is under way or done, and transport.ErrClosed after Close.
func (l *Lifecycle) BeginOpen() error {
	switch l.s {
	case New:
		l.s = Opening
		return nil
	case Closed:
		return transport.ErrClosed
	default:
		return transport.ErrAlreadyOpen
	}
}

// Opened moves Opening to Open. It reports false when Close came first
// (the state is then Closed, and the caller undoes what Open made).
func (l *Lifecycle) Opened() bool {
	if l.s != Opening {
		return false
	}
	l.s = Open
	return true
}

// OpenFailed moves Opening back to New, so that Open may be tried again;
// after Close it stays Closed.
func (l *Lifecycle) OpenFailed() {
	if l.s == Opening {
		l.s = New
	}
}

// Close moves any state to Closed and returns the state it left; a
// second Close returns Closed.
func (l *Lifecycle) Close() State {
	prev := l.s
	l.s = Closed
	return prev
}

// State returns the current state.
func (l *Lifecycle) State() State { return l.s }

// Closed reports whether Close has been called.
func (l *Lifecycle) Closed() bool { return l.s == Closed }
