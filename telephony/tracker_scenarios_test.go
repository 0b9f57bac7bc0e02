package telephony

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// scriptBuilder writes the notifications RingCentral sends for a call:
// one party per notification, one sequence counter per session.
type scriptBuilder struct {
	seq    map[string]int64
	events []*Session
}

func newScript() *scriptBuilder { return &scriptBuilder{seq: map[string]int64{}} }

// partyOpt adjusts the party of one notification.
type partyOpt func(*Party)

func reason(r string) partyOpt { return func(p *Party) { p.Status.Reason = r } }
func missed() partyOpt         { return func(p *Party) { p.MissedCall = true } }
func queue() partyOpt          { return func(p *Party) { p.QueueCall = true } }
func role(r string) partyOpt   { return func(p *Party) { p.ConferenceRole = r } }
func parkAt(d string) partyOpt { return func(p *Party) { p.Status.ParkData = d } }
func peer(sid, pid string) partyOpt {
	return func(p *Party) { p.Status.PeerID = &PeerID{TelephonySessionID: sid, PartyID: pid} }
}
func origin(o string) func(*Session)     { return func(s *Session) { s.Origin.Type = o } }
func (b *scriptBuilder) all() []*Session { return b.events }

// ev appends one notification for party pid of session sid.
func (b *scriptBuilder) ev(sid, pid, dir string, code StatusCode, opts ...partyOpt) *scriptBuilder {
	b.seq[sid]++
	p := Party{
		ID: pid, AccountID: "100", ExtensionID: "ext-" + pid, Direction: dir,
		From: Endpoint{PhoneNumber: "+16505550100"}, To: Endpoint{PhoneNumber: "+16505550199"},
		Status: Status{Code: code},
	}
	for _, o := range opts {
		o(&p)
	}
	b.events = append(b.events, &Session{
		Sequence: b.seq[sid], TelephonySessionID: sid, SessionID: "leg-" + sid,
		EventTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(len(b.events)) * time.Second),
		Origin:    Origin{Type: OriginCall}, Parties: []Party{p},
	})
	return b
}

// with modifies the last notification.
func (b *scriptBuilder) with(f func(*Session)) *scriptBuilder {
	f(b.events[len(b.events)-1])
	return b
}

type scenario struct {
	name   string
	events []*Session
	// want is the changes applying events in order gives, in changeString
	// form.
	want []string
}

// changeString is a compact, comparable form of a change.
func changeString(c Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s %s>%s %s", c.TelephonySessionID, c.PartyID, c.From, c.To, c.Kind)
	if c.Reason != "" {
		b.WriteString(" reason=" + c.Reason)
	}
	if c.Peer != nil {
		b.WriteString(" peer=" + c.Peer.TelephonySessionID + "/" + c.Peer.PartyID)
	}
	if c.Party.Status.ParkData != "" {
		b.WriteString(" park=" + c.Party.Status.ParkData)
	}
	if c.CallStarted {
		b.WriteString(" STARTED")
	}
	if c.CallEnded {
		b.WriteString(" ENDED")
	}
	return b.String()
}

func changeStrings(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = changeString(c)
	}
	return out
}

const (
	in  = Inbound
	out = Outbound
)

// scenarios returns the shipped call scenarios, each a complete call that
// ends.
func scenarios() []scenario {
	var ss []scenario

	b := newScript().
		ev("s-in", "p1", in, Setup).
		ev("s-in", "p0", out, Proceeding).
		ev("s-in", "p1", in, Proceeding).
		ev("s-in", "p1", in, Answered).
		ev("s-in", "p0", out, Answered).
		ev("s-in", "p0", out, Disconnected, reason(ReasonCallFinished)).
		ev("s-in", "p1", in, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"inbound answered", b.all(), []string{
		"s-in/p1 >Setup Setup STARTED",
		"s-in/p0 >Proceeding Proceeding",
		"s-in/p1 Setup>Proceeding Ringing",
		"s-in/p1 Proceeding>Answered Answered",
		"s-in/p0 Proceeding>Answered Answered",
		"s-in/p0 Answered>Disconnected Left reason=CallFinished",
		"s-in/p1 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-vm", "p0", out, Proceeding).
		ev("s-vm", "p1", in, Proceeding).
		ev("s-vm", "p1", in, VoiceMail, reason(ReasonVoicemail)).
		ev("s-vm", "p0", out, Answered).
		ev("s-vm", "p1", in, Disconnected, missed(), reason(ReasonVoicemail)).
		ev("s-vm", "p0", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"inbound missed to voicemail", b.all(), []string{
		"s-vm/p0 >Proceeding Proceeding STARTED",
		"s-vm/p1 >Proceeding Ringing",
		"s-vm/p1 Proceeding>VoiceMail VoiceMail reason=Voicemail",
		"s-vm/p0 Proceeding>Answered Answered",
		"s-vm/p1 VoiceMail>Disconnected Missed reason=Voicemail",
		"s-vm/p0 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-out", "p1", out, Setup).
		ev("s-out", "p1", out, Proceeding).
		ev("s-out", "p1", out, Answered).
		ev("s-out", "p1", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"outbound to PSTN", b.all(), []string{
		"s-out/p1 >Setup Setup STARTED",
		"s-out/p1 Setup>Proceeding Proceeding",
		"s-out/p1 Proceeding>Answered Answered",
		"s-out/p1 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-int", "p1", out, Setup).
		ev("s-int", "p2", in, Setup).
		ev("s-int", "p2", in, Proceeding).
		ev("s-int", "p1", out, Proceeding).
		ev("s-int", "p2", in, Answered).
		ev("s-int", "p1", out, Answered).
		ev("s-int", "p1", out, Hold).
		ev("s-int", "p1", out, Answered).
		ev("s-int", "p2", in, Hold).
		ev("s-int", "p2", in, Answered).
		ev("s-int", "p2", in, Disconnected, reason(ReasonCallFinished)).
		ev("s-int", "p1", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"internal hold and resume", b.all(), []string{
		"s-int/p1 >Setup Setup STARTED",
		"s-int/p2 >Setup Setup",
		"s-int/p2 Setup>Proceeding Ringing",
		"s-int/p1 Setup>Proceeding Proceeding",
		"s-int/p2 Proceeding>Answered Answered",
		"s-int/p1 Proceeding>Answered Answered",
		"s-int/p1 Answered>Hold Held",
		"s-int/p1 Hold>Answered Resumed",
		"s-int/p2 Answered>Hold Held",
		"s-int/p2 Hold>Answered Resumed",
		"s-int/p2 Answered>Disconnected Left reason=CallFinished",
		"s-int/p1 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-bt", "p0", out, Proceeding).
		ev("s-bt", "p1", in, Proceeding).
		ev("s-bt", "p1", in, Answered).
		ev("s-bt", "p0", out, Answered).
		ev("s-bt", "p1", in, Disconnected, reason(ReasonBlindTransfer)).
		ev("s-bt", "p2", in, Proceeding).
		ev("s-bt", "p2", in, Answered).
		ev("s-bt", "p2", in, Disconnected, reason(ReasonCallFinished)).
		ev("s-bt", "p0", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"blind transfer", b.all(), []string{
		"s-bt/p0 >Proceeding Proceeding STARTED",
		"s-bt/p1 >Proceeding Ringing",
		"s-bt/p1 Proceeding>Answered Answered",
		"s-bt/p0 Proceeding>Answered Answered",
		"s-bt/p1 Answered>Disconnected BlindTransfer reason=BlindTransfer",
		"s-bt/p2 >Proceeding Ringing",
		"s-bt/p2 Proceeding>Answered Answered",
		"s-bt/p2 Answered>Disconnected Left reason=CallFinished",
		"s-bt/p0 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	// A calls B (s-at1); B puts A on hold and calls C (s-at2); B completes
	// the transfer: B's two legs go Gone, each pointing at the other
	// session's remaining party; A and C then talk and hang up.
	b = newScript().
		ev("s-at1", "a", out, Answered).
		ev("s-at1", "b1", in, Answered).
		ev("s-at1", "b1", in, Hold).
		ev("s-at2", "b2", out, Setup).
		ev("s-at2", "c", in, Proceeding).
		ev("s-at2", "c", in, Answered).
		ev("s-at2", "b2", out, Answered).
		ev("s-at1", "b1", in, Gone, reason(ReasonAttendedTransfer), peer("s-at2", "c")).
		ev("s-at2", "b2", out, Gone, reason(ReasonAttendedTransfer), peer("s-at1", "a")).
		ev("s-at2", "c", in, Disconnected, reason(ReasonCallFinished)).
		ev("s-at1", "a", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"attended transfer", b.all(), []string{
		"s-at1/a >Answered Answered STARTED",
		"s-at1/b1 >Answered Answered",
		"s-at1/b1 Answered>Hold Held",
		"s-at2/b2 >Setup Setup STARTED",
		"s-at2/c >Proceeding Ringing",
		"s-at2/c Proceeding>Answered Answered",
		"s-at2/b2 Setup>Answered Answered",
		"s-at1/b1 Hold>Gone AttendedTransfer reason=AttendedTransfer peer=s-at2/c",
		"s-at2/b2 Answered>Gone AttendedTransfer reason=AttendedTransfer peer=s-at1/a",
		"s-at2/c Answered>Disconnected Left reason=CallFinished ENDED",
		"s-at1/a Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-pk", "p0", out, Answered).
		ev("s-pk", "p1", in, Answered).
		ev("s-pk", "p1", in, Parked, reason(ReasonCallPark), parkAt("*801")).
		ev("s-pk", "p1", in, Disconnected, reason(ReasonPickup)).
		ev("s-pk", "p2", in, Setup).
		ev("s-pk", "p2", in, Answered).
		ev("s-pk", "p2", in, Disconnected, reason(ReasonCallFinished)).
		ev("s-pk", "p0", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"park and pick-up", b.all(), []string{
		"s-pk/p0 >Answered Answered STARTED",
		"s-pk/p1 >Answered Answered",
		"s-pk/p1 Answered>Parked Parked reason=CallPark park=*801",
		"s-pk/p1 Parked>Disconnected PickedUpElsewhere reason=Pickup",
		"s-pk/p2 >Setup Setup",
		"s-pk/p2 Setup>Answered Answered",
		"s-pk/p2 Answered>Disconnected Left reason=CallFinished",
		"s-pk/p0 Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	// A and B talk (s-c1); B merges the call into a conference (s-conf) and
	// brings in C.
	b = newScript().
		ev("s-c1", "a", out, Answered).
		ev("s-c1", "b", in, Answered).
		ev("s-conf", "hb", out, Answered, role(RoleHost)).with(origin(OriginConference)).
		ev("s-conf", "ha", out, Answered, role(RoleParticipant)).with(origin(OriginConference)).
		ev("s-c1", "a", out, Gone, reason(ReasonConference), peer("s-conf", "ha")).
		ev("s-c1", "b", in, Gone, reason(ReasonConference), peer("s-conf", "hb")).
		ev("s-conf", "hc", out, Setup, role(RoleParticipant)).with(origin(OriginConference)).
		ev("s-conf", "hc", out, Answered, role(RoleParticipant)).with(origin(OriginConference)).
		ev("s-conf", "hc", out, Disconnected, role(RoleParticipant), reason(ReasonCallFinished)).with(origin(OriginConference)).
		ev("s-conf", "ha", out, Disconnected, role(RoleParticipant), reason(ReasonCallFinished)).with(origin(OriginConference)).
		ev("s-conf", "hb", out, Disconnected, role(RoleHost), reason(ReasonCallFinished)).with(origin(OriginConference))
	ss = append(ss, scenario{"three-way conference", b.all(), []string{
		"s-c1/a >Answered Answered STARTED",
		"s-c1/b >Answered Answered",
		"s-conf/hb >Answered Answered STARTED",
		"s-conf/ha >Answered Answered",
		"s-c1/a Answered>Gone Conference reason=Conference peer=s-conf/ha",
		"s-c1/b Answered>Gone Conference reason=Conference peer=s-conf/hb ENDED",
		"s-conf/hc >Setup Setup",
		"s-conf/hc Setup>Answered Answered",
		"s-conf/hc Answered>Disconnected Left reason=CallFinished",
		"s-conf/ha Answered>Disconnected Left reason=CallFinished",
		"s-conf/hb Answered>Disconnected Left reason=CallFinished ENDED",
	}})

	b = newScript().
		ev("s-q", "p0", out, Proceeding).
		ev("s-q", "p0", out, Answered).
		ev("s-q", "p1", in, Proceeding, queue()).
		ev("s-q", "p2", in, Proceeding, queue()).
		ev("s-q", "p3", in, Proceeding, queue()).
		ev("s-q", "p2", in, Answered, queue()).
		ev("s-q", "p1", in, Disconnected, queue(), reason(ReasonAgentAnswered)).
		ev("s-q", "p3", in, Disconnected, queue(), reason(ReasonAgentAnswered)).
		ev("s-q", "p2", in, Disconnected, queue(), reason(ReasonCallFinished)).
		ev("s-q", "p0", out, Disconnected, reason(ReasonCallFinished))
	ss = append(ss, scenario{"call queue, one of several agents answers", b.all(), []string{
		"s-q/p0 >Proceeding Proceeding STARTED",
		"s-q/p0 Proceeding>Answered Answered",
		"s-q/p1 >Proceeding Ringing",
		"s-q/p2 >Proceeding Ringing",
		"s-q/p3 >Proceeding Ringing",
		"s-q/p2 Proceeding>Answered Answered",
		"s-q/p1 Proceeding>Disconnected AnsweredElsewhere reason=AgentAnswered",
		"s-q/p3 Proceeding>Disconnected AnsweredElsewhere reason=AgentAnswered",
		"s-q/p2 Answered>Disconnected Left reason=CallFinished",
		"s-q/p0 Answered>Disconnected Left reason=CallFinished ENDED",
	}})
	return ss
}
