package notify

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

// Errors of Subscribe and of a Subscription.
var (
	// ErrNoFilters is returned by Subscribe when no event filter is given.
	ErrNoFilters = errors.New("notify: no event filters")
	// ErrClosed is what the Subscription answers a transport that delivers
	// after the subscription has ended.
	ErrClosed = errors.New("notify: subscription closed")
	// ErrTransportStopped is the subscription's error when a transport
	// reports a failure without saying what it was.
	ErrTransportStopped = errors.New("notify: transport stopped")
)

// Subscription is a running subscription to RingCentral notifications: a
// stream of typed events fed by a transport. Read the events with Events or
// All, and call Close when done. Its methods are safe for concurrent use.
type Subscription struct {
	t   transport.Transport
	log *slog.Logger
	st  *stream
	// transportName is what *Connected events report.
	transportName string

	// parent is the context given to Subscribe; ctx is derived from it and
	// is cancelled when the subscription ends, to abort work done for it
	// (a call tracker's resync) off the transport's goroutines.
	parent    context.Context
	ctx       context.Context
	cancel    context.CancelFunc
	closeOpts options
	stopAfter func() bool // guarded by mu

	// intake serialises Deliver and State from decoding onwards, so that
	// events leave in the order they came and call tracking handles one at
	// a time. It is a semaphore (capacity 1) rather than a sync.Mutex so
	// that a Deliver waits for it only as long as its context allows: a
	// webhook answers 503 within its bound instead of waiting behind a
	// consumer that is slow. It may be held while waiting for room in the
	// buffer; Close and Fail never take it. The fields below are used only
	// under it.
	intake chan struct{}
	dedup  *dedupWindow
	// tracker is the call tracking (WithCallTracking), or nil.
	tracker *callTracker
	// curEv is the notification being delivered, and curPushed whether it
	// has reached the buffer, which decides whether its uuid is recorded.
	curEv     Event
	curPushed bool
	subID     string // the newest RingCentral subscription id seen

	mu  sync.Mutex
	err error // why the subscription ended, if not by Close

	shutOnce sync.Once
	closeErr error

	received, duplicates, decodeErrors, skipped atomic.Uint64
}

// Stats counts what a Subscription has done since it started.
type Stats struct {
	// Received is the number of notifications the transport delivered.
	Received uint64
	// Delivered is the number of events the consumer has received,
	// notifications and all other events alike. It is counted just after
	// the consumer's receive, so it may lag it by an instant.
	Delivered uint64
	// Duplicates is the number of notifications dropped because their uuid
	// had been seen.
	Duplicates uint64
	// DecodeErrors is the number of notifications skipped because they
	// could not be decoded.
	DecodeErrors uint64
	// Dropped is the number of events dropped by the DropOldest policy.
	Dropped uint64
	// SkippedFields is the number of fields skipped in decoded
	// notifications because their value had an unexpected shape
	// (Header.Skipped).
	SkippedFields uint64
}

// Subscribe subscribes to the notifications of filters over transport t and
// returns the running Subscription. It fails if filters is empty or holds
// an invalid filter (subscription.Filter.Validate), if an option is out of
// range (ErrInvalidOption), or if t.Open fails (that error, wrapped).
//
// ctx governs the whole life of the subscription, not only its creation:
// when ctx is done, the subscription ends as if Close had been called —
// Events is closed, and the transport is stopped, removing the RingCentral
// subscription, on a context of its own bounded by WithCloseTimeout, not
// on ctx — except that Err then returns context.Cause(ctx), which matches
// context.Canceled with errors.Is for a cancelled or signal.NotifyContext
// context. So the natural program is enough: pass the signal.NotifyContext
// of main to Subscribe, and defer Close, which then waits for the
// transport's stop and returns its error.
//
// The transport delivers on its own goroutines; each notification is
// decoded on the goroutine that delivers it, de-duplicated by uuid
// (WithDedupWindow), and buffered (WithBufferSize, WithOverflow). A
// notification that cannot be decoded is logged (WithLogger), counted in
// Stats and skipped. Connection-state changes arrive as *Connected,
// *Reconnecting, *Recovered, *Resubscribed and *Gap events in the same
// stream, and *Connected names the transport (Transport.Name).
func Subscribe(ctx context.Context, t transport.Transport, filters []subscription.Filter, opts ...Option) (*Subscription, error) {
	if t == nil {
		return nil, errors.New("notify: nil transport")
	}
	if len(filters) == 0 {
		return nil, ErrNoFilters
	}
	for i, f := range filters {
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("notify: filter %d (%q): %w", i, string(f), err)
		}
	}
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("notify: subscribe: %w", err)
	}

	s := &Subscription{
		t:         t,
		log:       o.logger,
		st:        newStream(o.bufferSize, o.overflow),
		parent:    ctx,
		closeOpts: o,
		dedup:     newDedupWindow(o.dedupWindow),
		intake:    make(chan struct{}, 1),
	}
	s.transportName = t.Name()
	s.ctx, s.cancel = context.WithCancel(ctx)
	if o.tracking {
		s.tracker = newCallTracker(s, &o)
	}

	// The pump runs before Open because a transport may deliver (a
	// *Connected, early notifications) before Open returns.
	go s.st.pump()
	if err := t.Open(ctx, filters, sink{s}); err != nil {
		// Close is safe after a failed Open and releases whatever the
		// transport may have started.
		if cerr := s.shutdown(nil); cerr != nil {
			s.log.Warn("notify: close transport after failed open", "err", cerr)
		}
		return nil, fmt.Errorf("notify: open transport: %w", err)
	}
	stop := context.AfterFunc(ctx, func() {
		if err := s.shutdown(context.Cause(ctx)); err != nil {
			s.log.Warn("notify: close transport", "err", err)
		}
	})
	s.mu.Lock()
	s.stopAfter = stop
	s.mu.Unlock()
	return s, nil
}

// Events returns the channel of the subscription's events. It is closed
// when the subscription ends: after Close (at once, dropping what is still
// buffered), when the context given to Subscribe is done (likewise), or
// after the transport fails for good (once the buffered events have been
// received). Err then says why.
//
// Events is the same channel on every call; read it from one goroutine, or
// use All.
func (s *Subscription) Events() <-chan Event { return s.st.out }

// All returns an iterator over the subscription's events, for use with
// range:
//
//	for ev, err := range sub.All(ctx) {
//		if err != nil {
//			return err
//		}
//		…
//	}
//
// It yields each event with a nil error. It ends:
//
//   - when the subscription ends because of an error (a transport failure,
//     or the end of the context given to Subscribe): it then yields
//     (nil, Err()) once;
//   - when it ends by Close: without an extra yield;
//   - when ctx is done: it yields (nil, ctx.Err()) once; the subscription
//     keeps running and the events not yet read stay in the buffer;
//   - when the loop breaks: the subscription keeps running.
//
// All reads the Events channel, so do not read both at once.
func (s *Subscription) All(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			select {
			case ev, ok := <-s.st.out:
				if !ok {
					if err := s.Err(); err != nil {
						yield(nil, err)
					}
					return
				}
				if !yield(ev, nil) {
					return
				}
			case <-ctx.Done():
				yield(nil, ctx.Err())
				return
			}
		}
	}
}

// Err says why the subscription ended. It is nil while the subscription
// runs and when it ended because Close was called; otherwise it is the
// error the transport failed with, or the cause of the end of the context
// given to Subscribe. A failure stays reported after a later Close.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription: it stops intake, closes the Events channel
// (dropping what is still buffered), stops the transport, which removes
// the RingCentral subscription unless it was configured to keep it, and
// returns the transport's error from doing so. When Close returns, every
// goroutine of the subscription and of its transport has exited. Close is
// idempotent: every call waits for the first one and returns its result.
func (s *Subscription) Close() error {
	return s.shutdown(nil)
}

// Stats returns the subscription's counters.
func (s *Subscription) Stats() Stats {
	return Stats{
		Received:     s.received.Load(),
		Delivered:    s.st.delivered.Load(),
		Duplicates:   s.duplicates.Load(),
		DecodeErrors: s.decodeErrors.Load(),
		Dropped:      s.st.dropped.Load(),

		SkippedFields: s.skipped.Load(),
	}
}

// lockIntake takes the intake lock, waiting at most until ctx is done
// (its error) or the subscription has ended (ErrClosed).
func (s *Subscription) lockIntake(ctx context.Context) error {
	select {
	case s.intake <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.intake <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("notify: wait for intake: %w", ctx.Err())
	case <-s.st.end:
		return ErrClosed
	}
}

func (s *Subscription) unlockIntake() { <-s.intake }

// end records why the subscription ended and stops intake; the first
// caller wins, and end reports whether it was this one. cause nil means
// Close.
func (s *Subscription) end(cause error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.st.close() {
		return false
	}
	s.err = cause
	return true
}

// shutdown ends the subscription once with cause (nil for Close) and stops
// everything; concurrent and later callers wait for the first and get its
// result.
func (s *Subscription) shutdown(cause error) error {
	s.shutOnce.Do(func() {
		s.end(cause)
		close(s.st.stop)
		// Cancelled before the transport is closed: work for this
		// subscription on the transport's goroutines must stop for the
		// transport's Close to return.
		s.cancel()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(s.parent), s.closeOpts.closeTimeout)
		if err := s.t.Close(cctx); err != nil {
			s.closeErr = fmt.Errorf("notify: close transport: %w", err)
		}
		cancel()
		<-s.st.done
		if s.tracker != nil {
			s.tracker.wait(true) // its resync sees s.ctx done and exits
		}
		s.mu.Lock()
		stop := s.stopAfter
		s.mu.Unlock()
		if stop != nil {
			stop()
		}
	})
	return s.closeErr
}
