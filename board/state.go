package board

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// The rows the page shows, as sent to it (JSON). Times are Unix
// milliseconds of the server's clock; durations are milliseconds. Labels
// are plain text; codes are one of a fixed set of words the page's style
// sheet colours, never a value from RingCentral.

type callRow struct {
	ID        string      `json:"id"`
	From      string      `json:"from"`
	To        string      `json:"to"`
	Dir       string      `json:"dir"`
	State     string      `json:"state"`
	Code      string      `json:"code"`
	Start     int64       `json:"start"`
	Answer    int64       `json:"answer,omitempty"`
	HoldStart int64       `json:"holdStart,omitempty"`
	HoldAcc   int64       `json:"holdAcc,omitempty"`
	Parties   []*partyRow `json:"parties"`
}

type partyRow struct {
	ID    string `json:"id"`
	Who   string `json:"who"`
	State string `json:"state"`
	Code  string `json:"code"`
	Since int64  `json:"since"`

	status telephony.StatusCode
}

type agentRow struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Ext   string `json:"ext"`
	State string `json:"state"`
	Code  string `json:"code"`
	Since int64  `json:"since,omitempty"`
	Other string `json:"other"`
	Dir   string `json:"dir"`
	Queue string `json:"queue"`

	status   presence.TelephonyStatus
	dnd      string
	presence string
}

type recentRow struct {
	ID      string `json:"id"`
	From    string `json:"from"`
	To      string `json:"to"`
	Dir     string `json:"dir"`
	Outcome string `json:"outcome"`
	Code    string `json:"code"`
	End     int64  `json:"end"`
	Ring    int64  `json:"ring"`
	Talk    int64  `json:"talk"`
	Hold    int64  `json:"hold"`
	Partial bool   `json:"partial,omitempty"`
}

type healthRow struct {
	Transport string `json:"transport"`
	Conn      string `json:"conn"`
	ConnCode  string `json:"connCode"`
	Last      int64  `json:"last,omitempty"`
	Gaps      int    `json:"gaps"`
	Resyncs   int    `json:"resyncs"`
	Dropped   uint64 `json:"dropped"`
	GapOpen   bool   `json:"gapOpen"`
	GapSince  int64  `json:"gapSince,omitempty"`
	GapReason string `json:"gapReason,omitempty"`
	Sub       string `json:"sub"`
	SubState  string `json:"subState"`
}

type stripRow struct {
	Active      int   `json:"active"`
	Ringing     int   `json:"ringing"`
	RingSince   int64 `json:"ringSince,omitempty"`
	Hold        int   `json:"hold"`
	HoldSince   int64 `json:"holdSince,omitempty"`
	Parked      int   `json:"parked"`
	Missed15    int   `json:"missed15"`
	Answered15  int   `json:"answered15"`
	NotShown    int   `json:"notShown,omitempty"`
	WindowMins  int   `json:"windowMins"`
	RecentLimit int   `json:"recentLimit"`
}

// message is a snapshot (Reset set, everything listed) or a patch (only
// what changed).
type message struct {
	Reset  bool         `json:"reset,omitempty"`
	Title  string       `json:"title,omitempty"`
	Now    int64        `json:"now"`
	Calls  []*callRow   `json:"calls,omitempty"`
	Gone   []string     `json:"gone,omitempty"`
	Agents []*agentRow  `json:"agents,omitempty"`
	Recent []*recentRow `json:"recent,omitempty"`
	Health *healthRow   `json:"health,omitempty"`
	Strip  *stripRow    `json:"strip,omitempty"`
}

// window is the span of the strip's missed and answered counts.
const window = 15 * time.Minute

// maxEnds bounds the ended calls remembered for the strip's counts.
const maxEnds = 100_000

// maxParties bounds the parties listed in one call's row.
const maxParties = 16

type endMark struct {
	at               time.Time
	answered, missed bool
}

// state is the board's model. The Board's mutex guards it.
type state struct {
	cfg *config

	calls      map[string]*callRow
	dirtyCalls map[string]struct{}
	notShown   map[string]struct{} // calls beyond maxCalls, counted only

	agents      map[string]*agentRow
	dirtyAgents map[string]struct{}
	names       map[string]string // extension id → name, learnt from calls

	recent    []*recentRow // oldest first, at most cfg.recent
	newRecent int          // how many of the last of recent are not sent yet

	health      healthRow
	healthDirty bool

	ends  []endMark // oldest first
	strip stripRow  // as last sent
}

func newState(cfg *config) *state {
	s := &state{
		cfg:         cfg,
		calls:       map[string]*callRow{},
		dirtyCalls:  map[string]struct{}{},
		notShown:    map[string]struct{}{},
		agents:      map[string]*agentRow{},
		dirtyAgents: map[string]struct{}{},
		names:       map[string]string{},
		health:      healthRow{Conn: "Waiting for the subscription", ConnCode: "warn", SubState: "Not connected yet"},
	}
	for _, a := range cfg.agents {
		if len(s.agents) >= cfg.maxAgents {
			break
		}
		s.agents[a.id] = &agentRow{ID: a.id, Name: a.name, Ext: a.number, State: "Unknown", Code: "unknown"}
	}
	s.strip = s.stripNow(cfg.now())
	return s
}

// clamp returns the server's time of an event, t, for the live timers:
// now when t is unknown or ahead of the board's clock (the timers tick
// from the board's clock, which the page follows), so a timer never starts
// in the future.
func clamp(t, now time.Time) time.Time {
	if t.IsZero() || t.After(now) {
		return now
	}
	return t
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// apply applies one event observed at now.
func (s *state) apply(now time.Time, ev notify.Event) {
	s.health.Last = ms(now)
	s.healthDirty = true
	h := &s.health
	switch e := ev.(type) {
	case *notify.CallChange:
		s.call(now, e)
	case *notify.PresenceEvent:
		s.presence(now, &e.Header, &e.Body)
	case *notify.Connected:
		h.Transport = e.Transport
		h.Conn, h.ConnCode = "Connected", "ok"
		h.Sub, h.SubState = e.SubscriptionID, "Active"
	case *notify.Reconnecting:
		h.Conn, h.ConnCode = "Reconnecting (attempt "+itoa(e.Attempt)+")", "warn"
	case *notify.Recovered:
		h.Conn, h.ConnCode = "Connected", "ok"
		h.SubState = "Active (recovered, nothing lost)"
	case *notify.Resubscribed:
		h.Conn, h.ConnCode = "Connected", "ok"
		h.Sub, h.SubState = e.SubscriptionID, "Active (created anew: "+e.Reason+")"
	case *notify.Gap:
		h.Gaps++
		h.GapOpen, h.GapSince, h.GapReason = true, ms(e.Since), e.Reason
		if h.GapSince == 0 {
			h.GapSince = ms(now)
		}
	case *notify.Resynced:
		h.Resyncs++
		h.GapOpen, h.GapSince, h.GapReason = false, 0, ""
	case *notify.ResyncFailed:
		if h.GapOpen {
			h.GapReason = "resync failed; waiting for the next one"
		}
	case *notify.Overflow:
		h.Dropped = e.Total
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// endpointLabel names one end of a call: "Name (number)".
func endpointLabel(e *telephony.Endpoint) string {
	num := e.PhoneNumber
	switch {
	case e.Name != "" && num != "":
		return e.Name + " (" + num + ")"
	case e.Name != "":
		return e.Name
	case num != "":
		return num
	}
	return ""
}

// partyState labels a party's status.
func partyState(code telephony.StatusCode, dir string) (label, class string) {
	switch code {
	case telephony.Setup:
		return "Setting up", "setup"
	case telephony.Proceeding:
		if dir == telephony.Inbound {
			return "Ringing", "ringing"
		}
		return "Dialling", "setup"
	case telephony.Answered:
		return "Talking", "talking"
	case telephony.Hold:
		return "On hold", "hold"
	case telephony.Parked:
		return "Parked", "parked"
	case telephony.VoiceMail, telephony.VoiceMailScreening:
		return "Voicemail", "voicemail"
	case telephony.FaxReceive:
		return "Fax", "other"
	case telephony.Disconnected:
		return "Left", "ended"
	case telephony.Gone:
		return "Moved on", "ended"
	case "":
		return "Unknown", "other"
	}
	return string(code), "other"
}

// callOrder is the precedence of the codes for a call's overall state.
var callOrder = []string{"hold", "parked", "talking", "voicemail", "ringing", "setup", "other", "ended"}

func (s *state) call(now time.Time, e *notify.CallChange) {
	at := clamp(e.EventTime, now)
	s.learn(&e.Party.From)
	s.learn(&e.Party.To)
	sid := e.TelephonySessionID
	c := s.calls[sid]
	if e.CallEnded {
		if c != nil {
			delete(s.calls, sid)
			s.dirtyCalls[sid] = struct{}{}
		}
		delete(s.notShown, sid)
		s.ended(now, c, e)
		return
	}
	if c == nil {
		if len(s.calls) >= s.cfg.maxCalls {
			if len(s.notShown) < 4*s.cfg.maxCalls {
				s.notShown[sid] = struct{}{}
			}
			return
		}
		c = &callRow{ID: sid, Start: ms(at), Parties: []*partyRow{}}
		s.calls[sid] = c
	}
	if c.From == "" && c.To == "" {
		c.From, c.To, c.Dir = endpointLabel(&e.Party.From), endpointLabel(&e.Party.To), e.Party.Direction
	}
	if e.PartyID != "" {
		var p *partyRow
		for _, q := range c.Parties {
			if q.ID == e.PartyID {
				p = q
				break
			}
		}
		if p == nil && len(c.Parties) < maxParties {
			p = &partyRow{ID: e.PartyID}
			c.Parties = append(c.Parties, p)
		}
		if p != nil {
			own := &e.Party.To
			if e.Party.Direction == telephony.Outbound {
				own = &e.Party.From
			}
			if w := endpointLabel(own); w != "" {
				p.Who = w
			}
			p.status = e.To
			p.State, p.Code = partyState(e.To, e.Party.Direction)
			p.Since = ms(at)
		}
	}
	held := false
	best := len(callOrder)
	c.State, c.Code = "Unknown", "other"
	for _, p := range c.Parties {
		held = held || p.status == telephony.Hold
		if i := slices.Index(callOrder, p.Code); i >= 0 && i < best {
			best = i
			c.State, c.Code = p.State, p.Code
		}
	}
	switch {
	case held && c.HoldStart == 0:
		c.HoldStart = ms(at)
	case !held && c.HoldStart != 0:
		c.HoldAcc += max(ms(at)-c.HoldStart, 0)
		c.HoldStart = 0
	}
	if c.Answer == 0 && e.To == telephony.Answered {
		c.Answer = ms(at)
	}
	s.dirtyCalls[sid] = struct{}{}
}

// outcomeLabel labels a call's outcome.
func outcomeLabel(o telephony.Outcome) (label, class string) {
	switch o {
	case telephony.OutcomeAnswered:
		return "Answered", "ok"
	case telephony.OutcomeMissed:
		return "Missed", "bad"
	case telephony.OutcomeAbandoned:
		return "Abandoned", "bad"
	case telephony.OutcomeVoicemail:
		return "Voicemail", "warn"
	case telephony.OutcomeBlindTransfer:
		return "Transferred (blind)", "ok"
	case telephony.OutcomeAttendedTransfer:
		return "Transferred (attended)", "ok"
	case telephony.OutcomeParkedPickedUpElsewhere:
		return "Parked, picked up elsewhere", "ok"
	case telephony.OutcomeMergedIntoConference:
		return "Merged into a conference", "ok"
	case telephony.OutcomeAnsweredElsewhere:
		return "Answered elsewhere", "ok"
	}
	return "Unknown", "other"
}

// ended lists an ended call in the recent calls and counts it.
func (s *state) ended(now time.Time, c *callRow, e *notify.CallChange) {
	r := &recentRow{ID: e.TelephonySessionID, End: ms(now), Outcome: "Ended", Code: "other"}
	if c != nil {
		r.From, r.To, r.Dir = c.From, c.To, c.Dir
	}
	mark := endMark{at: now}
	if sum := e.Summary; sum != nil {
		if f, t := endpointLabel(&sum.Caller), endpointLabel(&sum.Callee); f != "" || t != "" {
			r.From, r.To = f, t
		}
		if sum.Direction != "" {
			r.Dir = sum.Direction
		}
		if !sum.End.IsZero() {
			r.End = ms(clamp(sum.End, now))
		}
		r.Ring, r.Talk, r.Hold = sum.Ring.Milliseconds(), sum.Talk.Milliseconds(), sum.Hold.Milliseconds()
		r.Outcome, r.Code = outcomeLabel(sum.Outcome)
		r.Partial = sum.Partial
		mark.answered = !sum.Answer.IsZero()
		mark.missed = !mark.answered && (sum.Outcome == telephony.OutcomeMissed ||
			sum.Outcome == telephony.OutcomeAbandoned || sum.Outcome == telephony.OutcomeVoicemail)
	}
	if len(s.recent) >= s.cfg.recent {
		copy(s.recent, s.recent[1:])
		s.recent = s.recent[:len(s.recent)-1]
	}
	s.recent = append(s.recent, r)
	s.newRecent = min(s.newRecent+1, len(s.recent))
	if len(s.ends) >= maxEnds {
		s.ends = slices.Delete(s.ends, 0, len(s.ends)/10)
	}
	s.ends = append(s.ends, mark)
}

// learn remembers the name of an extension seen in a call, for the agent
// grid.
func (s *state) learn(e *telephony.Endpoint) {
	if e.ExtensionID == "" || e.Name == "" {
		return
	}
	if a := s.agents[e.ExtensionID]; a != nil {
		if a.Name == "" {
			a.Name = e.Name
			s.dirtyAgents[a.ID] = struct{}{}
		}
		return
	}
	if _, ok := s.names[e.ExtensionID]; !ok {
		if len(s.names) >= 4*s.cfg.maxAgents {
			clear(s.names)
		}
		s.names[e.ExtensionID] = e.Name
	}
}

// agentState labels an agent's presence.
func agentState(a *agentRow) (label, class string) {
	switch a.status {
	case presence.NoCall:
		switch {
		case a.dnd == presence.DoNotAcceptAnyCalls:
			return "Do not disturb", "dnd"
		case a.presence == presence.StatusOffline:
			return "Offline", "offline"
		}
		return "Available", "idle"
	case presence.Ringing:
		return "Ringing", "ringing"
	case presence.CallConnected:
		return "On a call", "talking"
	case presence.OnHold:
		return "On hold", "hold"
	case presence.ParkedCall:
		return "Parked", "parked"
	case "":
		return "Unknown", "unknown"
	}
	return string(a.status), "other"
}

func (s *state) presence(now time.Time, h *notify.Header, e *presence.Event) {
	if e.ExtensionID == "" {
		return
	}
	a := s.agents[e.ExtensionID]
	if a == nil {
		if len(s.agents) >= s.cfg.maxAgents {
			return
		}
		a = &agentRow{ID: e.ExtensionID, Name: s.names[e.ExtensionID]}
		s.agents[a.ID] = a
	}
	at := clamp(h.Timestamp, now)
	before := a.State
	if e.TelephonyStatus != "" && e.TelephonyStatus != a.status {
		a.status = e.TelephonyStatus
		a.Since = ms(at)
	}
	if e.DNDStatus != "" {
		a.dnd = e.DNDStatus
		switch e.DNDStatus {
		case presence.DoNotAcceptAnyCalls, presence.DoNotAcceptDepartmentCalls:
			a.Queue = "No"
		case presence.TakeAllCalls, presence.TakeDepartmentCallsOnly:
			a.Queue = "Yes"
		}
	}
	if e.PresenceStatus != "" {
		a.presence = e.PresenceStatus
	}
	if e.ActiveCalls != nil {
		a.Other, a.Dir = "", ""
		for i := range e.ActiveCalls {
			ac := &e.ActiveCalls[i]
			if ac.Ended() {
				continue
			}
			a.Dir = ac.Direction
			if ac.Direction == presence.Inbound {
				a.Other = nameNumber(ac.FromName, ac.From)
			} else {
				a.Other = nameNumber(ac.ToName, ac.To)
			}
			break
		}
	}
	a.State, a.Code = agentState(a)
	if a.State != before && a.Since == 0 {
		a.Since = ms(at)
	}
	s.dirtyAgents[a.ID] = struct{}{}
}

func nameNumber(name, number string) string {
	switch {
	case name != "" && number != "":
		return name + " (" + number + ")"
	case name != "":
		return name
	}
	return number
}

// stripNow computes the top strip.
func (s *state) stripNow(now time.Time) stripRow {
	cut := now.Add(-window)
	i := 0
	for i < len(s.ends) && s.ends[i].at.Before(cut) {
		i++
	}
	if i > 0 {
		s.ends = slices.Delete(s.ends, 0, i)
	}
	st := stripRow{Active: len(s.calls) + len(s.notShown), NotShown: len(s.notShown),
		WindowMins: int(window / time.Minute), RecentLimit: s.cfg.recent}
	for _, c := range s.calls {
		switch c.Code {
		case "ringing":
			st.Ringing++
			if st.RingSince == 0 || c.Start < st.RingSince {
				st.RingSince = c.Start
			}
		case "parked":
			st.Parked++
		}
		if c.HoldStart != 0 {
			st.Hold++
			if st.HoldSince == 0 || c.HoldStart < st.HoldSince {
				st.HoldSince = c.HoldStart
			}
		}
	}
	for _, m := range s.ends {
		if m.answered {
			st.Answered15++
		}
		if m.missed {
			st.Missed15++
		}
	}
	return st
}

func byStart(a, b *callRow) int {
	return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
}

func byAgent(a, b *agentRow) int {
	return cmp.Or(cmp.Compare(a.Ext, b.Ext), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

// patch returns what changed since the last patch, and whether anything
// did (the clock alone does not count).
func (s *state) patch(now time.Time) ([]byte, bool) {
	m := message{Now: ms(now)}
	for id := range s.dirtyCalls {
		if c := s.calls[id]; c != nil {
			m.Calls = append(m.Calls, c)
		} else {
			m.Gone = append(m.Gone, id)
		}
	}
	clear(s.dirtyCalls)
	slices.SortFunc(m.Calls, byStart)
	slices.Sort(m.Gone)
	for id := range s.dirtyAgents {
		if a := s.agents[id]; a != nil {
			m.Agents = append(m.Agents, a)
		}
	}
	clear(s.dirtyAgents)
	slices.SortFunc(m.Agents, byAgent)
	if s.newRecent > 0 {
		m.Recent = s.recent[len(s.recent)-s.newRecent:]
		s.newRecent = 0
	}
	if s.healthDirty {
		h := s.health
		m.Health = &h
		s.healthDirty = false
	}
	if st := s.stripNow(now); st != s.strip {
		s.strip = st
		m.Strip = &st
	}
	changed := m.Calls != nil || m.Gone != nil || m.Agents != nil || m.Recent != nil || m.Health != nil || m.Strip != nil
	return mustJSON(&m), changed
}

// snapshot returns the whole state.
func (s *state) snapshot(now time.Time) []byte {
	m := message{Reset: true, Title: s.cfg.title, Now: ms(now), Calls: []*callRow{}, Agents: []*agentRow{}, Recent: []*recentRow{}}
	for _, c := range s.calls {
		m.Calls = append(m.Calls, c)
	}
	slices.SortFunc(m.Calls, byStart)
	for _, a := range s.agents {
		m.Agents = append(m.Agents, a)
	}
	slices.SortFunc(m.Agents, byAgent)
	m.Recent = append(m.Recent, s.recent...)
	h := s.health
	m.Health = &h
	st := s.stripNow(now)
	m.Strip = &st
	return mustJSON(&m)
}

// mustJSON encodes the board's own types, which cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"now":0}`)
	}
	return b
}
