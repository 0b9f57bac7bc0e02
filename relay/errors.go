package relay

import (
	"errors"
	"strings"
)

// Errors of the relay, for errors.Is. They are wrapped with the operation
// that met them ("relay: new publisher: NATS unreachable: …").
var (
	// ErrUnreachable: the NATS server could not be reached (Connect), or the
	// connection given is not connected, or JetStream does not answer on
	// it.
	ErrUnreachable = errors.New("relay: NATS unreachable")
	// ErrPartitions: the stream exists with another number of partitions
	// than the one asked for, or with a subject transform the relay did not
	// make. Partitions are fixed for a stream's life: re-partitioning
	// would move calls between partitions mid-call.
	ErrPartitions = errors.New("relay: stream partitions do not match")
	// ErrInvalidOption: an option is out of range.
	ErrInvalidOption = errors.New("relay: invalid option")
	// ErrNoKey: a notification is not a JSON object with an envelope the
	// relay can read, so it has no partition (a poison message).
	ErrNoKey = errors.New("relay: notification has no readable envelope")
	// ErrClosed: use of a Publisher or Member after Close.
	ErrClosed = errors.New("relay: closed")
)

// opErr is an error of a relay operation: "relay: <op>: <err>", with the
// "relay: " of err (a sentinel of this package) said once.
type opErr struct {
	op  string
	err error
}

func opError(op string, err error) error { return &opErr{op: op, err: err} }

func (e *opErr) Error() string {
	return "relay: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "relay: ")
}

func (e *opErr) Unwrap() error { return e.err }
