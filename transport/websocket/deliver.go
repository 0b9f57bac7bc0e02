package websocket

import (
	"context"
	"log/slog"
	"sync"

	"github.com/ringwatch/ringwatch/transport"
)

// Delivery is decoupled from reading, so that a slow consumer is never
// taken for a dead gateway. The reader of each
// connection puts notifications and the state changes they follow on a
// bounded queue; one delivery goroutine per transport hands them to the
// sink in order. A consumer that stops reading for a while (the sink's
// Deliver blocks under notify's Block policy) then no longer stops the
// reader: heartbeat answers, pings, Error frames and request answers keep
// being read while the queue fills. Only when the queue is full does the
// reader stop, and the time it then waits for room is not counted as
// silence from the gateway (see conn.waiting): a slow consumer is not a
// dead gateway. Nothing is dropped: the gateway keeps what the reader has
// not read yet.

// DefaultDeliveryBuffer is how many notifications wait between the reader
// and the sink unless WithDeliveryBuffer says otherwise.
const DefaultDeliveryBuffer = 1024

// defaultDeliveryBytes bounds the bytes of the notifications waiting.
const defaultDeliveryBytes = 32 << 20

// item is one call of the sink.
type item struct {
	msg   transport.Message // a notification when msg.Data != nil
	state *transport.State
	fail  error
	ack   chan struct{} // closed once the sink has been called, if not nil
}

// queue is the bounded FIFO between the readers and the delivery
// goroutine. Notifications count against its bounds; state changes and
// Fail do not (a reader adds at most three per connection, and the run
// goroutine waits for room before it adds its own), so that a reader never
// waits for room to report a state.
type queue struct {
	maxNotes, maxBytes int

	mu    sync.Mutex
	items []item // items[head:] are waiting
	head  int
	notes int
	bytes int
	// changed is closed and replaced on the first change after a waiter
	// took it (watched): a change nobody waits for costs no channel.
	changed chan struct{}
	watched bool
}

func newQueue(maxNotes, maxBytes int) *queue {
	return &queue{maxNotes: maxNotes, maxBytes: maxBytes, changed: make(chan struct{})}
}

// fullLocked reports whether a notification of n bytes must wait. A
// notification larger than maxBytes waits only for an empty queue.
func (q *queue) fullLocked(n int) bool {
	return q.notes >= q.maxNotes || (q.notes > 0 && q.bytes+n > q.maxBytes)
}

func (q *queue) signalLocked() {
	if q.watched {
		close(q.changed)
		q.changed = make(chan struct{})
		q.watched = false
	}
}

// waitLocked returns the channel closed on the next change.
func (q *queue) waitLocked() <-chan struct{} {
	q.watched = true
	return q.changed
}

// smallQueue is the backing array kept when the queue empties; a larger
// one (left by a burst) is let go.
const smallQueue = 64

// put adds it; a notification (or, with wait, anything) waits for room
// until ctx is done. waiting, if not nil, is told when the wait begins and
// ends. put reports whether it added it.
func (q *queue) put(ctx context.Context, it item, wait bool, waiting func(bool)) bool {
	n := len(it.msg.Data)
	note := it.msg.Data != nil
	q.mu.Lock()
	for (note || wait) && q.fullLocked(n) {
		ch := q.waitLocked()
		q.mu.Unlock()
		if waiting != nil {
			waiting(true)
		}
		select {
		case <-ch:
		case <-ctx.Done():
		}
		if waiting != nil {
			waiting(false)
		}
		if ctx.Err() != nil {
			return false
		}
		q.mu.Lock()
	}
	if len(q.items) == cap(q.items) && q.head > 0 {
		// Reuse the room of the items taken before growing.
		k := copy(q.items, q.items[q.head:])
		clear(q.items[k:])
		q.items, q.head = q.items[:k], 0
	}
	q.items = append(q.items, it)
	if note {
		q.notes++
		q.bytes += n
	}
	q.signalLocked()
	q.mu.Unlock()
	return true
}

// take removes the first item, waiting until there is one or ctx is done.
func (q *queue) take(ctx context.Context) (item, bool) {
	q.mu.Lock()
	for q.head == len(q.items) {
		ch := q.waitLocked()
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return item{}, false
		}
		q.mu.Lock()
	}
	it := q.items[q.head]
	q.items[q.head] = item{}
	q.head++
	if q.head == len(q.items) {
		q.head = 0
		if cap(q.items) > smallQueue {
			q.items = nil // let a burst's backing array go
		} else {
			q.items = q.items[:0]
		}
	}
	if it.msg.Data != nil {
		q.notes--
		q.bytes -= len(it.msg.Data)
	}
	q.signalLocked()
	q.mu.Unlock()
	return it, true
}

// deliverLoop hands the queue to the sink until ctx (the delivery context,
// cancelled when Close begins) is done.
func (t *Transport) deliverLoop(ctx context.Context) {
	for {
		it, ok := t.q.take(ctx)
		if !ok {
			return
		}
		t.deliverItem(ctx, it)
	}
}

// deliverItem hands one item to the sink (delivery goroutine only).
func (t *Transport) deliverItem(ctx context.Context, it item) {
	switch {
	case it.state != nil:
		t.sink.State(*it.state)
		if it.ack != nil {
			close(it.ack)
		}
	case it.fail != nil:
		t.sink.Fail(it.fail)
	case t.sinkDone:
		// The sink has ended: what is left is dropped.
	default:
		if err := t.sink.Deliver(ctx, it.msg); err != nil && ctx.Err() == nil {
			t.sinkDone = true
			t.opts.logger.LogAttrs(ctx, slog.LevelDebug, "websocket: sink stopped", slog.String("error", err.Error()))
		}
	}
}

// emit queues a state change behind the notifications read before it,
// without waiting for room (readers call it).
func (t *Transport) emit(st transport.State) {
	t.q.put(t.dctx, item{state: &st}, false, nil)
}

// emitAck is emit with a channel closed once the sink has the state.
func (t *Transport) emitAck(st transport.State, ack chan struct{}) {
	t.q.put(t.dctx, item{state: &st, ack: ack}, false, nil)
}

// emitWait queues a state change or a failure, waiting for room first
// (the run goroutine calls it, so that its reports stay bounded).
func (t *Transport) emitWait(it item) {
	t.q.put(t.dctx, it, true, nil)
}
