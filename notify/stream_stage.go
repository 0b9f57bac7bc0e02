package notify

import "context"

// stage is the pipeline's extension point: a step between de-duplication
// and the buffer that sees every event of the subscription, in order, and
// decides what the consumer receives in its place. The call trackers
// (WithCallTracking, issue 5) are stages.
//
// How the pipeline runs stages:
//
//   - Every event enters the first stage: each decoded notification that
//     is not a duplicate (*PresenceEvent, *TelephonyEvent,
//     *RenewalReminder, *Unknown) and each connection-state event
//     (*Connected, *Reconnecting, *Recovered, *Resubscribed, *Gap).
//     *Overflow is made after the stages, at the buffer, and never enters
//     them.
//   - process is called for one event at a time, never concurrently, in
//     the order the transport delivered them, so a stage needs no lock for
//     its own state (but must not keep emit or ctx after it returns).
//   - A stage passes events on by calling emit, which hands them to the
//     next stage, or to the buffer after the last one. It normally emits ev
//     itself and then the events derived from it (*CallChange,
//     *PresenceChange), so that they follow the event that caused them. It
//     may also emit nothing (to filter) or many events (a resync after a
//     *Gap emits what it found, then the *Gap, or the reverse, as it sees
//     fit).
//   - emit may block, under the Block policy, until the consumer makes
//     room; it returns an error when ctx is done or the subscription is
//     ending, and the stage must then return that error at once, emitting
//     nothing more.
//   - ctx is the context of the Deliver call for notifications, and the
//     subscription's own context for connection-state events; both are
//     done when the subscription is closed. process runs on the
//     transport's goroutine, under the intake lock, and every delivery
//     waits for it: it must not do I/O there. Slow work (the REST calls
//     of a resync) runs on a goroutine of the stage's host (stageStarter):
//     the stage keeps the events that arrive meanwhile in a bounded
//     queue of its own and, once the work is done, comes back under the
//     intake lock (stageHost.reenter) to emit its results and then the
//     queued events, in order.
//   - process returns only emit's error. A stage handles its own failures
//     (a resync that fails) by logging them and emitting events that say
//     so (for example a *Gap), never by ending the subscription.
//
// A stage is added by an Option that appends a constructor to
// options.stages; constructors run in Subscribe after every option is
// applied, in the order of the options, so they can read options.logger:
//
//	func WithCallTracking(opts ...TrackingOption) Option {
//		return optionFunc(func(o *options) {
//			o.stages = append(o.stages, func(o *options) stage {
//				return newCallStage(o.logger, opts...)
//			})
//		})
//	}
//
// If a stage also implements stageCloser, close is called once when the
// subscription ends, after the transport has stopped and no process call
// can be running.
type stage interface {
	process(ctx context.Context, ev Event, emit func(Event) error) error
}

// stageCloser is implemented by stages that hold resources.
type stageCloser interface {
	close()
}

// stageStarter is implemented by stages that work off the intake path;
// start is called once, in Subscribe, before any event, with the stage's
// host.
type stageStarter interface {
	start(h *stageHost)
}

// stageHost is what a stage may use of its Subscription outside process.
type stageHost struct {
	s *Subscription
	i int // the stage's index
}

// spawn runs f on a goroutine owned by the subscription. f's ctx is done
// when the subscription ends, and Close waits for f to return. spawn
// reports false, and does nothing, once the subscription is ending.
func (h *stageHost) spawn(f func(ctx context.Context)) bool {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bgClosed || s.ended() {
		return false
	}
	if s.bgN == 0 {
		s.bgIdle = make(chan struct{})
	}
	s.bgN++
	go func() {
		defer func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.bgN--; s.bgN == 0 {
				close(s.bgIdle)
				s.bgIdle = nil
			}
		}()
		f(s.ctx)
	}()
	return true
}

// dropOldest reports whether the subscription drops events rather than
// wait (the DropOldest policy); a stage that must hold events then drops
// its oldest and reports it with dropped.
func (h *stageHost) dropOldest() bool { return h.s.st.policy == DropOldest }

// dropped counts an event a stage dropped under DropOldest, as the buffer
// counts its own: the consumer receives an *Overflow in its place.
func (h *stageHost) dropped() { h.s.st.drop() }

// reenter runs f under the intake lock, as process would be run: emit
// hands events to the stages after this one, or to the buffer. It waits
// for the lock until the subscription ends (ErrClosed), and returns f's
// error.
func (h *stageHost) reenter(f func(ctx context.Context, emit func(Event) error) error) error {
	s := h.s
	if err := s.lockIntake(s.ctx); err != nil {
		return err
	}
	defer s.unlockIntake()
	if s.ended() {
		return ErrClosed
	}
	s.curCtx, s.curEv = s.ctx, nil
	err := f(s.ctx, s.emits[h.i])
	s.curCtx = nil
	return err
}
