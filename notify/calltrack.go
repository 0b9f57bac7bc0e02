package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// WithCallTracking runs the call trackers inside the subscription: every
// *TelephonyEvent goes through a telephony.Tracker and every
// *PresenceEvent through a presence tracker of its extension, and the
// changes they report follow the event that caused them in the stream, as
// *CallChange and *PresenceChange events.
//
// With a resync source (ResyncFrom, ResyncREST), a *Gap makes the trackers
// resynchronise: they read the active calls from the REST API (RingCentral's
// own procedure: presence with the detailed telephony state, then each
// telephony session), reconcile their models with them, and report what
// changed after the *Gap, ending with telephony.ReasonResync the calls that
// vanished meanwhile. A resync that fails is retried a few times
// (ResyncRetry) and then reported as a *ResyncFailed event; it never ends
// the subscription. The resync runs on a goroutine of the subscription,
// never on the transport's: deliveries go on while it reads (a webhook
// keeps answering RingCentral promptly). The events that arrive meanwhile
// are held, in order, in a queue as large as the buffer (WithBufferSize),
// and follow the changes the resync reports: the stream reads the *Gap,
// the resync's changes, *Resynced (or *ResyncFailed), then the
// notifications that came during the resync, each applied to the
// reconciled model (those older than the REST state are dropped as stale,
// see telephony.Tracker). A notification that finds the queue full waits,
// under the Block policy, for the resync to finish, as it would for room in
// a full buffer; the wait is bounded by the delivery's context, so a webhook
// answers 503 within its bound (and its Transport then reports a *Gap).
// Under DropOldest the oldest held notification is dropped instead, and
// the consumer receives an *Overflow in its place. A *Gap that
// arrives during a resync is held like the rest, and one more resync
// follows the current one, however many gaps came.
//
// The telephony tracker is reachable with (*Subscription).Calls, to take a
// Snapshot or Wait for a call to reach a state, and the presence tracker
// with (*Subscription).Presence; UseTracker and UsePresenceTracker supply
// them. Given more than once, WithCallTracking adds its options to those
// of the earlier calls: a subscription has one call tracking.
func WithCallTracking(opts ...CallTrackingOption) Option {
	return Option(func(o *options) {
		o.tracking = true
		o.trackingOpts = append(o.trackingOpts, opts...)
	})
}

// Calls returns the telephony tracker of the subscription's call tracking
// (WithCallTracking), or nil if it has none. Its Snapshot lists the active
// calls, and its Wait blocks until a call reaches a status; the tracker is
// safe for use from any goroutine.
func (s *Subscription) Calls() *telephony.Tracker {
	if s.tracker == nil {
		return nil
	}
	return s.tracker.calls
}

// callTracker is the call tracking of a Subscription (WithCallTracking):
// the intake path hands it every event that is not a duplicate, one at a
// time and in order (notifications and connection-state events, never
// *Overflow), and it pushes each event, then the changes it caused, to the
// buffer. Its fields other than mu's are used only under the intake lock;
// the trackers have their own locks.
type callTracker struct {
	s     *Subscription
	cfg   callTrackingConfig
	log   *slog.Logger
	calls *telephony.Tracker
	pres  *presence.Tracker
	// connected is set once the first *Connected has gone by.
	connected bool
	// buf is reused for each notification's changes: every change is
	// copied into its own *CallChange, and events are handled one at a
	// time, so the tracker need not allocate a result per event.
	buf []telephony.Change

	// resyncing is set while a resync's goroutine runs; the events that
	// come meanwhile wait in queued (at most queueMax notifications), and
	// queuedResync says that one of them is a *Gap that will start the
	// next resync.
	resyncing    bool
	queued       []queuedEvent
	queueMax     int
	queuedResync bool

	// The resync goroutines, which the subscription owns: n of them run,
	// idle is closed when n drops to zero, and closed stops new ones once
	// shutdown waits for them.
	mu     sync.Mutex
	n      int
	idle   chan struct{}
	closed bool
}

// queuedEvent is an event held during a resync; resync marks the one *Gap
// of the queue that starts the next resync.
type queuedEvent struct {
	ev     Event
	resync bool
}

// errResyncBacklog is why a notification is refused while a resync runs
// and the events held meanwhile fill the queue.
var errResyncBacklog = errors.New("notify: call tracking is resynchronising and its queue is full")

func newCallTracker(s *Subscription, o *options) *callTracker {
	cfg := defaultCallTrackingConfig()
	for _, opt := range o.trackingOpts {
		if opt != nil {
			opt(&cfg)
		}
	}
	cfg.normalise()
	c := &callTracker{s: s, cfg: cfg, log: o.logger, calls: cfg.tracker, pres: cfg.presTracker,
		queueMax: max(o.bufferSize, 1)}
	if c.calls == nil {
		c.calls = telephony.NewTracker(cfg.trackerOpts...)
	}
	if c.pres == nil {
		c.pres = presence.NewTracker()
	}
	return c
}

// process handles ev, or holds it while a resync runs. The caller holds
// the intake lock.
func (c *callTracker) process(ctx context.Context, ev Event) error {
	if c.resyncing {
		return c.enqueue(ev)
	}
	return c.handle(ctx, ev, true)
}

// emit pushes ev to the subscription's buffer.
func (c *callTracker) emit(ctx context.Context, ev Event) error { return c.s.push(ctx, ev) }

// enqueue holds ev until the resync is done. Connection-state events are
// few and are held beyond the bound, up to twice it; notifications are
// refused at it, so that the transport reports the failure (a webhook
// answers 503, and its Transport then reports a *Gap), or under DropOldest
// the oldest of them is dropped and reported as an *Overflow.
func (c *callTracker) enqueue(ev Event) error {
	notification := isNotification(ev)
	switch {
	case notification && len(c.queued) >= c.queueMax:
		if c.s.st.policy != DropOldest {
			return errResyncBacklog
		}
		// DropOldest never makes the transport wait, nor refuses: the
		// oldest held notification makes room, and an *Overflow says so.
		i := slices.IndexFunc(c.queued, func(q queuedEvent) bool { return isNotification(q.ev) })
		if i < 0 {
			return errResyncBacklog
		}
		c.queued = slices.Delete(c.queued, i, i+1)
		c.s.st.drop()
	case !notification && len(c.queued) >= 2*c.queueMax:
		c.log.Warn("notify: call tracking dropped a connection-state event held during a resync", "event", fmt.Sprintf("%T", ev))
		return nil
	}
	q := queuedEvent{ev: ev}
	if _, isGap := ev.(*Gap); isGap && !c.queuedResync {
		q.resync, c.queuedResync = true, true
	}
	c.queued = append(c.queued, q)
	return nil
}

// spawn runs f on a goroutine owned by the subscription: f's ctx is done
// when the subscription ends, and shutdown waits for f to return. spawn
// reports false, and does nothing, once the subscription is ending.
func (c *callTracker) spawn(f func(ctx context.Context)) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.s.ended() {
		return false
	}
	if c.n == 0 {
		c.idle = make(chan struct{})
	}
	c.n++
	go func() {
		defer func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.n--; c.n == 0 {
				close(c.idle)
				c.idle = nil
			}
		}()
		f(c.s.ctx)
	}()
	return true
}

// idleChan returns a channel closed once no resync goroutine runs.
func (c *callTracker) idleChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle == nil {
		return closedChan
	}
	return c.idle
}

// wait returns once no resync goroutine runs; closing stops new ones from
// starting.
func (c *callTracker) wait(closing bool) {
	for {
		c.mu.Lock()
		if closing {
			c.closed = true
		}
		idle := c.idle
		c.mu.Unlock()
		if idle == nil {
			return
		}
		<-idle
	}
}

// isNotification reports whether ev came from RingCentral (rather than
// from the transport's connection state or from call tracking).
func isNotification(ev Event) bool {
	switch ev.(type) {
	case *PresenceEvent, *TelephonyEvent, *DNDEvent, *QueuePresenceEvent, *RenewalReminder, *Unknown:
		return true
	}
	return false
}

// drain handles the events held during a resync, in order, until one of
// them starts another resync.
func (c *callTracker) drain(ctx context.Context) error {
	for !c.resyncing && len(c.queued) > 0 {
		q := c.queued[0]
		c.queued[0] = queuedEvent{}
		c.queued = c.queued[1:]
		if q.resync {
			c.queuedResync = false
		}
		if err := c.handle(ctx, q.ev, q.resync); err != nil {
			return err
		}
	}
	if len(c.queued) == 0 {
		c.queued = nil
	}
	return nil
}

// handle is process for an event that is not held; a *Gap starts a resync
// only if mayResync (a *Gap held during a resync that another held *Gap
// already covers does not).
func (c *callTracker) handle(ctx context.Context, ev Event, mayResync bool) error {
	if err := c.emit(ctx, ev); err != nil {
		return err
	}
	switch e := ev.(type) {
	case *TelephonyEvent:
		c.buf = c.calls.AppendApply(c.buf[:0], &e.Body)
		err := c.emitCalls(ctx, &e.Header, c.buf, false)
		clear(c.buf) // drop references to parties until the next event
		return err
	case *PresenceEvent:
		if err := c.emitCalls(ctx, &e.Header, c.calls.Tick(), false); err != nil {
			return err
		}
		if ch := c.applyPresence(e); ch != nil {
			return c.emitPresence(ctx, &e.Header, []presence.Change{*ch}, false)
		}
		return nil
	case *Gap:
		if mayResync {
			return c.resync(ctx, &e.Header, e.Reason)
		}
	case *Connected:
		first := !c.connected
		c.connected = true
		if first && c.cfg.onConnect {
			return c.resync(ctx, &e.Header, "connected")
		}
	}
	// The tracker has no goroutine of its own: held notifications (a
	// reorder window) are released as other events go by.
	return c.emitCalls(ctx, ev.EventHeader(), c.calls.Tick(), false)
}

// emitCalls emits changes, each with a copy of h.
func (c *callTracker) emitCalls(ctx context.Context, h *Header, changes []telephony.Change, resync bool) error {
	for i := range changes {
		if err := c.emit(ctx, &CallChange{Header: *h, Change: changes[i], Resync: resync}); err != nil {
			return err
		}
	}
	return nil
}
