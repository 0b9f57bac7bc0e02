package telephony

import (
	"math"
	"time"
)

// CallSummary is what happened to one call (one telephony session), built
// when the call ends and carried by the Change that ends it
// (Change.Summary, set exactly when Change.CallEnded is).
//
// Times are the server's event times (the notifications' eventTime, or
// the REST state's creationTime for states read by Reconcile), never the
// tracker's clock. Durations follow RingCentral's "Calculating call time
// metrics" on each party's transitions: ring is Proceeding until the
// party's next state (the first Answered or Disconnected in the guide's
// formula; VoiceMail and Gone end it too), talk is Answered until Hold or
// the party leaves, summed over the answered spans, and hold is Hold until
// Answered or the party leaves, summed.
//
// When transitions may have been lost (Partial), every duration, of the
// call and of each party, is a lower bound of the real one: a span that a
// gap crossed (its state replaced by one Reconcile read, or ended by
// Reconcile) is not counted, whatever its end time, since the state may
// have changed unseen within it; a notification dropped as stale takes
// back from the party's durations the time since it that it may belong
// to; and the call-level times count nothing past the first moment a
// transition may have been unseen, except talk seen whole after a
// Reconcile (see Ring, Talk, Hold).
type CallSummary struct {
	// TelephonySessionID names the call.
	TelephonySessionID string
	// Direction is the direction (Inbound or Outbound) of the first party
	// the tracker saw in the call: the subscriber's side of it.
	Direction string
	// Caller and Callee are the From and To of the first party the tracker
	// saw in the call.
	Caller, Callee Endpoint
	// Start is the event time of the first notification applied for the
	// call; Answer that of the first party to be answered (zero when none
	// was); End the latest event time applied for it. Start <= Answer <=
	// End whenever they are set, whatever order notifications came in.
	Start, Answer, End time.Time
	// Ring is Answer - Start, or End - Start when the call was never
	// answered. Hold is the longest hold time of any party (the holder's).
	// Talk is End - Answer - Hold (zero when never answered). When the
	// summary is Partial, these formulas stop at the first moment a
	// transition of the call may have been unseen (the start of a span a
	// gap crossed, a notification dropped as stale, a party past the cap,
	// or the current state of a party still in an evicted call): Ring
	// counts no time past it; Talk counts none past it either and
	// subtracts each party's hold as counted before stale notifications
	// trimmed it, or, when Reconcile read the call and nothing of it was
	// lost afterwards, is at least End less the later of Answer and the
	// REST state's time, less that hold. Each is then a lower bound.
	Ring, Talk, Hold time.Duration
	// Parties lists every tracked party of the call, in the order the
	// tracker first saw them.
	Parties []PartySummary
	// JourneyID is shared by every session of one caller's journey: the
	// sessions linked by a party that moved from one to another (an
	// attended transfer, a merge into a conference, a parked call picked
	// up; Status.PeerID), as far as the tracker saw them. It is the id of
	// the journey's session that started first on the server, or this
	// session's own id when it is linked to none.
	JourneyID string
	// LinkedSessions lists, sorted, the sessions this one is directly
	// linked to, in either direction (nil when none).
	LinkedSessions []string
	// Outcome says how the call ended.
	Outcome Outcome
	// Partial is set when transitions of the call may have been lost: a
	// resync (Reconcile) touched the call, it was evicted, it had more
	// parties than the cap (WithMaxParties), or a notification came out of
	// order too late to be placed (counted as stale). The durations, the
	// call's and each party's, are then lower bounds of the real ones (see
	// CallSummary). A notification that arrives after the call ended
	// cannot be in its summary; WithReorderWindow avoids that.
	Partial bool
}

// PartySummary is one party's part in a call.
type PartySummary struct {
	// PartyID names the party.
	PartyID string
	// ExtensionID is the extension the party belongs to, if any.
	ExtensionID string
	// Direction is the party's direction (Inbound or Outbound).
	Direction string
	// Endpoint is the party's own end of the call: To for an inbound
	// party, From for an outbound one.
	Endpoint Endpoint
	// Ring, Talk and Hold are the party's own times, by the documented
	// formulas (see CallSummary); lower bounds when the summary is
	// Partial.
	Ring, Talk, Hold time.Duration
	// Status and Reason say how the party left: its final status code
	// (Disconnected or Gone, or its last state for a call that was
	// evicted) and reason.
	Status StatusCode
	Reason string
	// Peer names the session and party the call continues in, for a party
	// that left by an attended transfer, into a conference or by the
	// pick-up of a parked call.
	Peer *PeerID
	// Answered reports whether the party was ever answered.
	Answered bool
	// MissedCall is the party's missedCall flag. (The flags come last,
	// sharing a word, as Outcome and Partial do in CallSummary: a summary
	// of two parties then fits the 704-byte size class instead of 768.)
	MissedCall bool
}

// Outcome says how a call ended.
type Outcome uint8

// The outcomes of a call, from its parties' final states (not from the
// order they arrived in). When several apply: if every party that left
// went to another session (Gone), the way it was handed on (conference,
// park pick-up, attended transfer); otherwise a blind or attended
// transfer by any party, then answered, then the outcomes of calls never
// answered, in the order listed below.
const (
	// OutcomeUnknown: the tracker cannot tell: a call it evicted (still
	// going, see KindEvicted), or one resynced before any party was
	// answered or left.
	OutcomeUnknown Outcome = iota
	// OutcomeAnswered: the call was answered and then hung up.
	OutcomeAnswered
	// OutcomeMissed: nobody answered (missedCall, or NoAnswer, Timeout,
	// Rejected, TargetBusy).
	OutcomeMissed
	// OutcomeVoicemail: the call reached voicemail and was not answered.
	OutcomeVoicemail
	// OutcomeBlindTransfer: a party transferred the call blind
	// (BlindTransfer or DtmfTransfer); it went on in this session.
	OutcomeBlindTransfer
	// OutcomeAttendedTransfer: the call was transferred attended: this
	// session ended by handing the call to the one in its parties' Peer, or
	// carried the call after a transfer.
	OutcomeAttendedTransfer
	// OutcomeParkedPickedUpElsewhere: the call was parked and picked up
	// from the park location; it goes on in the session named by Peer.
	OutcomeParkedPickedUpElsewhere
	// OutcomeMergedIntoConference: the call was merged into a conference;
	// it goes on in the conference session named by Peer.
	OutcomeMergedIntoConference
	// OutcomeAnsweredElsewhere: the call rang here but another agent
	// answered it (AgentAnswered), for example a call-queue member's
	// party seen alone.
	OutcomeAnsweredElsewhere
	// OutcomeAbandoned: the caller hung up while it was ringing
	// (Cancelled, or the outbound party left before anyone answered).
	OutcomeAbandoned
)

var outcomeNames = [...]string{
	OutcomeUnknown: "Unknown", OutcomeAnswered: "Answered", OutcomeMissed: "Missed",
	OutcomeVoicemail: "Voicemail", OutcomeBlindTransfer: "BlindTransfer",
	OutcomeAttendedTransfer: "AttendedTransfer", OutcomeParkedPickedUpElsewhere: "ParkedPickedUpElsewhere",
	OutcomeMergedIntoConference: "MergedIntoConference", OutcomeAnsweredElsewhere: "AnsweredElsewhere",
	OutcomeAbandoned: "Abandoned",
}

// String returns the outcome's name, such as "Answered".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + itoa(int(o)) + ")"
}

// Party flags (partyState.flags).
const (
	flagVoiceMail uint8 = 1 << iota // the party reached voicemail
)

// nanos returns t as Unix nanoseconds, 0 for the zero time.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos.
func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// account records that ps took its new state, whose time is at (Unix
// nanoseconds, 0 if unknown), coming from the code from: it closes the
// span of from into the party's ring, talk or hold time, and records the
// call-level times. A span that a gap crossed (crossed: Reconcile replaced
// or ended the state) is not counted: the party's state may have changed
// unseen within it. It does constant work and allocates nothing.
func (c *call) account(ps *partyState, from StatusCode, answeredBefore, crossed bool, at int64) {
	switch {
	case crossed:
		c.lose(ps, ps.at)
		if at == 0 || c.dropped > 0 {
			ps.resumed = -1 // the party's end, or untracked parties, unseen
		} else {
			ps.resumed = max(ps.resumed, at)
		}
	case at != 0 && ps.at != 0 && at > ps.at:
		d := at - ps.at
		switch from {
		case Proceeding:
			if !answeredBefore {
				ps.ring += d
			}
		case Answered:
			ps.talk += d
		case Hold:
			ps.hold += d
		}
	}
	ps.at = at
	c.note(ps, ps.p.Status.Code, at)
}

// horizon returns at, the time (Unix nanoseconds) from which a transition
// of c may be unseen, or when it is unknown (0) c's first time, or else 1:
// nothing of the call is certain.
func (c *call) horizon(at int64) int64 {
	if at == 0 {
		at = c.start
	}
	return max(at, 1)
}

// lose records that a transition of ps may be unseen from at (Unix
// nanoseconds, 0 if unknown) on.
func (c *call) lose(ps *partyState, at int64) {
	at = c.horizon(at)
	if ps.lost == 0 || at < ps.lost {
		ps.lost = at
	}
}

// trimStale takes back from ps's ring, talk and hold the time a
// notification at ts (Unix nanoseconds, 0 if unknown) dropped as stale
// may have belonged to: it is older than ps's state, so it fell in a span
// already counted, which ended by ps.at at the latest; the time from ts to
// ps.at (all of it if either is unknown) is taken from each, as the state
// the span was counted in cannot be told. The hold taken back is kept in
// ps.trim, for the call-level talk.
func (c *call) trimStale(ps *partyState, ts int64) {
	d := int64(math.MaxInt64)
	if ts != 0 && ps.at != 0 {
		d = max(0, ps.at-ts)
	}
	ps.ring -= min(ps.ring, d)
	ps.talk -= min(ps.talk, d)
	h := min(ps.hold, d)
	ps.hold -= h
	ps.trim += h
	c.lose(ps, ts)
	if ts == 0 || (ps.resumed > 0 && ts >= ps.resumed) {
		ps.resumed = -1 // lost after the REST state
	}
}

// note records that ps was in state code at time at (Unix nanoseconds, 0
// if unknown) in the call-level times and the party's flags. It is also
// called for a notification dropped as stale: what it says happened did
// happen, though too late to be placed.
func (c *call) note(ps *partyState, code StatusCode, at int64) {
	switch code {
	case VoiceMail, VoiceMailScreening:
		ps.flags |= flagVoiceMail
	case Answered:
		ps.answered = true
	}
	if at == 0 {
		return
	}
	if c.start == 0 || at < c.start {
		c.start = at
	}
	if at > c.end {
		c.end = at
	}
	if code == Answered && (c.answer == 0 || at < c.answer) {
		c.answer = at
	}
}

// summary builds the summary of c, which ends with a change of kind k.
func (c *call) summary(k ChangeKind) *CallSummary {
	s := newSummary(len(c.parties))
	s.TelephonySessionID = c.id
	s.Start, s.Answer, s.End = fromNanos(c.start), fromNanos(c.answer), fromNanos(c.end)
	s.Partial = c.partial || c.dropped > 0 || k == KindEvicted || k == KindResync
	s.JourneyID, s.LinkedSessions = c.journey(), c.linkedSessions()
	if len(c.parties) > 0 {
		p := &c.parties[0].p
		s.Direction, s.Caller, s.Callee = p.Direction, p.From, p.To
	}
	// hold is the longest party hold; held the longest before stale
	// notifications trimmed it. lost is the first moment a transition of
	// the call may be unseen (0 if none), resumed the time of the latest
	// REST state from which the call was seen whole, if post.
	var hold, held, lost, resumed int64
	post := c.dropped == 0
	for i, ps := range c.parties {
		p := &ps.p
		s.Parties[i] = PartySummary{
			PartyID: p.ID, ExtensionID: p.ExtensionID, Direction: p.Direction, Endpoint: p.Local(),
			Ring: time.Duration(ps.ring), Talk: time.Duration(ps.talk), Hold: time.Duration(ps.hold),
			Answered: ps.answered, Status: p.Status.Code, Reason: p.Status.Reason,
			MissedCall: p.MissedCall, Peer: p.Status.PeerID,
		}
		hold = max(hold, ps.hold)
		held = max(held, ps.hold+ps.trim)
		l := ps.lost
		if s.Partial && !p.Status.Code.Final() {
			// still in the (evicted) call: its current span is unseen
			l, post = c.horizon(ps.at), false
			if ps.lost != 0 {
				l = min(l, ps.lost)
			}
		}
		if l != 0 && (lost == 0 || l < lost) {
			lost = l
		}
		if ps.resumed < 0 {
			post = false
		}
		resumed = max(resumed, ps.resumed)
	}
	if c.start != 0 {
		ring := c.answer
		if ring == 0 {
			ring = c.end
		}
		if lost != 0 {
			ring = min(ring, lost)
		}
		s.Ring = time.Duration(max(0, ring-c.start))
		if c.answer != 0 {
			s.Hold = time.Duration(hold)
			talk := c.end - c.answer - hold
			if lost != 0 {
				talk = min(c.end, lost) - c.answer - held
				if post && resumed > 0 {
					talk = max(talk, c.end-max(resumed, c.answer)-held)
				}
			}
			s.Talk = time.Duration(max(0, talk))
		}
	}
	if k != KindEvicted { // an evicted call has not necessarily ended
		s.Outcome = c.outcome()
	}
	return s
}

// newSummary returns a zero summary whose Parties has length and capacity
// n. For the common calls of up to four parties, the summary and its
// parties are one allocation of just the size needed: with the 8-byte
// header the runtime adds to objects over 512 bytes that hold pointers,
// 512, 704, 896 and 1152 bytes for one to four parties (see
// TestAllocationSizes).
func newSummary(n int) *CallSummary {
	switch {
	case n <= 1:
		v := new(struct {
			s CallSummary
			p [1]PartySummary
		})
		v.s.Parties = v.p[:n:n]
		return &v.s
	case n == 2:
		v := new(struct {
			s CallSummary
			p [2]PartySummary
		})
		v.s.Parties = v.p[:]
		return &v.s
	case n == 3:
		v := new(struct {
			s CallSummary
			p [3]PartySummary
		})
		v.s.Parties = v.p[:]
		return &v.s
	case n == 4:
		v := new(struct {
			s CallSummary
			p [4]PartySummary
		})
		v.s.Parties = v.p[:]
		return &v.s
	}
	return &CallSummary{Parties: make([]PartySummary, n)}
}

// outcome names how c ended. It depends only on the parties' final
// states and flags, not on the order the tracker learnt them in.
func (c *call) outcome() Outcome {
	var answered, voicemail, missed, elsewhere, abandoned bool
	var blind, attended, parked, conference, hungUp, other bool
	for _, ps := range c.parties {
		st := &ps.p.Status
		answered = answered || ps.answered
		voicemail = voicemail || ps.flags&flagVoiceMail != 0
		switch {
		case st.Code == Disconnected && (st.Reason == ReasonBlindTransfer || st.Reason == ReasonDtmfTransfer):
			blind = true
		case st.Code == Gone && (st.Reason == ReasonConference || ps.p.ConferenceRole != ""):
			conference = true
		case st.Code == Gone && (st.Reason == ReasonPickup || st.Reason == ReasonCallSwitch):
			parked = true
		case st.Reason == ReasonAttendedTransfer || (st.Code == Gone && st.PeerID != nil):
			attended = true
		case st.Code == Disconnected && !handedOff(st):
			hungUp = true
			if st.Reason == ReasonAgentAnswered {
				elsewhere = true
			} else {
				other = true
			}
		}
		if ps.answered || !st.Code.Final() {
			continue
		}
		switch {
		case ps.p.MissedCall, st.Reason == ReasonNoAnswer, st.Reason == ReasonTimeout,
			st.Reason == ReasonRejected, st.Reason == ReasonTargetBusy, st.Reason == ReasonVoicemail:
			missed = true
		case st.Reason == ReasonCancelled, st.Code == Disconnected && ps.p.Direction == Outbound:
			abandoned = true
		}
	}
	if !hungUp { // every party left for another session: the call went on there
		switch {
		case conference:
			return OutcomeMergedIntoConference
		case parked:
			return OutcomeParkedPickedUpElsewhere
		case attended:
			return OutcomeAttendedTransfer
		}
	}
	switch {
	case blind:
		return OutcomeBlindTransfer
	case attended:
		return OutcomeAttendedTransfer
	case answered, elsewhere && other && !missed && !voicemail:
		// AgentAnswered on one party and another one still here that
		// hung up: that one answered (its Answered may have come too late
		// to be placed)
		return OutcomeAnswered
	case elsewhere:
		return OutcomeAnsweredElsewhere
	case voicemail:
		return OutcomeVoicemail
	case missed:
		return OutcomeMissed
	case abandoned:
		return OutcomeAbandoned
	case conference:
		return OutcomeMergedIntoConference
	case parked:
		return OutcomeParkedPickedUpElsewhere
	}
	return OutcomeUnknown
}
