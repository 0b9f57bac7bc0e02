package callscript

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// ErrDone is returned by Player.Step once every step has been played.
var ErrDone = errors.New("callscript: script done")

// ErrBadStep is matched (errors.Is) by every StepError.
var ErrBadStep = errors.New("callscript: bad step")

// StepError reports a step that cannot be played, such as one naming a
// call or party that does not exist.
type StepError struct {
	Script string
	Step   int
	Op     Op
	Reason string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("callscript: %s: step %d (%s): %s", e.Script, e.Step, e.Op, e.Reason)
}

// Is makes errors.Is(err, ErrBadStep) true.
func (e *StepError) Is(target error) bool { return target == ErrBadStep }

// Player plays one Script in a World, a step at a time. It is not safe for
// concurrent use; Players of one World may run concurrently.
type Player struct {
	w      *World
	s      Script
	steps  []Step // s.Steps, with the Otherwise steps of timed-out waits
	exact  bool
	wait   *waiting
	next   int
	now    time.Time
	calls  map[string]*call
	out    []Event
	failed error
}

// PlayOption configures World.Play and Run.
type PlayOption func(*playConfig)

type playConfig struct{ exact bool }

// ExactTimes makes every event of a step happen at the step's time. By
// default each event comes 15 to 85 ms after the previous one, as
// RingCentral's do; exact times make a call's metrics the sums of its
// step durations (Script.Want).
func ExactTimes() PlayOption { return func(c *playConfig) { c.exact = true } }

// Play returns a Player for the script, whose clock starts at start.
func (w *World) Play(s Script, start time.Time, opts ...PlayOption) *Player {
	var cfg playConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	return &Player{w: w, s: s, steps: slices.Clone(s.Steps), exact: cfg.exact, now: start.UTC(), calls: map[string]*call{}}
}

// Now returns the player's scripted clock: the time of its latest event.
func (p *Player) Now() time.Time { return p.now }

// Remaining returns how many steps are left to play.
func (p *Player) Remaining() int { return len(p.steps) - p.next }

// NextDelay returns the scripted delay before the next step (zero when
// done).
func (p *Player) NextDelay() time.Duration {
	if p.next >= len(p.steps) {
		return 0
	}
	return p.steps[p.next].After
}

// Next returns the step Step plays next, if any.
func (p *Player) Next() (Step, bool) {
	if p.next >= len(p.steps) {
		return Step{}, false
	}
	return p.steps[p.next], true
}

// Step plays the next step and returns its events in order. It returns
// ErrDone when no step is left, and a *StepError (for good: later calls
// return it again) for a step that cannot be played; the events of a
// failed step up to the fault are returned with it. A step that waits
// (OpAwait) has no events: Waiting reports it until Resume or TimeOut
// ends the wait, and Step called during the wait times it out first.
//
// Steps on a call that a Call Control request ended, or by a party that
// a request made leave (Resume), are skipped: they have no events.
func (p *Player) Step() ([]Event, error) {
	if p.failed != nil {
		return nil, p.failed
	}
	p.TimeOut()
	if p.next >= len(p.steps) {
		return nil, ErrDone
	}
	i := p.next
	st := p.steps[i]
	p.next++
	if st.After > 0 {
		p.now = p.now.Add(st.After)
	}
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	p.out = nil
	if reason := p.apply(i, st); reason != "" && reason != skipStep {
		p.failed = &StepError{Script: p.s.Name, Step: i, Op: st.Op, Reason: reason}
		return p.out, p.failed
	}
	return p.out, nil
}

// skipStep is apply's answer for a step it skips.
const skipStep = "\x00skip"

// waiting is an OpAwait in progress.
type waiting struct {
	index int
	step  Step
	c     *call
	l     *leg
	code  telephony.StatusCode // the party's status when the wait began
}

// Wait describes the OpAwait step a Player waits in.
type Wait struct {
	// Call and Party are the labels of the call and of the waiting party;
	// TelephonySessionID and PartyID their ids.
	Call, Party                 string
	TelephonySessionID, PartyID string
	// Timeout is the step's timeout.
	Timeout time.Duration
}

// Waiting reports whether the player waits in an OpAwait step, and which.
func (p *Player) Waiting() (Wait, bool) {
	w := p.wait
	if w == nil {
		return Wait{}, false
	}
	return Wait{Call: w.c.label, Party: w.l.label, TelephonySessionID: w.c.id, PartyID: w.l.p.ID, Timeout: w.step.Timeout}, true
}

// TimeOut ends the wait of an OpAwait step by its timeout: the clock
// moves on by the timeout, and the step's Otherwise steps are played
// next. It does nothing when the player does not wait.
func (p *Player) TimeOut() {
	w := p.wait
	if w == nil {
		return
	}
	p.wait = nil
	p.now = p.now.Add(w.step.Timeout)
	if len(w.step.Otherwise) > 0 {
		p.steps = slices.Insert(slices.Clone(p.steps), p.next, w.step.Otherwise...)
	}
}

// Resume takes into the player's calls what a Call Control request did
// to one of them: s is the session as the request left it, with every
// party or only the ones it changed (as notified). Each party that
// differs from the call's (a party the request added is labelled with its
// id) gets a telephony event with Op OpControl, numbered in order up to
// s.Sequence, as the platform that served the request notified it, then
// the presence event of its extension if that changed; the clock moves on
// to s.EventTime if that is later. A call whose parties have all left
// ends. When the request changed the status of the party an OpAwait
// waits for, the wait ends and the steps after it follow (not its
// Otherwise steps). Sessions the player does not know are ignored.
func (p *Player) Resume(s *telephony.Session) []Event {
	if s == nil || p.failed != nil {
		return nil
	}
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	var c *call
	for _, x := range p.calls {
		if x.id == s.TelephonySessionID {
			c = x
		}
	}
	if c == nil || c.ended {
		return nil
	}
	type change struct {
		l  *leg
		pt *telephony.Party
	}
	var changed []change
	for i := range s.Parties {
		pt := &s.Parties[i]
		var l *leg
		for _, x := range c.legs {
			if x.p.ID == pt.ID {
				l = x
			}
		}
		if l != nil && reflect.DeepEqual(l.p, *pt) {
			continue
		}
		changed = append(changed, change{l, pt})
	}
	if len(changed) == 0 {
		return nil
	}
	p.out = nil
	if t := s.EventTime.UTC(); t.After(p.now) {
		p.now = t
	}
	sc := stepCtx{max(p.next-1, 0), OpControl}
	if p.wait != nil {
		sc.index = p.wait.index
	}
	seq := max(c.seq, s.Sequence) - int64(len(changed))
	for _, ch := range changed {
		l := ch.l
		if l == nil {
			l = p.adoptLeg(c, ch.pt)
		}
		l.p = cloneParty(*ch.pt)
		if l.p.Status.Code == telephony.Answered {
			l.answered = true
		}
		l.byControl = l.final()
		seq++
		p.emit(sc, c, l, seq)
	}
	if w := p.wait; w != nil && w.c == c && (w.l.final() || w.l.p.Status.Code != w.code) {
		p.wait = nil
	}
	return p.out
}

// adoptLeg adds to c the party pt that a Call Control request added (the
// target of a transfer or forward), labelled with its id.
func (p *Player) adoptLeg(c *call, pt *telephony.Party) *leg {
	ep := Endpoint{Label: pt.ID, Kind: External, PhoneNumber: pt.To.PhoneNumber, Name: pt.To.Name}
	if pt.ExtensionID != "" {
		ep.Kind, ep.ExtensionID = User, pt.ExtensionID
	}
	l := &leg{label: pt.ID, ep: ep, start: p.now}
	if ep.internal() {
		l.sip = &presenceSIP{toTag: p.w.base32(10), fromTag: p.w.hex(14)}
		if pt.SIPData != nil {
			l.sip = &presenceSIP{toTag: pt.SIPData.ToTag, fromTag: pt.SIPData.FromTag}
		}
		l.presID = p.w.base32(20)
	}
	c.legs = append(c.legs, l)
	return l
}

// stepCtx is the step being played, for the events it emits.
type stepCtx struct {
	index int
	op    Op
}

func (p *Player) apply(i int, st Step) string {
	sc := stepCtx{i, st.Op}
	get := func(label string) (*call, string) {
		c, ok := p.calls[label]
		switch {
		case !ok:
			return nil, fmt.Sprintf("no call %q", label)
		case c.ended && c.byControl:
			return nil, skipStep
		case c.ended:
			return nil, fmt.Sprintf("call %q has ended", label)
		}
		return c, ""
	}
	party := func(c *call, label string) (*leg, string) {
		l := c.leg(label)
		if l != nil && l.final() && l.byControl {
			return nil, skipStep
		}
		if l == nil || l.final() {
			return nil, fmt.Sprintf("no active party %q in call %q", label, c.label)
		}
		return l, ""
	}
	switch st.Op {
	case OpDial:
		if _, ok := p.calls[st.Call]; ok || st.Call == "" {
			return fmt.Sprintf("call label %q is empty or used", st.Call)
		}
		if !st.From.internal() && !st.To.internal() {
			return "a call needs an extension of the account at one end"
		}
		p.dial(sc, st)
		return ""
	case OpPickUp:
		if _, ok := p.calls[st.Call]; ok || st.Call == "" {
			return fmt.Sprintf("call label %q is empty or used", st.Call)
		}
		parked, bad := get(st.Target)
		if bad != "" {
			return bad
		}
		var pl *leg
		for _, l := range parked.legs {
			if l.p.Status.Code == telephony.Parked {
				pl = l
			}
		}
		if pl == nil {
			return fmt.Sprintf("no parked party in call %q", st.Target)
		}
		if !st.From.internal() {
			return "only an extension picks up a parked call"
		}
		p.pickUp(sc, st, parked, pl)
		return ""
	case OpConference:
		if _, ok := p.calls[st.Call]; ok || st.Call == "" {
			return fmt.Sprintf("call label %q is empty or used", st.Call)
		}
		if len(st.Merge) == 0 {
			return "no call to merge"
		}
		var merged []*call
		for _, m := range st.Merge {
			c, bad := get(m)
			if bad != "" {
				return bad
			}
			if _, bad := party(c, st.Party); bad != "" {
				return bad
			}
			merged = append(merged, c)
		}
		p.conference(sc, st, merged)
		return ""
	}
	c, bad := get(st.Call)
	if bad != "" {
		return bad
	}
	if st.Op == OpRing || st.Op == OpBlindTransfer {
		if !st.To.internal() && st.Op == OpRing {
			return "only an extension rings in a call"
		}
	}
	if st.Op == OpRing {
		p.ring(sc, c, st.To, true)
		return ""
	}
	l, bad := party(c, st.Party)
	if bad != "" {
		return bad
	}
	switch st.Op {
	case OpAnswer:
		if l.answered {
			return fmt.Sprintf("party %q has answered already", st.Party)
		}
		p.answer(sc, c, l)
	case OpHold:
		p.set(sc, c, l, telephony.Hold, "", nil)
	case OpUnhold:
		if l.p.Status.Code != telephony.Hold {
			return fmt.Sprintf("party %q is not on hold", st.Party)
		}
		p.set(sc, c, l, telephony.Answered, "", nil)
	case OpPark:
		if !l.answered {
			return "only an answered call can be parked"
		}
		parkID := p.w.digits(9)
		p.set(sc, c, l, telephony.Parked, "", func(pt *telephony.Party) {
			pt.Status.ParkData = st.ParkData
			pt.Park = &telephony.Park{ID: parkID}
		})
	case OpBlindTransfer:
		p.blindTransfer(sc, c, l, st.To)
	case OpAttendedTransfer:
		consult, bad := get(st.Target)
		if bad != "" {
			return bad
		}
		l2, bad := party(consult, st.Party)
		if bad != "" {
			return bad
		}
		p.set(sc, c, l, telephony.Gone, telephony.ReasonAttendedTransfer, peer(consult, consult.sessionID, l2))
		p.set(sc, consult, l2, telephony.Gone, telephony.ReasonAttendedTransfer, peer(c, c.sessionID, l))
		link(c, consult)
	case OpVoicemail:
		if l.answered {
			return "an answered party cannot send the call to voicemail"
		}
		p.set(sc, c, l, telephony.VoiceMail, "", func(pt *telephony.Party) { pt.MissedCall = true })
		p.connectCallers(sc, c, l)
	case OpHangup:
		p.hangup(sc, c, l)
	case OpAwait:
		if st.Timeout <= 0 {
			return "an await needs a positive timeout"
		}
		p.wait = &waiting{index: i, step: st, c: c, l: l, code: l.p.Status.Code}
	default:
		return "unknown operation"
	}
	return ""
}

func peer(c *call, sessionID string, l *leg) func(*telephony.Party) {
	return func(pt *telephony.Party) {
		pt.Status.PeerID = &telephony.PeerID{SessionID: sessionID, TelephonySessionID: c.id, PartyID: l.p.ID}
	}
}

// newCall starts a session.
func (p *Player) newCall(label, origin string) *call {
	h := p.w.hex(32)
	c := &call{label: label, hex: h, id: "s-" + h, sessionID: p.w.digits(12), origin: origin, updated: p.now}
	p.calls[label] = c
	p.w.sessions[c.id] = c
	return c
}

// addLeg adds a party; owned says whether it belongs to the account
// (account-only unless the endpoint is an extension).
func (p *Player) addLeg(c *call, ep Endpoint, dir string, from, to telephony.Endpoint, owned bool) *leg {
	l := &leg{label: ep.Label, ep: ep, start: p.now}
	l.p = telephony.Party{
		ID:        c.partyID(len(c.legs) + 1),
		Direction: dir,
		From:      from,
		To:        to,
	}
	if ep.internal() {
		l.p.AccountID, l.p.ExtensionID = p.w.accountID, ep.ExtensionID
	} else if owned {
		l.p.AccountID = p.w.accountID
	}
	if ep.internal() {
		l.p.SIPData = &telephony.SIPData{CallID: p.w.hex(16), ToTag: p.w.base32(10), FromTag: "10." + itoa(10+p.w.rng.IntN(60)) + ".20." + itoa(2+p.w.rng.IntN(250)) + "-5070-" + p.w.hex(14)}
		l.sip = &presenceSIP{toTag: l.p.SIPData.ToTag, fromTag: l.p.SIPData.FromTag}
		l.presID = p.w.base32(20)
	}
	c.legs = append(c.legs, l)
	return l
}

func (c *call) partyID(n int) string {
	return "p-" + c.hex + "-" + itoa(n)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func endpointOf(e Endpoint, internalCall bool) telephony.Endpoint {
	return telephony.Endpoint{PhoneNumber: e.number(internalCall), Name: e.Name, ExtensionID: e.ExtensionID}
}

func (p *Player) dial(sc stepCtx, st Step) {
	c := p.newCall(st.Call, telephony.OriginCall)
	internal := st.From.internal() && st.To.internal()
	from, to := endpointOf(st.From, internal), endpointOf(st.To, internal)
	caller := p.addLeg(c, st.From, telephony.Outbound, from, to, st.From.internal())
	callee := p.addLeg(c, st.To, telephony.Inbound, from, to, st.From.internal())
	callee.p.QueueCall = st.To.Kind == Queue
	p.set(sc, c, caller, telephony.Setup, "", nil)
	if st.To.internal() {
		p.set(sc, c, callee, telephony.Setup, "", nil)
	}
	p.set(sc, c, callee, telephony.Proceeding, "", nil)
	p.set(sc, c, caller, telephony.Proceeding, "", nil)
}

// ring adds a ringing extension to a call (a call-queue agent, or the
// target of a transfer).
func (p *Player) ring(sc stepCtx, c *call, to Endpoint, queueCall bool) *leg {
	var from telephony.Endpoint
	for _, l := range c.legs {
		if l.p.Direction == telephony.Outbound {
			from = l.p.From
			break
		}
	}
	l := p.addLeg(c, to, telephony.Inbound, from, endpointOf(to, from.ExtensionID != ""), true)
	l.p.QueueCall = queueCall
	p.set(sc, c, l, telephony.Setup, "", nil)
	p.set(sc, c, l, telephony.Proceeding, "", nil)
	return l
}

// answer connects l, stops the other ringing parties and connects the
// caller.
func (p *Player) answer(sc stepCtx, c *call, l *leg) {
	p.set(sc, c, l, telephony.Answered, "", nil)
	for _, o := range c.legs {
		if o != l && !o.final() && !o.answered && o.p.Direction == telephony.Inbound {
			p.set(sc, c, o, telephony.Disconnected, telephony.ReasonAgentAnswered, nil)
		}
	}
	p.connectCallers(sc, c, l)
}

// connectCallers answers the callers still waiting.
func (p *Player) connectCallers(sc stepCtx, c *call, except *leg) {
	for _, o := range c.legs {
		if o != except && !o.final() && !o.answered && o.p.Direction == telephony.Outbound {
			p.set(sc, c, o, telephony.Answered, "", nil)
		}
	}
}

func (p *Player) blindTransfer(sc stepCtx, c *call, l *leg, to Endpoint) {
	p.ring(sc, c, to, false)
	p.set(sc, c, l, telephony.Disconnected, telephony.ReasonBlindTransfer, nil)
}

// pickUp: the picker dials the park location; the parked party and the
// park location's party are the two ends of the cross call.
func (p *Player) pickUp(sc stepCtx, st Step, parked *call, pl *leg) {
	c := p.newCall(st.Call, telephony.OriginCall)
	from := endpointOf(st.From, true)
	to := telephony.Endpoint{PhoneNumber: st.ParkData, Name: "Park Location"}
	picker := p.addLeg(c, st.From, telephony.Outbound, from, to, true)
	loc := p.addLeg(c, Endpoint{Label: "park:" + st.ParkData, Kind: External, PhoneNumber: st.ParkData}, telephony.Inbound, from, to, true)
	p.set(sc, c, picker, telephony.Setup, "", nil)
	p.set(sc, c, loc, telephony.Answered, "", nil)
	p.set(sc, c, picker, telephony.Answered, "", nil)
	p.set(sc, parked, pl, telephony.Gone, telephony.ReasonPickup, peer(c, c.sessionID, loc))
	p.set(sc, c, loc, telephony.Gone, telephony.ReasonPickup, peer(parked, parked.sessionID, pl))
	link(parked, c)
}

// conference starts the conference session, brings every party of the
// merged calls into it, then ends their old parties with Gone/Conference.
// Peers name conference sessions with the legacy session id "0".
func (p *Player) conference(sc stepCtx, st Step, merged []*call) {
	conf := p.newCall(st.Call, telephony.OriginConference)
	confEnd := telephony.Endpoint{PhoneNumber: "conference", Name: "Conference"}
	join := func(old *leg, role string) *leg {
		l := p.addLeg(conf, old.ep, telephony.Inbound, endpointOf(old.ep, false), confEnd, old.p.AccountID != "")
		l.p.ConferenceRole = role
		l.start = old.start
		p.set(sc, conf, l, telephony.Setup, "", nil)
		p.set(sc, conf, l, telephony.Answered, "", nil)
		return l
	}
	host := join(merged[0].leg(st.Party), telephony.RoleHost)
	for _, m := range merged {
		for _, old := range m.legs {
			if old.final() || old.label == st.Party {
				continue
			}
			nl := join(old, telephony.RoleParticipant)
			p.set(sc, m, old, telephony.Gone, telephony.ReasonConference, peer(conf, "0", nl))
		}
		p.set(sc, m, m.leg(st.Party), telephony.Gone, telephony.ReasonConference, peer(conf, "0", host))
		link(m, conf)
	}
}

// hangup ends l; a group of linked calls left with fewer than two
// connected parties ends.
func (p *Player) hangup(sc stepCtx, c *call, l *leg) {
	p.disconnect(sc, c, l)
	group := c.group()
	n := 0
	for _, g := range group {
		for _, o := range g.legs {
			if o.connected() {
				n++
			}
		}
	}
	if n >= 2 {
		return
	}
	for _, g := range group {
		for _, o := range g.legs {
			if !o.final() {
				p.disconnect(sc, g, o)
			}
		}
	}
}

func (p *Player) disconnect(sc stepCtx, c *call, l *leg) {
	missed := !l.answered && l.p.Direction == telephony.Inbound
	p.set(sc, c, l, telephony.Disconnected, "", func(pt *telephony.Party) {
		if missed {
			pt.MissedCall = true
		}
	})
}

// set changes a party's status and emits its telephony notification, then
// the presence notification of its extension if that changed.
func (p *Player) set(sc stepCtx, c *call, l *leg, code telephony.StatusCode, reason string, mod func(*telephony.Party)) {
	if !p.exact {
		p.now = p.now.Add(p.w.jitter())
	}
	l.p.Status = telephony.Status{Code: code, Reason: reason}
	if code != telephony.Parked {
		l.p.Park = nil
	}
	if code == telephony.Answered {
		l.answered = true
	}
	if mod != nil {
		mod(&l.p)
	}
	p.emit(sc, c, l, c.seq+1)
}

// emit records the notification of l's state with sequence seq, then the
// presence notification of its extension if that changed.
func (p *Player) emit(sc stepCtx, c *call, l *leg, seq int64) {
	c.seq = max(c.seq, seq)
	c.updated = p.now
	ended := true
	for _, o := range c.legs {
		if !o.final() {
			ended = false
		}
	}
	body := &telephony.Session{
		Sequence:           seq,
		SessionID:          c.sessionID,
		TelephonySessionID: c.id,
		ServerID:           p.w.serverID,
		EventTime:          p.now,
		Origin:             telephony.Origin{Type: c.origin},
		Parties:            []telephony.Party{cloneParty(l.p)},
	}
	ev := Event{
		Kind: TelephonyEvent, Step: sc.index, Op: sc.op, Call: c.label, Party: l.label,
		EventTime: p.now, AccountID: l.p.AccountID, ExtensionID: l.p.ExtensionID,
		Session: body, SessionEnded: ended,
	}
	if ended {
		c.ended = true
		c.byControl = sc.op == OpControl
		delete(p.w.sessions, c.id)
	} else {
		ev.SessionState = c.state()
	}
	p.out = append(p.out, ev)
	if l.ep.Kind == User && l.ep.ExtensionID != "" {
		p.presence(sc, c, l)
	}
}

// presence updates the extension's entry for l's call and emits its
// presence notification when the call's telephony status changed.
func (p *Player) presence(sc stepCtx, c *call, l *leg) {
	ts := presenceStatus(l.p.Status.Code)
	if ts == "" {
		return
	}
	x := p.w.ext(l.ep.ExtensionID)
	var pc *presCall
	for _, e := range x.calls {
		if e.leg == l {
			pc = e
		}
	}
	switch {
	case pc == nil && ts == presence.NoCall:
		return // never listed
	case pc == nil:
		pc = &presCall{leg: l, entry: presence.ActiveCall{
			ID:                 l.presID,
			Direction:          l.p.Direction,
			From:               l.p.From.PhoneNumber,
			FromName:           l.p.From.Name,
			To:                 l.p.To.PhoneNumber,
			ToName:             l.p.To.Name,
			TelephonySessionID: c.id,
			PartyID:            l.p.ID,
			SessionID:          c.sessionID,
			StartTime:          l.start,
			QueueCall:          l.p.QueueCall,
			SIPData: &presence.SIPData{
				ToTag: l.sip.toTag, FromTag: l.sip.fromTag,
				RemoteURI: "sip:" + l.p.To.PhoneNumber + "@sip.ringcentral.com",
				LocalURI:  "sip:" + l.p.From.PhoneNumber + "@sip.ringcentral.com",
			},
		}}
		x.calls = append(x.calls, pc)
	case pc.entry.TelephonyStatus == ts:
		return
	}
	pc.entry.TelephonyStatus = ts
	if ts == presence.NoCall {
		pc.entry.TerminationType = presence.TerminationFinal
	}
	x.seq++
	body := x.body(l.ep.ExtensionID)
	// An ended call is listed once, in this notification.
	x.calls = deleteEnded(x.calls)
	p.out = append(p.out, Event{
		Kind: PresenceEvent, Step: sc.index, Op: sc.op, Call: c.label,
		EventTime: p.now, AccountID: p.w.accountID, ExtensionID: l.ep.ExtensionID,
		Presence: body, PresenceState: x.state(l.ep.ExtensionID),
	})
}

func deleteEnded(calls []*presCall) []*presCall {
	out := calls[:0]
	for _, pc := range calls {
		if pc.entry.TelephonyStatus != presence.NoCall {
			out = append(out, pc)
		}
	}
	clear(calls[len(out):])
	return out
}
