package notifytest

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/telephony"
)

// scriptState is a platform's world of scripted calls. mu serialises the
// plays' steps, so that the model and the published notifications of an
// extension or a session always go forward together.
type scriptState struct {
	mu    sync.Mutex
	world *callscript.World

	// wmu guards watches: the sessions of the scripts in play, whose
	// changes by Call Control requests go to their player. It is taken
	// after mu, never before.
	wmu     sync.Mutex
	watches map[string]*playWatch
}

// playWatch collects the Call Control changes made to the sessions of one
// Play, for its player to take in (Player.Resume).
type playWatch struct {
	mu     sync.Mutex
	notes  []*telephony.Session
	signal chan struct{} // capacity 1: a change is waiting
}

// maxControlNotes bounds the changes a Play holds before taking them in
// (it takes them before each step and while it waits).
const maxControlNotes = 1024

func (w *playWatch) add(s *telephony.Session) {
	w.mu.Lock()
	if len(w.notes) < maxControlNotes {
		w.notes = append(w.notes, s)
	}
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *playWatch) take() []*telephony.Session {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.notes
	w.notes = nil
	return out
}

// controlled hands the change a Call Control request made (the session
// with the parties it changed, as published) to the Play whose script
// owns the session, if any. publishSession calls it after publishing.
func (p *Platform) controlled(s *telephony.Session) {
	v, ok := scriptStates.Load(p)
	if !ok || s == nil {
		return
	}
	st := v.(*scriptState)
	st.wmu.Lock()
	w := st.watches[s.TelephonySessionID]
	st.wmu.Unlock()
	if w != nil {
		w.add(cloneSession(s))
	}
}

// later returns the later of two times: a change a Call Control request
// makes never goes before the session's last event (a scripted call's
// times run ahead of the platform's clock by the script's durations).
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// scriptStates holds the scriptState of each platform that played a
// script, until it closes (kept outside Platform so that the scripted
// calls need no field in its struct).
var scriptStates sync.Map // *Platform -> *scriptState

func (p *Platform) scripts() (*scriptState, error) {
	if v, ok := scriptStates.Load(p); ok {
		return v.(*scriptState), nil
	}
	var b [8]byte
	_, _ = crand.Read(b[:])
	st := &scriptState{world: callscript.NewWorld(p.set.accountID, binary.LittleEndian.Uint64(b[:]))}
	v, loaded := scriptStates.LoadOrStore(p, st)
	if !loaded && !p.onClose(func() { scriptStates.Delete(p) }) {
		scriptStates.Delete(p)
		return nil, ErrClosed
	}
	return v.(*scriptState), nil
}

// PlayOption configures Play.
type PlayOption func(*playSettings)

type playSettings struct {
	pace  time.Duration
	exact bool
}

// WithPace makes Play wait d of real time between two steps (default zero:
// as fast as possible). Event times follow the script's own durations
// either way.
func WithPace(d time.Duration) PlayOption {
	return func(s *playSettings) { s.pace = max(d, 0) }
}

// WithExactTimes makes every notification of a step carry the step's
// time: the script's durations become the calls' ring, talk and hold
// times exactly (Script.Want). By default the notifications of a step are
// 15 to 85 ms apart, as RingCentral's are.
func WithExactTimes() PlayOption {
	return func(s *playSettings) { s.exact = true }
}

// Play plays a script on the platform, step by step. For each notification
// the script produces it first updates the call model (the sessions that
// GET …/telephony/sessions/{id} serves, ended sessions removed; the
// presence of the account's extensions), then publishes the notification
// to every live subscription whose filters match, over its transport:
// telephony sessions to the account-level filters and the party's
// extension-level filters, presence to the extension's and the account's
// presence filters. Parties of no account change the model only.
//
// Scripts played at the same time share the platform's calls: an
// extension's presence lists the calls of all of them, its sequence goes
// on from one to the next, and ids never collide. Event times start at
// the platform's clock and follow the script's durations.
//
// A scripted call obeys the Call Control requests the platform serves
// (answer, hold, transfer, forward, drop, …): the request changes the
// call and publishes the change as for any call, and the script takes it
// in before its next step, with an event of Op OpControl per changed party
// in the result, and the presence notifications it causes. A party a
// request adds (a transfer's or forward's target) is labelled with its
// party id. Steps on a call a request ended, or by a party a request
// made leave, are skipped. An Await step holds the script still until a
// request changes the waiting party's status or its timeout (real time)
// passes; its Otherwise steps are played only at the timeout. A request
// that comes while the script is between two steps of its own may race
// them (both number their notifications from the same sequence), so let
// a call wait in an Await step for the requests a test sends. Times of
// changes made by requests never go before the session's last event.
//
// Play returns what the script produced, also when it stops early: on a
// step the script cannot play (errors.Is ErrBadStep), when ctx ends, or
// when a publication fails. Calls stopped early stay in the model as they
// were.
func (p *Platform) Play(ctx context.Context, s Script, opts ...PlayOption) (*ScriptResult, error) {
	var set playSettings
	for _, o := range opts {
		if o != nil {
			o(&set)
		}
	}
	res := &ScriptResult{Script: s, AccountID: p.set.accountID}
	if p.ctx.Err() != nil {
		return res, ErrClosed
	}
	st, err := p.scripts()
	if err != nil {
		return res, err
	}
	var popts []callscript.PlayOption
	if set.exact {
		popts = append(popts, callscript.ExactTimes())
	}
	player := st.world.Play(s.internal(), p.now(), popts...)
	pl := &play{p: p, st: st, player: player, res: res, watch: &playWatch{signal: make(chan struct{}, 1)}}
	defer pl.unwatch()
	for i := 0; ; i++ {
		if i > 0 && set.pace > 0 && player.Remaining() > 0 {
			if err := p.sleep(ctx, set.pace); err != nil {
				return res, err
			}
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if err := pl.takeControls(ctx); err != nil {
			return res, err
		}
		st.mu.Lock()
		evs, err := player.Step()
		// An Await right after a step starts waiting before that step's
		// notifications go out, so that no request they prompt comes
		// before the wait.
		for err == nil {
			next, ok := player.Next()
			if _, waiting := player.Waiting(); waiting || !ok || next.Op != callscript.OpAwait {
				break
			}
			var more []callscript.Event
			more, err = player.Step()
			evs = append(evs, more...)
		}
		pl.watchSessions(evs)
		perr := pl.apply(ctx, evs)
		st.mu.Unlock()
		switch {
		case perr != nil:
			return res, perr
		case errors.Is(err, callscript.ErrDone):
			return res, nil
		case err != nil:
			return res, stepError(err)
		}
		if err := pl.await(ctx); err != nil {
			return res, err
		}
	}
}

// play is one run of Play.
type play struct {
	p      *Platform
	st     *scriptState
	player *callscript.Player
	res    *ScriptResult
	watch  *playWatch
	sids   []string // the sessions watched
}

// watchSessions has the Call Control changes of the sessions in evs
// handed to this play. It runs before the events are published, so that
// no request on them can come unseen.
func (pl *play) watchSessions(evs []callscript.Event) {
	for i := range evs {
		e := &evs[i]
		if e.Kind != callscript.TelephonyEvent || slices.Contains(pl.sids, e.Session.TelephonySessionID) {
			continue
		}
		sid := e.Session.TelephonySessionID
		pl.sids = append(pl.sids, sid)
		pl.st.wmu.Lock()
		if pl.st.watches == nil {
			pl.st.watches = map[string]*playWatch{}
		}
		pl.st.watches[sid] = pl.watch
		pl.st.wmu.Unlock()
	}
}

func (pl *play) unwatch() {
	pl.st.wmu.Lock()
	for _, sid := range pl.sids {
		if pl.st.watches[sid] == pl.watch {
			delete(pl.st.watches, sid)
		}
	}
	pl.st.wmu.Unlock()
}

// apply applies and publishes evs (callers hold st.mu) and records them
// in the result, up to the first that fails.
func (pl *play) apply(ctx context.Context, evs []callscript.Event) error {
	var perr error
	for j := range evs {
		if perr = pl.p.applyScriptEvent(ctx, &evs[j]); perr != nil {
			evs = evs[:j+1]
			break
		}
	}
	for j := range evs {
		pl.res.Events = append(pl.res.Events, scriptEventFrom(&evs[j]))
	}
	return perr
}

// takeControls takes into the script the changes Call Control requests
// made to its calls since the last time.
func (pl *play) takeControls(ctx context.Context) error {
	notes := pl.watch.take()
	if len(notes) == 0 {
		return nil
	}
	pl.st.mu.Lock()
	defer pl.st.mu.Unlock()
	var evs []callscript.Event
	for _, n := range notes {
		evs = append(evs, pl.player.Resume(n)...)
	}
	return pl.apply(ctx, evs)
}

// await holds the script still while it waits in an Await step: until a
// Call Control request changes the waiting party's status, or until the
// step's timeout, which plays its Otherwise steps next.
func (pl *play) await(ctx context.Context) error {
	w, ok := pl.player.Waiting()
	if !ok {
		return nil
	}
	t := time.NewTimer(w.Timeout)
	defer t.Stop()
	for {
		if err := pl.takeControls(ctx); err != nil {
			return err
		}
		if _, ok := pl.player.Waiting(); !ok {
			return nil // a request moved the party on
		}
		select {
		case <-pl.watch.signal:
		case <-t.C:
			if err := pl.takeControls(ctx); err != nil {
				return err
			}
			pl.player.TimeOut() // nothing if a request came at the last moment
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-pl.p.ctx.Done():
			return ErrClosed
		}
	}
}

// ErrBadStep is matched (errors.Is) by the error of a step Play cannot
// play, such as one naming a call that does not exist.
var ErrBadStep = errors.New("notifytest: bad step")

// stepError restates the engine's error for a step it cannot play in
// notifytest's terms.
func stepError(err error) error {
	var se *callscript.StepError
	if !errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("%w: script %q, step %d (%s): %s", ErrBadStep, se.Script, se.Step, se.Op, se.Reason)
}

func (p *Platform) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-p.ctx.Done():
		return ErrClosed
	}
}

// applyScriptEvent updates the model, then publishes. The telephony
// events of a Call Control request's changes (OpControl) were applied and
// published when the platform served the request.
func (p *Platform) applyScriptEvent(ctx context.Context, e *callscript.Event) error {
	if e.Op == callscript.OpControl && e.Kind == callscript.TelephonyEvent {
		return nil
	}
	var body any
	switch e.Kind {
	case callscript.TelephonyEvent:
		if e.SessionEnded {
			p.EndSession(e.Session.TelephonySessionID)
		} else if err := p.SetSession(*e.SessionState); err != nil {
			return err
		}
		body = e.Session
	case callscript.PresenceEvent:
		if _, ok := p.extension(e.ExtensionID); ok {
			_ = p.SetPresence(e.ExtensionID, *e.PresenceState) // known extension: cannot fail
		}
		body = e.Presence
	}
	if !e.Delivered() {
		return nil
	}
	if _, err := p.Publish(ctx, e.Resource(), body); err != nil {
		return err
	}
	return nil
}

// MixOptions configures RunMix.
type MixOptions struct {
	// Concurrency is how many calls are in progress at once (default 1).
	Concurrency int
	// Pace is the real time between two steps of one call (zero: as fast
	// as possible).
	Pace time.Duration
	// Gap is the real time between two calls of one lane.
	Gap time.Duration
	// Calls stops the mix after this many calls have been played; zero
	// plays until ctx ends.
	Calls int
	// Scenarios names the scenarios to draw from (default: all of
	// Scenarios).
	Scenarios []string
	// Seed fixes the draws of scenarios and casts.
	Seed uint64
}

// ErrUnknownScenario is returned by RunMix for a scenario name that is not
// one of Scenarios.
var ErrUnknownScenario = errors.New("notifytest: unknown scenario")

// RunMix plays a continuous, varied mix of the shipped scenarios, each on
// a cast rotated at random over the platform's extensions, with
// Concurrency calls in progress at once. It blocks until Calls calls have
// been played (and returns their number and nil) or ctx ends (and returns
// the number played and ctx's error). Its goroutines end before it
// returns.
func (p *Platform) RunMix(ctx context.Context, opts MixOptions) (int, error) {
	names := opts.Scenarios
	if len(names) == 0 {
		for _, s := range Scenarios() {
			names = append(names, s.Name)
		}
	}
	var scs []Scenario
	for _, n := range names {
		sc, ok := ScenarioNamed(n)
		if !ok {
			return 0, fmt.Errorf("%w: %q", ErrUnknownScenario, n)
		}
		scs = append(scs, sc)
	}
	lanes := max(opts.Concurrency, 1)
	cast := p.Cast()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		started, done atomic.Int64
		wg            sync.WaitGroup
		errOnce       sync.Once
		firstErr      error
	)
	for lane := range lanes {
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(lane)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := true; ; first = false {
				if opts.Calls > 0 && started.Add(1) > int64(opts.Calls) {
					return
				}
				if !first && opts.Gap > 0 {
					if err := p.sleep(ctx, opts.Gap); err != nil {
						errOnce.Do(func() { firstErr = err })
						return
					}
				}
				sc := scs[rng.IntN(len(scs))]
				script := sc.New(cast.Rotate(rng.IntN(max(len(cast.Users), 1))))
				if _, err := p.Play(ctx, script, WithPace(opts.Pace)); err != nil {
					errOnce.Do(func() { firstErr = err })
					cancel()
					return
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(done.Load()), firstErr
}
