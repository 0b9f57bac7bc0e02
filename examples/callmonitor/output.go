package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// callLine is one call state change, in the form both printers use.
type callLine struct {
	Type        string    `json:"type"` // "call"
	Time        time.Time `json:"time"` // when callmonitor received it
	EventTime   time.Time `json:"eventTime,omitzero"`
	Call        string    `json:"call"` // short form of Session
	Session     string    `json:"telephonySessionId"`
	PartyID     string    `json:"partyId,omitempty"`
	Name        string    `json:"name,omitempty"`
	Number      string    `json:"number,omitempty"`
	ExtensionID string    `json:"extensionId,omitempty"`
	Direction   string    `json:"direction,omitempty"`
	Caller      string    `json:"caller,omitempty"`
	Callee      string    `json:"callee,omitempty"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Kind        string    `json:"kind"`
	What        string    `json:"what"`
	Reason      string    `json:"reason,omitempty"`
	Peer        string    `json:"peerTelephonySessionId,omitempty"`
	Sequence    int64     `json:"sequence,omitempty"`
	CallStarted bool      `json:"callStarted"`
	CallEnded   bool      `json:"callEnded"`
	Resync      bool      `json:"resync,omitempty"`
}

// newCallLine describes one change.
func newCallLine(now time.Time, c *notify.CallChange) callLine {
	p := &c.Party
	self, other := p.Local(), p.Remote() // the party's own end, and the far end
	caller, callee := p.From, p.To
	l := callLine{
		Type:        "call",
		Time:        now,
		EventTime:   c.EventTime,
		Call:        shortID(c.TelephonySessionID),
		Session:     c.TelephonySessionID,
		PartyID:     c.PartyID,
		Name:        self.Name,
		Number:      self.PhoneNumber,
		ExtensionID: p.ExtensionID,
		Direction:   p.Direction,
		Caller:      endpoint(caller),
		Callee:      endpoint(callee),
		From:        string(c.From),
		To:          string(c.To),
		Kind:        c.Kind.String(),
		Reason:      c.Reason,
		Sequence:    c.Sequence,
		CallStarted: c.CallStarted,
		CallEnded:   c.CallEnded,
		Resync:      c.Resync,
	}
	if c.Peer != nil {
		l.Peer = c.Peer.TelephonySessionID
	}
	l.What = what(c, endpoint(other))
	return l
}

// what says in words what a change means.
func what(c *notify.CallChange, other string) string {
	var s string
	reason := c.Reason
	switch c.Kind {
	case telephony.KindAttendedTransfer, telephony.KindBlindTransfer, telephony.KindResync:
		reason = "" // said already
	}
	switch c.Kind {
	case telephony.KindSetup:
		s = "setting up"
		if c.CallStarted {
			s = "new call"
			if other != "" && c.Party.Direction == telephony.Outbound {
				s += " to " + other
			} else if other != "" {
				s += " from " + other
			}
		}
	case telephony.KindRinging:
		s = "ringing"
		if other != "" {
			s += ", call from " + other
		}
	case telephony.KindProceeding:
		s = "calling"
		if other != "" {
			s += " " + other
		}
	case telephony.KindAnswered:
		s = "answered"
		if other != "" {
			s += ", talking with " + other
		}
	case telephony.KindHeld:
		s = "held"
	case telephony.KindResumed:
		s = "resumed"
	case telephony.KindParked:
		s = "parked"
		if at := c.Party.Status.ParkData; at != "" {
			s += " at " + at
		}
	case telephony.KindVoiceMail:
		s = "sent to voicemail"
	case telephony.KindFax:
		s = "receiving a fax"
	case telephony.KindMissed:
		s = "missed"
	case telephony.KindAnsweredElsewhere:
		s = "answered by another agent"
		if reason == telephony.ReasonAgentAnswered {
			reason = "" // said already
		}
	case telephony.KindBlindTransfer:
		s = "transferred (blind)"
		if other != "" {
			s = "transferred the call with " + other + " (blind)"
		}
	case telephony.KindAttendedTransfer:
		s = "transferred (attended)"
		if c.Peer != nil && c.Peer.TelephonySessionID != "" {
			s = "transferred to call " + shortID(c.Peer.TelephonySessionID)
		}
	case telephony.KindConference:
		s = "merged into a conference"
		if reason == telephony.ReasonConference {
			reason = "" // said already
		}
		if c.Peer != nil && c.Peer.TelephonySessionID != "" {
			s = "merged into conference " + shortID(c.Peer.TelephonySessionID)
		}
	case telephony.KindPickedUpElsewhere:
		s = "picked up elsewhere"
	case telephony.KindGone:
		s = "moved to another call"
	case telephony.KindLeft:
		s = "hung up"
		if c.From == telephony.Setup || c.From == telephony.Proceeding {
			s = "stopped ringing"
		}
	case telephony.KindResync:
		s = "gone while notifications were lost (found by resync)"
	case telephony.KindEvicted:
		s = "no longer tracked (too many calls: WithMaxCalls)"
	case telephony.KindTooManyParties:
		s = "party not tracked (too many parties on the call: WithMaxParties)"
	default:
		s = "now " + string(c.To)
	}
	if reason != "" {
		s += " (" + reason + ")"
	}
	if c.CallStarted && c.Kind != telephony.KindSetup {
		s = "new call, " + s
	}
	if c.CallEnded {
		s += "; call ended"
	}
	return s
}

// endpoint names one end of a call: "Alice Smith (101)", or the bare
// number.
func endpoint(e telephony.Endpoint) string {
	switch {
	case e.Name != "" && e.PhoneNumber != "":
		return e.Name + " (" + e.PhoneNumber + ")"
	case e.Name != "":
		return e.Name
	default:
		return e.PhoneNumber
	}
}

// partyLabel names a party by its own end of the call.
func partyLabel(p *telephony.Party) string {
	if s := endpoint(p.Local()); s != "" {
		return s
	}
	if p.ExtensionID != "" {
		return "extension " + p.ExtensionID
	}
	return "party " + shortID(p.ID)
}

// shortID keeps the tail of an id: the telephony session ids RingCentral
// sends ("s-a6abd24ca6774373a8120a3390d3cbe8") differ in their last
// characters.
func shortID(id string) string {
	const n = 6
	if len(id) <= n {
		return id
	}
	return id[len(id)-n:]
}

// startInfo is what the first line says.
type startInfo struct {
	Type      string    `json:"type"` // "start"
	Time      time.Time `json:"time"`
	Platform  string    `json:"platform"` // "embedded" or "ringcentral"
	URL       string    `json:"url"`
	Transport string    `json:"transport"`
	Scope     string    `json:"scope"` // "extension" or "account"
	Filters   []string  `json:"filters"`
}

// stateLine is a connection-state event of the subscription.
type stateLine struct {
	Type           string    `json:"type"` // "state"
	Time           time.Time `json:"time"`
	State          string    `json:"state"`
	Detail         string    `json:"detail,omitempty"`
	SubscriptionID string    `json:"subscriptionId,omitempty"`
}

// newStateLine describes a connection-state event, or reports false for
// an event that is not one.
func newStateLine(now time.Time, ev notify.Event) (stateLine, bool) {
	l := stateLine{Type: "state", Time: now, SubscriptionID: ev.EventHeader().SubscriptionID}
	switch ev := ev.(type) {
	case *notify.Connected:
		l.State, l.Detail = "connected", "over "+ev.Transport
	case *notify.Reconnecting:
		l.State = "reconnecting"
		l.Detail = fmt.Sprintf("attempt %d", ev.Attempt)
		if ev.Err != nil {
			l.Detail += ": " + ev.Err.Error()
		}
	case *notify.Recovered:
		l.State, l.Detail = "recovered", "nothing lost"
	case *notify.Resubscribed:
		l.State, l.Detail = "resubscribed", ev.Reason
	case *notify.Gap:
		l.State = "gap"
		l.Detail = fmt.Sprintf("notifications between %s and %s may be lost (%s); resynchronising",
			ev.Since.Local().Format(time.TimeOnly), ev.Until.Local().Format(time.TimeOnly), ev.Reason)
	case *notify.Resynced:
		l.State = "resynced"
		l.Detail = fmt.Sprintf("after %s: read %d sessions, %d active calls", ev.Trigger, ev.Sessions, ev.Active)
	case *notify.ResyncFailed:
		l.State = "resync-failed"
		l.Detail = fmt.Sprintf("after %s, %d attempts", ev.Trigger, ev.Attempts)
		if ev.Err != nil {
			l.Detail += ": " + ev.Err.Error()
		}
	case *notify.Overflow:
		l.State, l.Detail = "overflow", fmt.Sprintf("%d events dropped", ev.Dropped)
	default:
		return l, false
	}
	return l, true
}

// presenceLine is one presence change.
type presenceLine struct {
	Type         string                        `json:"type"` // "presence"
	Time         time.Time                     `json:"time"`
	ExtensionID  string                        `json:"extensionId"`
	Name         string                        `json:"name,omitempty"`
	From         string                        `json:"from,omitempty"`
	To           string                        `json:"to,omitempty"`
	CallRelated  bool                          `json:"callRelated"`
	Calls        []presenceCall                `json:"calls,omitempty"`
	Availability []presence.AvailabilityChange `json:"availability,omitempty"`
	Resync       bool                          `json:"resync,omitempty"`
}

// presenceCall is one active call of a presence change.
type presenceCall struct {
	Session string `json:"telephonySessionId,omitempty"`
	Change  string `json:"change"`
	From    string `json:"from,omitempty"`
	To      string `json:"to"`
	Caller  string `json:"caller,omitempty"`
	Callee  string `json:"callee,omitempty"`
}

func newPresenceLine(now time.Time, c *notify.PresenceChange, name string) presenceLine {
	l := presenceLine{Type: "presence", Time: now, ExtensionID: c.ExtensionID, Name: name,
		CallRelated: c.CallRelated, Availability: c.Availability, Resync: c.Resync}
	if c.TelephonyStatusChanged {
		l.From, l.To = string(c.Change.From), string(c.Change.To)
	}
	for _, cc := range c.Calls {
		l.Calls = append(l.Calls, presenceCall{
			Session: cc.Call.TelephonySessionID, Change: cc.Kind.String(),
			From: string(cc.From), To: string(cc.To),
			Caller: nameNumber(cc.Call.FromName, cc.Call.From), Callee: nameNumber(cc.Call.ToName, cc.Call.To),
		})
	}
	return l
}

func nameNumber(name, number string) string {
	return endpoint(telephony.Endpoint{Name: name, PhoneNumber: number})
}

// tableLine is the table of active calls, as one JSON object.
type tableLine struct {
	Type  string      `json:"type"` // "calls"
	Time  time.Time   `json:"time"`
	Calls []tableCall `json:"calls"`
}

type tableCall struct {
	Call    string       `json:"call"`
	Session string       `json:"telephonySessionId"`
	Since   time.Time    `json:"since"`
	Parties []tableParty `json:"parties"`
}

type tableParty struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// stopLine is the last line.
type stopLine struct {
	Type    string    `json:"type"` // "stop"
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason"`
	Changes int       `json:"changes"`
	Calls   int       `json:"callsEnded"`
	Active  int       `json:"active"`
	Stats   stopStats `json:"stats"`
}

// stopStats are the subscription's counters (notify.Stats).
type stopStats struct {
	Received     uint64 `json:"received"`
	Duplicates   uint64 `json:"duplicates"`
	DecodeErrors uint64 `json:"decodeErrors"`
	Dropped      uint64 `json:"dropped"`
}

func newStopStats(s notify.Stats) stopStats {
	return stopStats{Received: s.Received, Duplicates: s.Duplicates, DecodeErrors: s.DecodeErrors, Dropped: s.Dropped}
}

// printer writes what callmonitor sees, as text or as JSON lines. Its
// methods are safe for concurrent use (the event loop and the shutdown
// path both print).
type printer struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	enc  *json.Encoder
}

func newPrinter(w io.Writer, jsonOut bool) *printer {
	return &printer{w: w, json: jsonOut, enc: json.NewEncoder(w)}
}

// emit writes v as one JSON line, or text as is.
func (p *printer) emit(v any, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		_ = p.enc.Encode(v) // a closed stdout is not worth failing over
		return
	}
	_, _ = io.WriteString(p.w, text)
}

func (p *printer) start(s startInfo) {
	where := "embedded fake platform (notifytest) at " + s.URL + ", playing scripted calls; set RC_* to watch real RingCentral"
	if s.Platform == "ringcentral" {
		where = "real RingCentral at " + s.URL
	}
	p.emit(s, fmt.Sprintf("callmonitor: %s; %s calls over %s\n", where, s.Scope, s.Transport))
}

func (p *printer) call(l callLine) {
	party := l.Name
	switch {
	case party != "" && l.Number != "":
		party += " (" + l.Number + ")"
	case party == "":
		party = l.Number
	}
	if party == "" {
		party = "party " + shortID(l.PartyID)
	}
	from := l.From
	if from == "" {
		from = "·"
	}
	text := fmt.Sprintf("%s  %-6s  %-30s  %-26s  %s\n",
		l.Time.Local().Format("15:04:05.000"), l.Call, clip(party, 30), from+" → "+l.To, l.What)
	p.emit(l, text)
}

func (p *printer) state(l stateLine) {
	p.emit(l, fmt.Sprintf("%s  -- %s: %s\n", l.Time.Local().Format("15:04:05.000"), l.State, l.Detail))
}

func (p *printer) presence(l presenceLine) {
	who := l.Name
	if who == "" {
		who = "extension " + l.ExtensionID
	}
	var parts []string
	if l.To != "" {
		from := l.From
		if from == "" {
			from = "·"
		}
		parts = append(parts, from+" → "+l.To)
	}
	for _, c := range l.Calls {
		change := strings.ToLower(c.Change)
		if c.Change == presence.CallStatusChanged.String() {
			change = "now " + c.To
		}
		parts = append(parts, fmt.Sprintf("call %s %s → %s %s", shortID(c.Session), c.Caller, c.Callee, change))
	}
	for _, a := range l.Availability {
		parts = append(parts, fmt.Sprintf("%s %s", a.Field, a.To))
	}
	text := fmt.Sprintf("%s  presence %-30s  %s\n", l.Time.Local().Format("15:04:05.000"), clip(who, 30), strings.Join(parts, "; "))
	p.emit(l, text)
}

func (p *printer) table(l tableLine) {
	p.emit(l, formatTable(l))
}

func (p *printer) stop(l stopLine) {
	p.emit(l, fmt.Sprintf("callmonitor: stopped (%s): %d state changes, %d calls ended, %d still active; subscription removed\n",
		l.Reason, l.Changes, l.Calls, l.Active))
}

// clip shortens s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
