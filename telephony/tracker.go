package telephony

import (
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tracker keeps a model of every active call from telephony-session
// notifications and reports each party's transitions as Changes.
//
// A notification carries only the parties that concern the subscriber,
// usually one; the tracker merges them into the call by party id. A party
// sent without an id (as in some documentation samples) is keyed by the
// empty id, so the id-less parties of one session are one party.
//
// Ordering: the sequence number is one counter per session, shared by its
// parties. The tracker keeps, for each party, the state from the
// notification with the highest sequence it has applied; a notification
// whose sequence is not above the party's is dropped and counted as a
// duplicate (equal) or as stale (lower). The final model therefore does not
// depend on the order notifications arrive in; the transitions reported on
// the way do, since each Change describes the state change actually
// applied. WithReorderWindow holds notifications briefly to report them in
// sequence order.
//
// States without a sequence: a session without one (0, as read from the
// REST API and passed to Reconcile) is always applied, but it leaves the
// sequence its parties have reached unknown, so the notifications still in
// flight from before it (PubNub reorders, a gap delays) would look new.
// Such a state is ordered by time instead: its watermark is the session's
// CreationTime, which the REST API documents as the time of the latest
// session update, or else its EventTime. A notification for one of its
// parties that is not above the party's sequence is dropped as before;
// otherwise one whose EventTime is before the watermark is dropped and
// counted as stale, and one after it is applied and makes the party
// ordered by sequence again. When the times cannot tell (either is
// missing, or they are equal) the notification is dropped as stale if it
// would take the party back to an earlier stage of a call (Setup, then
// Proceeding, then connected in any state, then Disconnected or Gone), and
// applied otherwise. A dropped notification still raises the party's
// sequence, since every notification with a lower one is older still. The
// parties that Reconcile ends are ordered the same way, by the REST
// state's CreationTime, or by stage alone for a call it found gone; the
// tracker's own clock is never compared with event times, which come from
// the server's.
//
// End of call: a call ends when none of its parties is still in it (every
// party is Disconnected or Gone) and at least one left for a reason other
// than Pickup or CallSwitch, which hand the call on to another device or
// user. The change that ends the call has CallEnded set; this happens once
// per call: an ended call stays ended. Notifications that arrive for it
// afterwards (late, because of reordering) update its parties but report
// no changes; they are counted in Stats.Late. Ended calls are kept for a
// TTL (WithEndedTTL) to absorb such notifications and then forgotten; a
// notification after that starts the call anew.
//
// The number of tracked calls is capped (WithMaxCalls). At the cap, a new
// call makes room by evicting the ended call that ended first; only when
// every tracked call is active is the least recently updated active call
// evicted. Such an eviction is reported: Apply (or Reconcile) returns a
// call-level Change with Kind KindEvicted and CallEnded set for it, before
// the changes of the call that took its place, and its pending Wait calls
// fail with ErrEvicted. The call is then no longer tracked: a later
// notification for it starts it anew (CallStarted). Evictions are counted
// in Stats.Evicted, and those of active calls also in Stats.EvictedLive.
//
// The number of parties per call is capped too (WithMaxParties): a call
// with real traffic has a handful, and a hostile or broken stream must not
// grow one call without bound. A party that would exceed the cap is not
// tracked: the first one of a call is reported by a Change with Kind
// KindTooManyParties, and every dropped party update is counted in
// Stats.DroppedParties and Call.DroppedParties. Updates to the parties
// already tracked go on as before. Finding a party takes constant time
// whatever the number of parties, and so does deciding whether the call is
// over, so each party update costs O(1).
//
// A Tracker is safe for concurrent use. It starts no goroutines: time-driven
// work (expiry, the reorder window) happens in Apply, Tick and Flush.
type Tracker struct {
	mu  sync.Mutex
	cfg trackerConfig

	calls map[string]*call
	// peers maps sessions named as a peer but not yet tracked to their
	// journey (see linkPeer); bounded like calls.
	peers map[string]*pendingLink
	// live is a circular list of the active calls, most recently updated
	// first; done is one of the ended calls, most recently ended first.
	// Each call is on exactly one of them (the list heads are sentinels),
	// so expiry and eviction take the tail of one in O(1).
	live, done call
	nEnded     int // ended calls (the length of done)

	waiters map[string][]*waiter

	// reorder window state (tracker_reorder.go)
	pending map[string]*pendingQueue
	due     []dueEntry
	dueHead int
	held    int

	stats Stats
	// resyncing is set while Reconcile applies the REST states: a party
	// state it replaces may have changed unseen in the gap.
	resyncing bool
	// scans counts the party states examined by linear party lookups (the
	// calls too small to be indexed); tests read it to check that a party
	// update does constant work whatever the number of parties.
	scans uint64
}

// call is the model of one telephony session.
type call struct {
	id        string
	sessionID string
	origin    Origin
	// parties are the call's parties in the order first seen. The first
	// two live in first, inside the call's own allocation (most calls
	// have two), and firstPtrs backs the slice until a third comes; later
	// ones are allocated one by one, so a call that grows never copies or
	// throws away the party states it has.
	parties   []*partyState
	first     [2]partyState
	firstPtrs [2]*partyState
	// index maps party ids to their place in parties once the call has
	// more than indexFrom parties; below that a scan is as fast and costs
	// no memory.
	index   map[string]int32
	seq     int64
	started time.Time
	updated time.Time
	endedAt time.Time
	// inCall counts the parties still in the call (status not final), and
	// left those that left it other than by a hand-off: the call is over
	// when inCall is 0 and left is not.
	inCall, left int32
	// dropped counts the party updates dropped by the cap on parties.
	dropped   uint32
	ended     bool
	announced bool // a change with CallStarted has been reported
	// partial: transitions of the call may have been lost (a stale
	// notification dropped, a resync); see CallSummary.Partial.
	partial bool
	// start, answer and end are the call's first event time, its first
	// answer's and its latest, as Unix nanoseconds (0 if unknown).
	start, answer, end int64
	// link is the call's journey and linked sessions, nil until a party
	// names another session as its peer.
	link *callLink

	prev, next *call
}

// indexFrom is the number of parties above which a call indexes them by id.
const indexFrom = 8

// partyState is a party's latest applied state.
type partyState struct {
	// p is the party, kept compact (see partyHot); p.party() rebuilds it.
	p   partyHot
	seq int64
	// at is the server time of the state, as Unix nanoseconds (0 if
	// unknown): the notification's event time, or, for a state taken
	// without a sequence, the time it holds at (see unsequenced).
	at int64
	// ring, talk and hold accumulate the party's call-time metrics, in
	// nanoseconds (see CallSummary); flags holds flag* bits.
	ring, talk, hold int64
	answered         bool
	// unsequenced: the state was taken without a sequence (REST, or
	// Reconcile), so seq is only a lower bound and later notifications are
	// ordered against at, the time the state holds at (zero if unknown).
	unsequenced bool
	flags       uint8
	// lost, trim and resumed keep the summary's durations lower bounds
	// when transitions of the party may have been lost (see
	// CallSummary.Partial). lost is the earliest time (Unix nanoseconds,
	// 0 if none) from which a transition of the party may be unseen: the
	// start of a span a gap crossed, or the time of a notification dropped
	// as stale. trim is the hold time taken back from hold because of such
	// notifications. resumed is the time of the REST state from which the
	// party was seen whole again after a gap (0 if none), or -1 when a
	// transition after it may be unseen.
	lost, trim, resumed int64
}

// Stats counts what a Tracker did.
type Stats struct {
	// Events is the number of sessions passed to Apply and Reconcile.
	Events uint64
	// Applied is the number of party updates applied to the model.
	Applied uint64
	// Duplicates and Stale count party updates dropped because their
	// sequence was equal to, or lower than, the party's; Stale also counts
	// those older than a state taken without a sequence (see Tracker).
	Duplicates, Stale uint64
	// Late counts party updates applied to calls that had already ended;
	// they report no change.
	Late uint64
	// Ignored counts sessions that could not be tracked (nil, or without a
	// telephonySessionId).
	Ignored uint64
	// Evicted counts calls forgotten because of the cap on tracked calls,
	// ended or not; EvictedLive counts those of them that were still
	// active (each reported by a Change with Kind KindEvicted). Expired
	// counts ended calls forgotten after their TTL.
	Evicted, EvictedLive, Expired uint64
	// DroppedParties counts the party updates dropped because their call
	// had reached the cap on parties (WithMaxParties).
	DroppedParties uint64
	// Active and Ended are the numbers of active calls and of ended calls
	// still kept; Held is the number of notifications the reorder window
	// holds.
	Active, Ended, Held int
}

// Call is a snapshot of one tracked call.
type Call struct {
	TelephonySessionID string
	// SessionID is the legacy session id, if any notification carried it.
	SessionID string
	Origin    Origin
	// Parties are the call's parties, sorted by id, in their latest state,
	// including those that have left.
	Parties []Party
	// Sequence is the highest sequence number applied to the call.
	Sequence int64
	// Started and Updated are when the tracker first and last changed the
	// call (by its clock); EndedAt is when it ended.
	Started, Updated, EndedAt time.Time
	// Ended reports whether the call has ended.
	Ended bool
	// DroppedParties counts the updates of parties not tracked because
	// the call had reached the cap on parties (WithMaxParties).
	DroppedParties int
}

// TrackerOption configures a Tracker.
type TrackerOption func(*trackerConfig)

type trackerConfig struct {
	now        func() time.Time
	ttl        time.Duration
	maxCalls   int
	maxParties int
	window     time.Duration
}

// DefaultEndedTTL is how long a Tracker keeps ended calls by default.
const DefaultEndedTTL = 60 * time.Second

// DefaultMaxCalls is the default cap on the number of tracked calls.
const DefaultMaxCalls = 100_000

// DefaultMaxParties is the default cap on the number of parties tracked per
// call. Real calls have a handful (a conference a few dozen).
const DefaultMaxParties = 256

// WithTrackerClock sets the clock the tracker uses for the ended-call TTL
// and the reorder window (time.Now by default). It is public because a
// Tracker can be fed outside a live subscription (replaying recorded
// sessions, a simulation): there the TTL and the reorder window must run
// on the recording's time, not the wall clock. The name says "Tracker"
// because this package's REST client has retry timing of its own.
func WithTrackerClock(now func() time.Time) TrackerOption {
	return func(c *trackerConfig) {
		if now != nil {
			c.now = now
		}
	}
}

// WithEndedTTL sets how long ended calls are kept to absorb late
// notifications (DefaultEndedTTL by default). d <= 0 forgets them at the
// next Apply or Tick.
func WithEndedTTL(d time.Duration) TrackerOption {
	return func(c *trackerConfig) { c.ttl = max(d, 0) }
}

// WithMaxCalls caps the number of tracked calls, active and ended
// (DefaultMaxCalls by default); n <= 0 removes the cap. At the cap, ended
// calls are evicted first (see Tracker).
func WithMaxCalls(n int) TrackerOption {
	return func(c *trackerConfig) { c.maxCalls = max(n, 0) }
}

// WithMaxParties caps the number of parties tracked per call
// (DefaultMaxParties by default); n <= 0 removes the cap. Parties beyond it
// are dropped and reported (see Tracker).
func WithMaxParties(n int) TrackerOption {
	return func(c *trackerConfig) { c.maxParties = max(n, 0) }
}

// WithReorderWindow makes the tracker hold each notification for d before
// applying it, and apply the held notifications of a session in sequence
// order, so that transitions are reported in order even when notifications
// arrive out of order by up to d. Held notifications are released by
// later calls to Apply, by Tick and by Flush. The window is off (0) by
// default.
func WithReorderWindow(d time.Duration) TrackerOption {
	return func(c *trackerConfig) { c.window = max(d, 0) }
}

// NewTracker returns an empty Tracker.
func NewTracker(opts ...TrackerOption) *Tracker {
	t := &Tracker{
		cfg: trackerConfig{now: time.Now, ttl: DefaultEndedTTL, maxCalls: DefaultMaxCalls,
			maxParties: DefaultMaxParties},
		calls: make(map[string]*call),
	}
	for _, o := range opts {
		if o != nil {
			o(&t.cfg)
		}
	}
	t.live.next, t.live.prev = &t.live, &t.live
	t.done.next, t.done.prev = &t.done, &t.done
	return t
}

// Apply applies one notification to the model and returns the changes it
// caused, in order. With a reorder window, the notification is held and
// the returned changes are those of held notifications (of any session)
// whose time has come.
func (t *Tracker) Apply(s *Session) []Change { return t.AppendApply(nil, s) }

// AppendApply is Apply appending the changes to dst, so that a caller that
// reuses its buffer applies notifications without allocating.
func (t *Tracker) AppendApply(dst []Change, s *Session) []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stats.Events++
	if s == nil || s.TelephonySessionID == "" {
		t.stats.Ignored++
		return dst
	}
	now := t.cfg.now()
	dst = t.expire(now, dst)
	if t.cfg.window > 0 {
		dst = t.releaseDue(now, dst)
		t.hold(s, now)
		return dst
	}
	return t.apply(s, now, dst)
}

// Tick does the time-driven work: it forgets ended calls whose TTL has
// passed and, with a reorder window, applies the held notifications whose
// time has come, returning their changes.
func (t *Tracker) Tick() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.now()
	out := t.expire(now, nil)
	return t.releaseDue(now, out)
}

// Flush applies every notification the reorder window holds, each
// session's in sequence order, and returns their changes.
func (t *Tracker) Flush() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.flush(t.cfg.now(), nil)
}

// Reconcile brings the model in line with the active calls read from the
// REST API after a gap in the notifications: the sessions named by the
// extension's (or account's) detailed presence, each read with
// GET …/telephony/sessions/{id}. It flushes the reorder window, applies each session in
// active as an authoritative current state, ends the parties of those
// sessions that the REST state no longer lists, and ends every tracked
// active call that is not in active. Changes it makes itself have Kind
// KindResync, To Disconnected and the given reason (ReasonResync if empty).
// A call that has already ended stays ended even if active lists it.
// Notifications from before the REST read that arrive afterwards do not
// take the parties back: they are dropped as stale (see Tracker, "States
// without a sequence").
func (t *Tracker) Reconcile(active []*Session, reason string) []Change {
	if reason == "" {
		reason = ReasonResync
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.now()
	out := t.flush(now, t.expire(now, nil))
	present := make(map[string]bool, len(active))
	for _, s := range active {
		t.stats.Events++
		if s == nil || s.TelephonySessionID == "" {
			t.stats.Ignored++
			continue
		}
		present[s.TelephonySessionID] = true
		t.resyncing = true
		out = t.apply(s, now, out)
		t.resyncing = false
		c := t.calls[s.TelephonySessionID]
		if c == nil || c.ended {
			continue
		}
		c.partial = true // transitions during the gap may be lost
		mark := len(out)
		listed := partySet(s)
		for _, ps := range c.byID() {
			if !ps.p.Status.Code.Final() && !listed(ps.p.ID) {
				out = t.resyncParty(c, ps, reason, s.CreationTime, now, out)
			}
		}
		out = t.checkEnd(c, now, mark, reason, out)
	}
	var gone []*call
	for id, c := range t.calls {
		if !c.ended && !present[id] {
			gone = append(gone, c)
		}
	}
	slices.SortFunc(gone, func(a, b *call) int { return strings.Compare(a.id, b.id) })
	for _, c := range gone {
		c.partial = true
		mark := len(out)
		for _, ps := range c.byID() {
			if !ps.p.Status.Code.Final() {
				out = t.resyncParty(c, ps, reason, time.Time{}, now, out)
			}
		}
		t.touch(c, now)
		out = t.end(c, now, mark, reason, out)
	}
	return out
}

// partySet returns a test of whether s lists a party, in constant time
// for sessions with many parties.
func partySet(s *Session) func(id string) bool {
	if len(s.Parties) <= indexFrom {
		return func(id string) bool { return s.Party(id) != nil }
	}
	ids := make(map[string]struct{}, len(s.Parties))
	for i := range s.Parties {
		ids[s.Parties[i].ID] = struct{}{}
	}
	return func(id string) bool { _, ok := ids[id]; return ok }
}

// Snapshot returns the active calls, sorted by telephony session id.
func (t *Tracker) Snapshot() []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Call, 0, len(t.calls)-t.nEnded)
	for _, c := range t.calls {
		if !c.ended {
			out = append(out, c.snapshot())
		}
	}
	slices.SortFunc(out, func(a, b Call) int { return strings.Compare(a.TelephonySessionID, b.TelephonySessionID) })
	return out
}

// Call returns the tracked call with the given telephony session id,
// active or ended (until its TTL passes).
func (t *Tracker) Call(telephonySessionID string) (Call, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.calls[telephonySessionID]
	if c == nil {
		return Call{}, false
	}
	return c.snapshot(), true
}

// Stats returns the tracker's counters.
func (t *Tracker) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.stats
	st.Ended = t.nEnded
	st.Active = len(t.calls) - t.nEnded
	st.Held = t.held
	return st
}

// LocalParty returns the subscriber's own party in the call: the party of
// extension extensionID, the first one still in the call when there are
// several, else the last one that left (see Session.LocalParty). It
// returns nil when no party belongs to the extension.
func (c *Call) LocalParty(extensionID string) *Party {
	return localParty(c.Parties, extensionID)
}

func (c *call) snapshot() Call {
	out := Call{
		TelephonySessionID: c.id, SessionID: c.sessionID, Origin: c.origin,
		Parties: make([]Party, len(c.parties)), Sequence: c.seq,
		Started: c.started, Updated: c.updated, EndedAt: c.endedAt, Ended: c.ended,
		DroppedParties: int(c.dropped),
	}
	for i, ps := range c.parties {
		out.Parties[i] = ps.p.party()
	}
	slices.SortFunc(out.Parties, func(a, b Party) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// byID returns c's parties sorted by id, for output that does not depend
// on the order they were first seen in.
func (c *call) byID() []*partyState {
	out := slices.Clone(c.parties)
	slices.SortFunc(out, func(a, b *partyState) int { return strings.Compare(a.p.ID, b.p.ID) })
	return out
}

// party returns c's party with the given id, or nil, in constant time:
// by the index, or by a scan of at most indexFrom parties.
func (t *Tracker) party(c *call, id string) *partyState {
	if c.index != nil {
		if i, ok := c.index[id]; ok {
			return c.parties[i]
		}
		return nil
	}
	for _, ps := range c.parties {
		t.scans++
		if ps.p.ID == id {
			return ps
		}
	}
	return nil
}

// addParty adds a party to c, in the state np with sequence seq,
// indexing it if c has become large. The state is written in place (the
// slots are zero), one copy of the Party.
func (c *call) addParty(np *Party, seq int64) *partyState {
	n := len(c.parties) + 1
	var p *partyState
	if n <= len(c.first) {
		p = &c.first[n-1]
	} else {
		p = new(partyState)
	}
	p.p.set(np)
	p.seq = seq
	c.parties = append(c.parties, p)
	switch {
	case c.index != nil:
		c.index[p.p.ID] = int32(n - 1)
	case n > indexFrom:
		c.index = make(map[string]int32, 2*n)
		for i, ps := range c.parties {
			c.index[ps.p.ID] = int32(i)
		}
	}
	c.tally(&p.p.Status, 1)
	return p
}

// tally adds d to the counts over() reads for a party with status st.
func (c *call) tally(st *Status, d int32) {
	switch {
	case !st.Code.Final():
		c.inCall += d
	case !handedOff(st):
		// a hand-off alone does not end the call: it goes on elsewhere
		c.left += d
	}
}

// apply applies s (already past the reorder window) and appends the
// changes to out.
func (t *Tracker) apply(s *Session, now time.Time, out []Change) []Change {
	c := t.calls[s.TelephonySessionID]
	if c == nil {
		c, out = t.newCall(s.TelephonySessionID, now, out)
	}
	t.touch(c, now)
	if s.SessionID != "" {
		c.sessionID = s.SessionID
	}
	if s.Origin.Type != "" {
		c.origin = s.Origin
	}
	c.seq = max(c.seq, s.Sequence)
	mark := len(out)
	for i := range s.Parties {
		np := &s.Parties[i]
		ps := t.party(c, np.ID)
		var from StatusCode
		if ps == nil {
			if t.cfg.maxParties > 0 && len(c.parties) >= t.cfg.maxParties {
				out = t.dropParty(c, s, np, out)
				continue
			}
			ps = c.addParty(np, s.Sequence)
		} else {
			if s.Sequence != 0 && s.Sequence <= ps.seq {
				if s.Sequence == ps.seq {
					t.stats.Duplicates++
				} else {
					t.stats.Stale++
					t.dropStale(c, ps, s, np)
				}
				continue
			}
			if s.Sequence != 0 && ps.unsequenced && olderThan(s, np, ps) {
				ps.seq = s.Sequence
				t.stats.Stale++
				t.dropStale(c, ps, s, np)
				continue
			}
			from = ps.p.Status.Code
			c.tally(&ps.p.Status, -1)
			ps.p.merge(np)
			c.tally(&ps.p.Status, 1)
			ps.seq = max(ps.seq, s.Sequence)
		}
		at := s.EventTime
		if s.Sequence == 0 {
			at = asOf(s)
		}
		answered := ps.answered
		ps.answered = answered || ps.p.Status.Code == Answered
		if c.ended {
			ps.unsequenced, ps.at = s.Sequence == 0, nanos(at)
			t.stats.Late++
			continue
		}
		ps.unsequenced = s.Sequence == 0
		// a REST state read after a gap replaces a state whose end is
		// unseen (a party already gone has nothing left to lose)
		crossed := t.resyncing && from != "" && !from.Final()
		c.account(ps, from, answered, crossed, nanos(at))
		t.stats.Applied++
		if from == ps.p.Status.Code {
			continue
		}
		if pid := ps.p.Status.PeerID; pid != nil {
			t.linkPeer(c, pid.TelephonySessionID)
		}
		out = append(out, Change{
			TelephonySessionID: c.id, PartyID: ps.p.ID, From: from, To: ps.p.Status.Code,
			Reason: ps.p.Status.Reason, Sequence: s.Sequence,
			Peer: ps.p.Status.PeerID, EventTime: at,
		})
		ch := &out[len(out)-1]
		ps.p.fill(&ch.Party)
		ch.Kind = classify(from, &ch.Party, answered)
		t.announce(c, out[len(out)-1:])
		if len(t.waiters) > 0 {
			t.wakeParty(c, ps)
		}
	}
	if c.ended {
		return out
	}
	return t.checkEnd(c, now, mark, "", out)
}

// dropStale marks c partial for the notification s of party ps, carrying
// np, that came too late to be placed, keeping what it shows for the
// summary (an answer, voicemail) unless the call has ended.
func (t *Tracker) dropStale(c *call, ps *partyState, s *Session, np *Party) {
	if c.ended {
		return
	}
	c.partial = true
	c.trimStale(ps, nanos(s.EventTime))
	c.note(ps, np.Status.Code, nanos(s.EventTime))
}

// dropParty counts the update np of a party that c, at the cap on parties,
// does not track, and reports the first one of an active call.
func (t *Tracker) dropParty(c *call, s *Session, np *Party, out []Change) []Change {
	t.stats.DroppedParties++
	if c.dropped < math.MaxUint32 { // saturate: never wrap to a second report
		c.dropped++
	}
	if !c.ended && len(c.parties) > 0 {
		// the untracked parties' transitions are unseen from now on: the
		// summary's horizon (see call.summary), kept in the first party
		c.lose(c.parties[0], nanos(s.EventTime))
		c.parties[0].resumed = -1
	}
	if c.dropped > 1 || c.ended {
		return out
	}
	out = append(out, Change{
		TelephonySessionID: c.id, PartyID: np.ID, To: np.Status.Code, Reason: np.Status.Reason,
		Party: *np, Sequence: s.Sequence, Kind: KindTooManyParties, EventTime: s.EventTime,
	})
	t.announce(c, out[len(out)-1:])
	return out
}

// asOf is the time a session's state holds at: the REST form's
// CreationTime ("the latest session update"), else the event time.
func asOf(s *Session) time.Time {
	if !s.CreationTime.IsZero() {
		return s.CreationTime
	}
	return s.EventTime
}

// olderThan reports whether the notification s, with a sequence, carrying
// np, is older than ps's state taken without one: by time when both are
// known and differ, else if it would take the party back to an earlier
// stage of the call.
func olderThan(s *Session, np *Party, ps *partyState) bool {
	if t := nanos(s.EventTime); t != 0 && ps.at != 0 && t != ps.at {
		return t < ps.at
	}
	return stage(np.Status.Code) < stage(ps.p.Status.Code)
}

// stage ranks a status code by how far into a call it is; a party only
// moves forward, or between the connected states.
func stage(c StatusCode) int {
	switch c {
	case Setup:
		return 0
	case Proceeding:
		return 1
	case Disconnected, Gone:
		return 3
	}
	return 2 // Answered, Hold, Parked, VoiceMail, …: connected
}

// announce marks the first change reported for c.
func (t *Tracker) announce(c *call, ch []Change) {
	if !c.announced && len(ch) > 0 {
		c.announced = true
		ch[0].CallStarted = true
	}
}

// over reports whether no party of c is still in the call and one left it
// other than by a hand-off.
func (c *call) over() bool { return c.inCall == 0 && c.left > 0 }

// checkEnd ends c if no party is still in it.
func (t *Tracker) checkEnd(c *call, now time.Time, mark int, reason string, out []Change) []Change {
	if c.ended || !c.over() {
		return out
	}
	return t.end(c, now, mark, reason, out)
}

// end ends c, marking the last of its changes in out[mark:] with CallEnded
// (adding a call-level change if there is none), and fails its waiters.
func (t *Tracker) end(c *call, now time.Time, mark int, reason string, out []Change) []Change {
	c.ended = true
	c.endedAt = now
	unlink(c)
	pushFront(&t.done, c)
	t.nEnded++
	last := -1
	for i := len(out) - 1; i >= mark; i-- {
		if out[i].TelephonySessionID == c.id {
			last = i
			break
		}
	}
	if last < 0 {
		if reason == "" {
			reason = ReasonResync
		}
		out = append(out, Change{TelephonySessionID: c.id, To: Disconnected, Reason: reason, Kind: KindResync})
		t.announce(c, out[len(out)-1:])
		last = len(out) - 1
	}
	out[last].CallEnded = true
	out[last].Summary = c.summary(out[last].Kind)
	if len(t.waiters) > 0 {
		t.failWaiters(c, nil)
	}
	return out
}

// resyncParty ends a party that Reconcile found gone, as of asOf (the
// REST state's time, or zero if unknown).
func (t *Tracker) resyncParty(c *call, ps *partyState, reason string, asOf, now time.Time, out []Change) []Change {
	from := ps.p.Status.Code
	c.tally(&ps.p.Status, -1)
	ps.p.Status = Status{Code: Disconnected, Reason: reason}
	c.tally(&ps.p.Status, 1)
	ps.unsequenced = true
	c.partial = true
	c.account(ps, from, ps.answered, true, nanos(asOf))
	out = append(out, Change{
		TelephonySessionID: c.id, PartyID: ps.p.ID, From: from, To: Disconnected,
		Reason: reason, Party: ps.p.party(), Kind: KindResync, EventTime: asOf,
	})
	t.announce(c, out[len(out)-1:])
	if len(t.waiters) > 0 {
		t.wakeParty(c, ps)
	}
	return out
}

// newCall starts tracking a call. At the cap it evicts the ended call
// that ended first or, if no call has ended, the least recently updated
// active call, which it reports in out.
func (t *Tracker) newCall(id string, now time.Time, out []Change) (*call, []Change) {
	if t.cfg.maxCalls > 0 && len(t.calls) >= t.cfg.maxCalls {
		if victim := t.done.prev; victim != &t.done {
			t.forget(victim)
			t.stats.Evicted++
		} else if victim := t.live.prev; victim != &t.live {
			t.forget(victim)
			t.stats.Evicted++
			t.stats.EvictedLive++
			out = append(out, Change{TelephonySessionID: victim.id, Kind: KindEvicted, CallEnded: true, EventTime: now,
				Summary: victim.summary(KindEvicted)})
			t.announce(victim, out[len(out)-1:])
			if len(t.waiters) > 0 {
				t.failWaiters(victim, ErrEvicted)
			}
		}
	}
	c := &call{id: id, started: now}
	c.parties = c.firstPtrs[:0]
	t.calls[id] = c
	if len(t.peers) > 0 {
		t.adoptPending(c)
	}
	c.next, c.prev = c, c // detached; touch links it
	return c, out
}

// touch records an update of c, moving it to the front of the active
// list; ended calls stay in the order they ended.
func (t *Tracker) touch(c *call, now time.Time) {
	c.updated = now
	if !c.ended {
		unlink(c)
		pushFront(&t.live, c)
	}
}

// unlink takes c off its list, leaving it detached.
func unlink(c *call) {
	c.prev.next, c.next.prev = c.next, c.prev
	c.next, c.prev = c, c
}

// pushFront puts the detached c at the front of the list headed by head.
func pushFront(head, c *call) {
	c.next, c.prev = head.next, head
	head.next.prev = c
	head.next = c
}

// forget removes c from the tracker.
func (t *Tracker) forget(c *call) {
	delete(t.calls, c.id)
	t.dropPending(c)
	unlink(c)
	if c.ended {
		t.nEnded--
	}
}

// expire forgets ended calls whose TTL has passed, oldest first.
func (t *Tracker) expire(now time.Time, out []Change) []Change {
	for c := t.done.prev; c != &t.done && now.Sub(c.endedAt) >= t.cfg.ttl; c = t.done.prev {
		t.forget(c)
		t.stats.Expired++
	}
	return out
}
