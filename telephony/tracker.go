package telephony

import (
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
// The number of tracked calls is capped (WithMaxCalls); at the cap, the
// least recently updated call is forgotten to make room and counted in
// Stats.Evicted.
//
// A Tracker is safe for concurrent use. It starts no goroutines: time-driven
// work (expiry, the reorder window) happens in Apply, Tick and Flush.
type Tracker struct {
	mu  sync.Mutex
	cfg trackerConfig

	calls map[string]*call
	// lru is a circular list of the calls, most recently updated first.
	lru call
	// ended lists ended calls in the order they ended, for expiry.
	ended     []*call
	endedHead int
	nEnded    int // ended calls still in calls

	waiters map[string][]*waiter

	// reorder window state (tracker_reorder.go)
	pending map[string]*pendingQueue
	due     []dueEntry
	dueHead int
	held    int

	stats Stats
}

// call is the model of one telephony session.
type call struct {
	id        string
	sessionID string
	origin    Origin
	parties   []partyState
	seq       int64
	started   time.Time
	updated   time.Time
	endedAt   time.Time
	ended     bool
	gone      bool // no longer in Tracker.calls
	announced bool // a change with CallStarted has been reported

	prev, next *call
}

// partyState is a party's latest applied state.
type partyState struct {
	p        Party
	seq      int64
	answered bool
	// unsequenced: the state was taken without a sequence (REST, or
	// Reconcile), so seq is only a lower bound and later notifications are
	// ordered against asOf, the time the state holds at (zero if unknown).
	unsequenced bool
	asOf        time.Time
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
	// Evicted counts calls forgotten because of the cap on tracked calls;
	// Expired counts ended calls forgotten after their TTL.
	Evicted, Expired uint64
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
}

// TrackerOption configures a Tracker.
type TrackerOption func(*trackerConfig)

type trackerConfig struct {
	now      func() time.Time
	ttl      time.Duration
	maxCalls int
	window   time.Duration
}

// DefaultEndedTTL is how long a Tracker keeps ended calls by default.
const DefaultEndedTTL = 60 * time.Second

// DefaultMaxCalls is the default cap on the number of tracked calls.
const DefaultMaxCalls = 100_000

// WithClock sets the clock the tracker uses for TTLs and the reorder window
// (time.Now by default).
func WithClock(now func() time.Time) TrackerOption {
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
// (DefaultMaxCalls by default); n <= 0 removes the cap.
func WithMaxCalls(n int) TrackerOption {
	return func(c *trackerConfig) { c.maxCalls = max(n, 0) }
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
		cfg:   trackerConfig{now: time.Now, ttl: DefaultEndedTTL, maxCalls: DefaultMaxCalls},
		calls: make(map[string]*call),
	}
	for _, o := range opts {
		if o != nil {
			o(&t.cfg)
		}
	}
	t.lru.next, t.lru.prev = &t.lru, &t.lru
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
		out = t.apply(s, now, out)
		c := t.calls[s.TelephonySessionID]
		if c == nil || c.ended {
			continue
		}
		mark := len(out)
		for _, ps := range c.byID() {
			if !ps.p.Status.Code.Final() && s.Party(ps.p.ID) == nil {
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

func (c *call) snapshot() Call {
	out := Call{
		TelephonySessionID: c.id, SessionID: c.sessionID, Origin: c.origin,
		Parties: make([]Party, len(c.parties)), Sequence: c.seq,
		Started: c.started, Updated: c.updated, EndedAt: c.endedAt, Ended: c.ended,
	}
	for i := range c.parties {
		out.Parties[i] = c.parties[i].p
	}
	slices.SortFunc(out.Parties, func(a, b Party) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// byID returns c's parties sorted by id, for output that does not depend
// on the order they were first seen in.
func (c *call) byID() []*partyState {
	out := make([]*partyState, len(c.parties))
	for i := range c.parties {
		out[i] = &c.parties[i]
	}
	slices.SortFunc(out, func(a, b *partyState) int { return strings.Compare(a.p.ID, b.p.ID) })
	return out
}

func (c *call) party(id string) *partyState {
	for i := range c.parties {
		if c.parties[i].p.ID == id {
			return &c.parties[i]
		}
	}
	return nil
}

// apply applies s (already past the reorder window) and appends the
// changes to out.
func (t *Tracker) apply(s *Session, now time.Time, out []Change) []Change {
	c := t.calls[s.TelephonySessionID]
	if c == nil {
		c = t.newCall(s.TelephonySessionID, now)
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
		ps := c.party(np.ID)
		var from StatusCode
		if ps == nil {
			c.parties = append(c.parties, partyState{p: *np, seq: s.Sequence})
			ps = &c.parties[len(c.parties)-1]
		} else {
			if s.Sequence != 0 && s.Sequence <= ps.seq {
				if s.Sequence == ps.seq {
					t.stats.Duplicates++
				} else {
					t.stats.Stale++
				}
				continue
			}
			if s.Sequence != 0 && ps.unsequenced && olderThan(s, np, ps) {
				ps.seq = s.Sequence
				t.stats.Stale++
				continue
			}
			from = ps.p.Status.Code
			merge(&ps.p, np)
			ps.seq = max(ps.seq, s.Sequence)
		}
		if s.Sequence == 0 {
			ps.unsequenced, ps.asOf = true, asOf(s)
		} else {
			ps.unsequenced, ps.asOf = false, time.Time{}
		}
		answered := ps.answered
		ps.answered = answered || ps.p.Status.Code == Answered
		if c.ended {
			t.stats.Late++
			continue
		}
		t.stats.Applied++
		if from == ps.p.Status.Code {
			continue
		}
		out = append(out, Change{
			TelephonySessionID: c.id, PartyID: ps.p.ID, From: from, To: ps.p.Status.Code,
			Reason: ps.p.Status.Reason, Party: ps.p, Sequence: s.Sequence,
			Kind: classify(from, &ps.p, answered), Peer: ps.p.Status.PeerID, EventTime: s.EventTime,
		})
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
	if !s.EventTime.IsZero() && !ps.asOf.IsZero() && !s.EventTime.Equal(ps.asOf) {
		return s.EventTime.Before(ps.asOf)
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

// merge updates dst with src, keeping what src does not say: a
// notification may leave out fields that an earlier one carried.
func merge(dst, src *Party) {
	p := *src
	if p.AccountID == "" {
		p.AccountID = dst.AccountID
	}
	if p.ExtensionID == "" {
		p.ExtensionID = dst.ExtensionID
	}
	if p.Direction == "" {
		p.Direction = dst.Direction
	}
	if p.From == (Endpoint{}) {
		p.From = dst.From
	}
	if p.To == (Endpoint{}) {
		p.To = dst.To
	}
	if p.ConferenceRole == "" {
		p.ConferenceRole = dst.ConferenceRole
	}
	if p.SIPData == nil {
		p.SIPData = dst.SIPData
	}
	if p.UICallInfo == nil {
		p.UICallInfo = dst.UICallInfo
	}
	if p.Recordings == nil {
		p.Recordings = dst.Recordings
	}
	p.QueueCall = p.QueueCall || dst.QueueCall
	p.MissedCall = p.MissedCall || dst.MissedCall
	*dst = p
}

// over reports whether no party of c is still in the call.
func (c *call) over() bool {
	left := false
	for i := range c.parties {
		st := &c.parties[i].p.Status
		if !st.Code.Final() {
			return false
		}
		// a hand-off alone does not end the call: it goes on elsewhere
		left = left || !handedOff(st)
	}
	return left
}

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
	t.ended = append(t.ended, c)
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
	if len(t.waiters) > 0 {
		t.failWaiters(c, nil)
	}
	return out
}

// resyncParty ends a party that Reconcile found gone, as of asOf (the
// REST state's time, or zero if unknown).
func (t *Tracker) resyncParty(c *call, ps *partyState, reason string, asOf, now time.Time, out []Change) []Change {
	from := ps.p.Status.Code
	ps.p.Status = Status{Code: Disconnected, Reason: reason}
	ps.unsequenced, ps.asOf = true, asOf
	out = append(out, Change{
		TelephonySessionID: c.id, PartyID: ps.p.ID, From: from, To: Disconnected,
		Reason: reason, Party: ps.p, Kind: KindResync, EventTime: now,
	})
	t.announce(c, out[len(out)-1:])
	if len(t.waiters) > 0 {
		t.wakeParty(c, ps)
	}
	return out
}

// newCall starts tracking a call, evicting the least recently updated one
// at the cap.
func (t *Tracker) newCall(id string, now time.Time) *call {
	if t.cfg.maxCalls > 0 && len(t.calls) >= t.cfg.maxCalls {
		if victim := t.lru.prev; victim != &t.lru {
			t.forget(victim)
			t.stats.Evicted++
			if !victim.ended && len(t.waiters) > 0 {
				t.failWaiters(victim, ErrEvicted)
			}
		}
	}
	// most calls have two parties: room for them in one allocation
	c := &call{id: id, started: now, parties: make([]partyState, 0, 2)}
	t.calls[id] = c
	c.next, c.prev = c, c // detached; touch links it
	return c
}

// touch moves c to the front of the LRU list.
func (t *Tracker) touch(c *call, now time.Time) {
	c.updated = now
	c.prev.next, c.next.prev = c.next, c.prev
	c.next, c.prev = t.lru.next, &t.lru
	t.lru.next.prev = c
	t.lru.next = c
}

// forget removes c from the tracker.
func (t *Tracker) forget(c *call) {
	delete(t.calls, c.id)
	c.prev.next, c.next.prev = c.next, c.prev
	c.next, c.prev = c, c
	c.gone = true
	if c.ended {
		// it stays in t.ended, without its parties, until expire or a
		// compaction drops it
		t.nEnded--
		c.parties = nil
	}
}

// expire forgets ended calls whose TTL has passed.
func (t *Tracker) expire(now time.Time, out []Change) []Change {
	for t.endedHead < len(t.ended) {
		c := t.ended[t.endedHead]
		if !c.gone && now.Sub(c.endedAt) < t.cfg.ttl {
			break
		}
		t.ended[t.endedHead] = nil
		t.endedHead++
		if !c.gone {
			t.forget(c)
			t.stats.Expired++
		}
	}
	// compact when the queue is mostly popped or mostly evicted calls
	if q := len(t.ended) - t.endedHead; q > 64 && (t.endedHead >= q || q >= 2*t.nEnded) {
		n := 0
		for _, c := range t.ended[t.endedHead:] {
			if !c.gone {
				t.ended[n] = c
				n++
			}
		}
		clear(t.ended[n:])
		t.ended = t.ended[:n]
		t.endedHead = 0
	}
	return out
}
