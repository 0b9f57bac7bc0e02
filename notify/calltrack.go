package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

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
// them.
func WithCallTracking(opts ...CallTrackingOption) Option {
	return optionFunc(func(o *options) {
		o.stages = append(o.stages, func(o *options) stage {
			c := newCallStage(o.logger, opts)
			c.queueMax = max(o.bufferSize, 1)
			return c
		})
	})
}

// Calls returns the telephony tracker of the subscription's call tracking
// (WithCallTracking), or nil if it has none. Its Snapshot lists the active
// calls, and its Wait blocks until a call reaches a status; the tracker is
// safe for use from any goroutine.
func (s *Subscription) Calls() *telephony.Tracker {
	// stages is set before Subscribe returns and never changes afterwards.
	for _, st := range s.stages {
		if c, ok := st.(*callStage); ok {
			return c.calls
		}
	}
	return nil
}

// callStage is the pipeline stage of WithCallTracking. Its state is used
// only by process, which the pipeline never runs concurrently; the
// trackers have their own locks, for Calls and the presence accessors.
type callStage struct {
	cfg   callTrackingConfig
	log   *slog.Logger
	calls *telephony.Tracker
	pres  *presence.Tracker
	// connected is set once the first *Connected has gone by.
	connected bool
	// buf is reused for each notification's changes: every change is
	// copied into its own *CallChange, and the stage runs one event at a
	// time, so the tracker need not allocate a result per event.
	buf []telephony.Change

	// host runs the resync off the intake path (nil: in process, as in
	// the stage's unit tests).
	host *stageHost
	// resyncing is set while a resync's goroutine runs; the events that
	// come meanwhile wait in queued (at most queueMax notifications), and
	// queuedResync says that one of them is a *Gap that will start the
	// next resync.
	resyncing    bool
	queued       []queuedEvent
	queueMax     int
	queuedResync bool
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

func (c *callStage) start(h *stageHost) { c.host = h }

func newCallStage(log *slog.Logger, opts []CallTrackingOption) *callStage {
	cfg := defaultCallTrackingConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	cfg.normalise()
	c := &callStage{cfg: cfg, log: log, calls: cfg.tracker}
	if c.calls == nil {
		c.calls = telephony.NewTracker(cfg.trackerOpts...)
	}
	c.pres = cfg.presTracker
	if c.pres == nil {
		c.pres = presence.NewTracker()
	}
	return c
}

func (c *callStage) process(ctx context.Context, ev Event, emit func(Event) error) error {
	if c.resyncing {
		return c.enqueue(ev)
	}
	return c.handle(ctx, ev, true, emit)
}

// enqueue holds ev until the resync is done. Connection-state events are
// few and are held beyond the bound, up to twice it; notifications are
// refused at it, so that the transport reports the failure (a webhook
// answers 503, and its Transport then reports a *Gap), or under DropOldest
// the oldest of them is dropped and reported as an *Overflow.
func (c *callStage) enqueue(ev Event) error {
	notification := isNotification(ev)
	switch {
	case notification && len(c.queued) >= c.queueMax:
		if c.host == nil || !c.host.dropOldest() {
			return errResyncBacklog
		}
		// DropOldest never makes the transport wait, nor refuses: the
		// oldest held notification makes room, and an *Overflow says so.
		i := slices.IndexFunc(c.queued, func(q queuedEvent) bool { return isNotification(q.ev) })
		if i < 0 {
			return errResyncBacklog
		}
		c.queued = slices.Delete(c.queued, i, i+1)
		c.host.dropped()
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
func (c *callStage) drain(ctx context.Context, emit func(Event) error) error {
	for !c.resyncing && len(c.queued) > 0 {
		q := c.queued[0]
		c.queued[0] = queuedEvent{}
		c.queued = c.queued[1:]
		if q.resync {
			c.queuedResync = false
		}
		if err := c.handle(ctx, q.ev, q.resync, emit); err != nil {
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
func (c *callStage) handle(ctx context.Context, ev Event, mayResync bool, emit func(Event) error) error {
	if err := emit(ev); err != nil {
		return err
	}
	switch e := ev.(type) {
	case *TelephonyEvent:
		c.buf = c.calls.AppendApply(c.buf[:0], &e.Body)
		err := c.emitCalls(&e.Header, c.buf, false, emit)
		clear(c.buf) // drop references to parties until the next event
		return err
	case *PresenceEvent:
		if err := c.emitCalls(&e.Header, c.calls.Tick(), false, emit); err != nil {
			return err
		}
		if ch := c.applyPresence(e); ch != nil {
			return c.emitPresence(&e.Header, []presence.Change{*ch}, false, emit)
		}
		return nil
	case *Gap:
		if mayResync {
			return c.resync(ctx, &e.Header, e.Reason, emit)
		}
	case *Connected:
		first := !c.connected
		c.connected = true
		if first && c.cfg.onConnect {
			return c.resync(ctx, &e.Header, "connected", emit)
		}
	}
	// The tracker has no goroutine of its own: held notifications (a
	// reorder window) are released as other events go by.
	return c.emitCalls(ev.EventHeader(), c.calls.Tick(), false, emit)
}

// emitCalls emits changes, each with a copy of h.
func (c *callStage) emitCalls(h *Header, changes []telephony.Change, resync bool, emit func(Event) error) error {
	for i := range changes {
		if err := emit(&CallChange{Header: *h, Change: changes[i], Resync: resync}); err != nil {
			return err
		}
	}
	return nil
}
