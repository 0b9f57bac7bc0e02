package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ringwatch/ringwatch/transport"
)

// sink is the transport.Sink a Subscription hands to its transport. It is
// a separate type so that the Subscription does not export Deliver.
type sink struct{ s *Subscription }

var _ transport.Sink = sink{}

// Deliver decodes m on the caller's goroutine and buffers the event. A
// notification that cannot be decoded is logged, counted and skipped with a
// nil error (the transport should carry on); a duplicate is counted and
// skipped likewise. Deliver returns ErrClosed once the subscription has
// ended, and ctx's error if ctx is done while it waits for its turn (the
// deliveries before it) or for room.
func (k sink) Deliver(ctx context.Context, m transport.Message) error {
	s := k.s
	if s.ended() {
		return ErrClosed
	}
	s.received.Add(1)
	// Decoding before taking the intake lock lets concurrent deliveries
	// (a webhook's handlers) decode in parallel; the order of one
	// goroutine's deliveries is kept.
	ev, err := Decode(m.Data)
	if err != nil {
		s.decodeErrors.Add(1)
		s.log.Warn("notify: skipped a notification that could not be decoded",
			"transport", m.Transport, "bytes", len(m.Data), "err", err)
		return nil
	}
	h := ev.EventHeader()
	if n := len(h.Skipped); n > 0 {
		s.skipped.Add(uint64(n))
		s.log.Warn("notify: skipped fields of unexpected shape", "event", h.Event, "uuid", h.UUID, "skipped", h.Skipped)
	}
	for {
		held, err := s.deliver(ctx, ev, h)
		if held == nil {
			return err
		}
		// Call tracking is resynchronising and holds as many events as it
		// may. Under the Block policy that is backpressure like a full
		// buffer: wait, outside the intake lock so that the resync can
		// finish, until it has, then try again. A bounded ctx (a webhook's)
		// ends the wait, and the transport reports the refusal.
		select {
		case <-held:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", err, ctx.Err())
		case <-s.st.end:
			return ErrClosed
		}
	}
}

// deliver is one attempt of Deliver under the intake lock. When the event
// is refused because a resync holds a full queue and the Block policy
// applies, held is a channel that is closed once the resync is done.
func (s *Subscription) deliver(ctx context.Context, ev Event, h *Header) (held <-chan struct{}, err error) {
	// Every wait is bounded by ctx, this one too: a webhook answers 503
	// within its bound rather than wait behind a slow consumer.
	if err := s.lockIntake(ctx); err != nil {
		return nil, err
	}
	defer s.unlockIntake()
	if s.ended() {
		return nil, ErrClosed
	}
	if s.dedup.contains(h.UUID) {
		s.duplicates.Add(1)
		s.log.Debug("notify: dropped a repeated notification", "uuid", h.UUID, "event", h.Event)
		return nil, nil
	}
	if h.SubscriptionID != "" {
		s.subID = h.SubscriptionID
	}
	s.curEv, s.curPushed = ev, false
	err = s.process(ctx, ev)
	// The uuid is remembered only once the notification is in the buffer
	// (or call tracking has held it): a delivery that failed (a
	// webhook that answered RingCentral with an error after waiting too
	// long) will be delivered again, and must not then be taken for a
	// repeat.
	if err == nil || s.curPushed {
		s.dedup.add(h.UUID)
	}
	s.curEv = nil
	if errors.Is(err, errResyncBacklog) && s.st.policy == Block {
		return s.tracker.idleChan(), err
	}
	return nil, err
}

// closedChan is a channel that is always ready: the resync has just
// finished, try again at once.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// State turns a connection-state change into its event and buffers it.
// Under the Block policy it waits for room until the subscription ends.
func (k sink) State(st transport.State) {
	s := k.s
	if s.ended() {
		return
	}
	if s.lockIntake(s.ctx) != nil {
		return // the subscription has ended
	}
	defer s.unlockIntake()
	ev := s.stateEvent(st)
	if ev == nil {
		s.log.Warn("notify: ignored an unknown connection-state change", "kind", int(st.Kind))
		return
	}
	s.logState(st)
	if err := s.process(s.ctx, ev); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, context.Canceled) {
		s.log.Warn("notify: connection-state event not delivered", "state", st.Kind.String(), "err", err)
	}
}

// Fail ends the subscription with err; the consumer receives what is
// buffered, then Events is closed and Err returns err. A resync in
// progress, and the events held during it, are finished first, so Fail
// may wait for it, until the subscription is closed at the latest.
func (k sink) Fail(err error) {
	if err == nil {
		err = ErrTransportStopped
	}
	if k.s.tracker != nil {
		k.s.tracker.wait(false)
	}
	if k.s.end(err) {
		k.s.log.Error("notify: transport failed", "err", err)
	}
}

func (s *Subscription) ended() bool {
	select {
	case <-s.st.end:
		return true
	default:
		return false
	}
}

// process hands ev to call tracking, or pushes it to the buffer. The
// caller holds intake.
func (s *Subscription) process(ctx context.Context, ev Event) error {
	if s.tracker != nil {
		return s.tracker.process(ctx, ev)
	}
	return s.push(ctx, ev)
}

// push adds ev to the buffer, noting when it is the notification being
// delivered. The caller holds intake.
func (s *Subscription) push(ctx context.Context, ev Event) error {
	err := s.st.push(ctx, ev)
	if err == nil && ev == s.curEv {
		s.curPushed = true
	}
	return err
}

func (s *Subscription) stateEvent(st transport.State) Event {
	at := st.At
	if at.IsZero() {
		at = time.Now()
	}
	subID := st.SubscriptionID
	if subID == "" {
		subID = s.subID
	}
	h := Header{SubscriptionID: subID, Timestamp: at}
	switch st.Kind {
	case transport.Connected:
		s.subID = subID
		return &Connected{Header: h, Transport: s.transportName}
	case transport.Reconnecting:
		return &Reconnecting{Header: h, Attempt: st.Attempt, Err: st.Err}
	case transport.Recovered:
		return &Recovered{Header: h}
	case transport.Resubscribed:
		prev := s.subID
		s.subID = subID
		if prev == subID {
			prev = ""
		}
		return &Resubscribed{Header: h, PreviousID: prev, Reason: reasonOf(st)}
	case transport.Gap:
		return &Gap{Header: h, Since: st.Since, Until: st.Until, Reason: reasonOf(st)}
	}
	return nil
}

func reasonOf(st transport.State) string {
	if st.Reason == "" && st.Err != nil {
		return st.Err.Error()
	}
	return st.Reason
}

func (s *Subscription) logState(st transport.State) {
	lvl := slog.LevelInfo
	if st.Kind == transport.Gap || st.Kind == transport.Reconnecting {
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("state", st.Kind.String())}
	if st.SubscriptionID != "" {
		attrs = append(attrs, slog.String("subscription", st.SubscriptionID))
	}
	if st.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", st.Attempt))
	}
	if st.Reason != "" {
		attrs = append(attrs, slog.String("reason", st.Reason))
	}
	if st.Err != nil {
		attrs = append(attrs, slog.Any("err", st.Err))
	}
	s.log.LogAttrs(s.ctx, lvl, "notify: connection state", attrs...)
}
