package notify

import (
	"context"
	"log/slog"

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
// the subscription. The resync runs on the transport's goroutine, so the
// stream waits for it, and the changes it reports come before the
// notifications that follow the gap.
//
// The telephony tracker is reachable with (*Subscription).Calls, to take a
// Snapshot or Wait for a call to reach a state, and the presence tracker
// with (*Subscription).Presence; UseTracker and UsePresenceTracker supply
// them.
func WithCallTracking(opts ...CallTrackingOption) Option {
	return optionFunc(func(o *options) {
		o.stages = append(o.stages, func(o *options) stage {
			return newCallStage(o.logger, opts)
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
}

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
		return c.resync(ctx, &e.Header, e.Reason, emit)
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
