package notify

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// stream is the Subscription's one bounded buffer and the goroutine that
// hands its events to the consumer.
//
// The buffer is a ring under mu rather than the consumer's channel itself,
// because DropOldest must remove the oldest event and put an *Overflow in
// its place, at the front; a channel only appends at the back. The pump
// goroutine moves events from the ring to the unbuffered channel out, so
// the stream holds at most size events plus the one the pump is offering.
//
// Ending: fail stops intake and lets the pump drain the ring before it
// closes out, so a consumer sees every event accepted before a transport
// failure; stop also makes the pump quit at once. Only the pump sends on
// and closes out, so nothing can send on a closed channel.
type stream struct {
	policy OverflowPolicy

	mu      sync.Mutex
	buf     []Event // circular
	head, n int
	ended   bool      // intake stopped
	pending uint64    // dropped since the last *Overflow
	total   uint64    // dropped since the start
	lastAt  time.Time // when the last event was dropped

	notEmpty chan struct{} // capacity 1: wakes the pump
	notFull  chan struct{} // capacity 1: wakes a producer waiting for room
	end      chan struct{} // closed when intake stops
	stop     chan struct{} // closed when the pump must quit at once
	out      chan Event
	done     chan struct{} // closed when the pump has exited

	delivered, dropped atomic.Uint64
}

func newStream(size int, policy OverflowPolicy) *stream {
	return &stream{
		policy:   policy,
		buf:      make([]Event, size),
		notEmpty: make(chan struct{}, 1),
		notFull:  make(chan struct{}, 1),
		end:      make(chan struct{}),
		stop:     make(chan struct{}),
		out:      make(chan Event),
		done:     make(chan struct{}),
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// push adds ev to the buffer. Under Block it waits for room until ctx is
// done or intake stops; under DropOldest it never waits.
func (st *stream) push(ctx context.Context, ev Event) error {
	for {
		st.mu.Lock()
		if st.ended {
			st.mu.Unlock()
			return ErrClosed
		}
		if st.n == len(st.buf) && st.policy == DropOldest {
			st.buf[st.head] = nil
			st.head = (st.head + 1) % len(st.buf)
			st.n--
			st.pending++
			st.total++
			st.lastAt = time.Now()
			st.dropped.Add(1)
		}
		if st.n < len(st.buf) {
			st.buf[(st.head+st.n)%len(st.buf)] = ev
			st.n++
			st.mu.Unlock()
			signal(st.notEmpty)
			return nil
		}
		st.mu.Unlock()
		select {
		case <-st.notFull:
		case <-st.end:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// drop counts an event dropped before it reached the buffer (held by call
// tracking during a resync), so that the consumer is told with an *Overflow.
func (st *stream) drop() {
	st.mu.Lock()
	st.pending++
	st.total++
	st.lastAt = time.Now()
	st.mu.Unlock()
	st.dropped.Add(1)
	signal(st.notEmpty)
}

// close stops intake; it reports whether this call did so.
func (st *stream) close() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.ended {
		return false
	}
	st.ended = true
	close(st.end)
	return true
}

// next takes the event the consumer should receive next: an *Overflow if
// events were dropped since the last one, else the oldest buffered event.
// ok is false when intake has stopped and nothing is left.
func (st *stream) next() (ev Event, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case st.pending > 0:
		ev = &Overflow{Header: Header{Timestamp: st.lastAt}, Dropped: st.pending, Total: st.total}
		st.pending = 0
	case st.n > 0:
		ev = st.buf[st.head]
		st.buf[st.head] = nil
		st.head = (st.head + 1) % len(st.buf)
		st.n--
		signal(st.notFull)
	case st.ended:
		return nil, false
	}
	return ev, true
}

// pump is the stream's goroutine: it runs until intake has stopped and the
// buffer is drained, or until stop.
func (st *stream) pump() {
	defer close(st.done)
	defer close(st.out)
	for {
		ev, ok := st.next()
		if !ok {
			return
		}
		if ev == nil {
			select {
			case <-st.notEmpty:
			case <-st.end:
			case <-st.stop:
				return
			}
			continue
		}
		select {
		case st.out <- ev:
			st.delivered.Add(1)
		case <-st.stop:
			return
		}
	}
}
