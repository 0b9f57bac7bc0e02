package notify

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// SessionGetter reads one telephony session from the Call Control API;
// *telephony.Client satisfies it. An error matching subscription.ErrNotFound
// (HTTP 404) means the call has ended.
type SessionGetter interface {
	Session(ctx context.Context, accountID, telephonySessionID string) (*telephony.Session, error)
}

// PresenceGetter reads presence with the detailed telephony state and SIP
// data from the REST API; *presence.Client satisfies it. A resync uses
// Extension, or Account with ResyncAccount.
type PresenceGetter interface {
	Extension(ctx context.Context, accountID, extensionID string) (*presence.Info, error)
	Account(ctx context.Context, accountID string, opts *presence.AccountOptions) iter.Seq2[*presence.Info, error]
}

// Resynced reports that call tracking has resynchronised its models with
// the REST API, after the *Gap (or first *Connected) whose Header it
// carries. The *CallChange and *PresenceChange events it found come
// before it.
type Resynced struct {
	Header
	// Trigger says what started the resync: the Gap's reason, or
	// "connected".
	Trigger string
	// Attempts is the number of attempts it took, from 1.
	Attempts int
	// Sessions is the number of telephony sessions read; Active the number
	// of active calls the tracker has afterwards.
	Sessions, Active int
}

// ResyncFailed reports that call tracking could not resynchronise after
// the *Gap (or first *Connected) whose Header it carries, after every
// attempt (ResyncRetry). The models keep their state from before; the
// next gap tries again. The subscription goes on.
type ResyncFailed struct {
	Header
	// Trigger says what started the resync.
	Trigger string
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the last attempt's error; it never holds a secret.
	Err error
}

func (*Resynced) isEvent()     {}
func (*ResyncFailed) isEvent() {}

// callRead is what one resync attempt read.
type callRead struct {
	sessions []*telephony.Session
	presence []*presence.Info
	read     int // sessions read over REST
}

// resync starts the resync procedure after the event with header h. The
// REST reads run on a goroutine of the subscription, and resync returns at
// once: the events that come meanwhile are held (enqueue), and the
// goroutine comes back under the intake lock to emit the results, then the
// held events (drain). A failure is reported as a *ResyncFailed, and a
// subscription that ends stops it quietly. Without a resync source it only
// releases what the tracker holds.
func (c *callTracker) resync(ctx context.Context, h *Header, trigger string) error {
	if c.cfg.sessions == nil {
		return c.emitCalls(ctx, h, c.calls.Tick(), false)
	}
	hdr := *h
	c.resyncing = c.spawn(func(ctx context.Context) {
		r, attempts, err := c.readRetrying(ctx, trigger)
		if ctx.Err() != nil || c.s.lockIntake(ctx) != nil {
			return
		}
		defer c.s.unlockIntake()
		if c.s.ended() {
			return // the events still held go, as the buffered ones do
		}
		c.s.curEv = nil
		c.resyncing = false
		if c.report(ctx, &hdr, trigger, r, attempts, err) == nil {
			_ = c.drain(ctx) // an error means the subscription is ending
		}
	})
	return nil
}

// readRetrying reads the active calls, trying up to the configured number
// of attempts; it returns the read, or the last error, and the attempts
// made. It touches only what is safe off the intake path: the
// configuration and the trackers, which have their own locks.
func (c *callTracker) readRetrying(ctx context.Context, trigger string) (*callRead, int, error) {
	var err error
	for attempt := 1; attempt <= c.cfg.attempts; attempt++ {
		if attempt > 1 && !sleepCtx(ctx, c.retryDelay(attempt-1)) {
			return nil, attempt - 1, ctx.Err()
		}
		var r *callRead
		r, err = c.read(ctx)
		if err == nil {
			return r, attempt, nil
		}
		if ctx.Err() != nil {
			return nil, attempt, err
		}
		c.log.Warn("notify: call tracking resync failed", "trigger", trigger, "attempt", attempt, "err", err)
	}
	return nil, c.cfg.attempts, err
}

// report reconciles the models with a successful read and emits the
// changes and *Resynced, or emits *ResyncFailed.
func (c *callTracker) report(ctx context.Context, h *Header, trigger string, r *callRead, attempts int, err error) error {
	if err != nil {
		c.log.Error("notify: call tracking gave up resynchronising", "trigger", trigger,
			"attempts", attempts, "err", err)
		return c.emit(ctx, &ResyncFailed{Header: *h, Trigger: trigger, Attempts: attempts, Err: err})
	}
	changes := c.calls.Reconcile(r.sessions, telephony.ReasonResync)
	if err := c.emitCalls(ctx, h, changes, true); err != nil {
		return err
	}
	if err := c.emitPresence(ctx, h, c.reconcilePresence(r.presence), true); err != nil {
		return err
	}
	c.log.Info("notify: call tracking resynchronised", "trigger", trigger, "attempt", attempts,
		"sessions", r.read, "changes", len(changes))
	return c.emit(ctx, &Resynced{Header: *h, Trigger: trigger, Attempts: attempts,
		Sessions: r.read, Active: c.calls.Stats().Active})
}

// retryDelay is the wait after the n-th failed attempt: minDelay doubled
// n-1 times, capped at maxDelay, less up to a quarter of jitter.
func (c *callTracker) retryDelay(n int) time.Duration {
	d := c.cfg.minDelay
	for i := 1; i < n && d < c.cfg.maxDelay; i++ {
		d *= 2
	}
	d = min(d, c.cfg.maxDelay)
	if q := d / 4; q > 0 {
		d -= rand.N(q)
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// sessionToRead is a telephony session a resync reads, with what presence
// said about it.
type sessionToRead struct {
	id, sessionID, partyID string
}

// read is one attempt of RingCentral's resync procedure: read the presence that lists the active calls, then each of
// their telephony sessions, and each other call the tracker has as
// active; a session that answers 404 has ended.
func (c *callTracker) read(ctx context.Context) (*callRead, error) {
	r := &callRead{}
	if p := c.cfg.presence; p != nil {
		if c.cfg.account {
			var opts *presence.AccountOptions
			if c.cfg.perPage > 0 {
				opts = &presence.AccountOptions{PerPage: c.cfg.perPage}
			}
			for info, err := range p.Account(ctx, c.cfg.accountID, opts) {
				if err != nil {
					return nil, fmt.Errorf("notify: resync: read account presence: %w", err)
				}
				if info != nil {
					r.presence = append(r.presence, info)
				}
			}
		} else {
			for _, ext := range c.cfg.extensions {
				info, err := p.Extension(ctx, c.cfg.accountID, ext)
				if err != nil {
					return nil, fmt.Errorf("notify: resync: read presence of extension %s: %w", ext, err)
				}
				if info != nil {
					r.presence = append(r.presence, info)
				}
			}
		}
	}

	var todo []sessionToRead
	seen := map[string]bool{}
	ours := map[string]bool{} // extensions whose parties a notification would carry
	for _, info := range r.presence {
		if info.ExtensionID != "" {
			ours[info.ExtensionID] = true
		}
		for _, ac := range info.ActiveCalls {
			if ac.Ended() || ac.TelephonySessionID == "" || seen[ac.TelephonySessionID] {
				continue
			}
			seen[ac.TelephonySessionID] = true
			todo = append(todo, sessionToRead{id: ac.TelephonySessionID, sessionID: ac.SessionID, partyID: ac.PartyID})
		}
	}
	tracked := c.calls.Snapshot()
	for _, call := range tracked {
		if !seen[call.TelephonySessionID] {
			seen[call.TelephonySessionID] = true
			todo = append(todo, sessionToRead{id: call.TelephonySessionID})
		}
	}

	for i, w := range todo {
		if i >= c.cfg.maxSessions {
			// Not read: kept as the tracker has it, or left for the next
			// notification if it is new.
			if call, ok := c.calls.Call(w.id); ok && !call.Ended {
				r.sessions = append(r.sessions, &telephony.Session{
					TelephonySessionID: call.TelephonySessionID, SessionID: call.SessionID,
					Origin: call.Origin, Parties: call.Parties,
				})
			}
			continue
		}
		s, err := c.cfg.sessions.Session(ctx, c.cfg.accountID, w.id)
		r.read++
		switch {
		case errors.Is(err, subscription.ErrNotFound):
			continue // the call has ended
		case err != nil:
			return nil, fmt.Errorf("notify: resync: read telephony session %s: %w", w.id, err)
		case s == nil:
			continue
		}
		if s = c.ourParties(s, w, ours); s != nil {
			r.sessions = append(r.sessions, s)
		}
	}
	return r, nil
}

// ourParties keeps the parties of a session read over REST that a
// notification would have carried: those the tracker knows, the one
// presence named, and those of the extensions followed (any extension's
// with ResyncAccount). The REST answer lists every party of the call, the
// remote ones too, and a party that no notification will ever end would
// keep the call open in the tracker for good. It returns nil for a session
// with none of them that the tracker does not know.
func (c *callTracker) ourParties(s *telephony.Session, w sessionToRead, ours map[string]bool) *telephony.Session {
	if s.TelephonySessionID == "" {
		s.TelephonySessionID = w.id
	}
	if s.SessionID == "" {
		s.SessionID = w.sessionID // the REST form has none
	}
	call, known := c.calls.Call(s.TelephonySessionID)
	keep := func(p *telephony.Party) bool {
		if p.ID != "" && p.ID == w.partyID {
			return true
		}
		if p.ExtensionID != "" && (c.cfg.account || ours[p.ExtensionID]) {
			return true
		}
		return known && slices.ContainsFunc(call.Parties, func(q telephony.Party) bool { return q.ID == p.ID })
	}
	out := *s
	out.Parties = nil
	for i := range s.Parties {
		if keep(&s.Parties[i]) {
			out.Parties = append(out.Parties, s.Parties[i])
		}
	}
	if len(out.Parties) == 0 && !known {
		return nil
	}
	return &out
}
