package callscript

import (
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

// Scenario is a shipped call script, built for a cast.
type Scenario struct {
	Name        string
	Description string
	// New builds the script for the cast.
	New func(Cast) Script
	// Want is what the scenario's scripts declare (Script.Want), the same
	// for every cast.
	Want []SummaryWant
}

// Scenarios returns the shipped scenarios, in a fixed order.
func Scenarios() []Scenario {
	out := []Scenario{
		{"inbound-answered", "An outside caller rings an extension, which answers; the caller hangs up.", InboundAnswered, nil},
		{"inbound-voicemail", "An outside caller rings an extension, which sends the call to voicemail; the caller leaves a message.", InboundVoicemail, nil},
		{"outbound-pstn", "An extension calls an outside number, which answers; the extension hangs up.", OutboundPSTN, nil},
		{"internal-hold", "An extension calls another, which answers; the caller holds and resumes; the callee hangs up.", InternalHold, nil},
		{"blind-transfer", "An extension answers an outside call and transfers it blind to another, which answers.", BlindTransferCall, nil},
		{"attended-transfer", "An extension holds an outside call, consults another extension, then completes the transfer.", AttendedTransferCall, nil},
		{"park-pickup", "An extension parks an outside call at *801; another extension picks it up.", ParkPickUp, nil},
		{"conference", "An extension merges a call with a colleague and a call with an outside number into a three-way conference.", ThreeWayConference, nil},
		{"queue", "An outside call reaches a call queue that rings two agents; the first answers.", QueueCall, nil},
	}
	for i := range out {
		out[i].Want = out[i].New(DefaultCast()).Want
	}
	return out
}

// ScenarioNamed returns the shipped scenario with that name.
func ScenarioNamed(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

const sec = time.Second

func tr(call, party string, from, to telephony.StatusCode, reason string, op Op) Transition {
	return Transition{Call: call, Party: party, From: from, To: to, Reason: reason, Step: op}
}

func ended(t Transition) Transition { t.CallEnded = true; return t }

const (
	setup = telephony.Setup
	proc  = telephony.Proceeding
	ans   = telephony.Answered
	disc  = telephony.Disconnected
	gone  = telephony.Gone
)

// InboundAnswered: an outside caller rings the first user, who answers
// after 4 s; the caller hangs up 45 s later.
func InboundAnswered(c Cast) Script {
	return Script{
		Name:        "inbound-answered",
		Description: "An outside caller rings an extension, which answers; the caller hangs up.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
			Answer(4*sec, "call", "agent"),
			Hangup(45*sec, "call", "customer"),
		},
		Expect: []Transition{
			tr("call", "agent", "", setup, "", OpDial),
			tr("call", "agent", setup, proc, "", OpDial),
			tr("call", "agent", proc, ans, "", OpAnswer),
			ended(tr("call", "agent", ans, disc, "", OpHangup)),
		},
		// Answer after 4 s, hang-up 45 s later.
		Want: []SummaryWant{{Call: "call", Parties: []string{"agent"},
			Ring: 4 * sec, Talk: 45 * sec, Outcome: telephony.OutcomeAnswered, Journey: "call"}},
	}
}

// InboundVoicemail: an outside caller rings the first user, who sends the
// call to voicemail after 12 s; the caller hangs up after a 30 s message.
func InboundVoicemail(c Cast) Script {
	return Script{
		Name:        "inbound-voicemail",
		Description: "An outside caller rings an extension, which sends the call to voicemail; the caller leaves a message.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
			Voicemail(12*sec, "call", "agent"),
			Hangup(30*sec, "call", "customer"),
		},
		Expect: []Transition{
			tr("call", "agent", "", setup, "", OpDial),
			tr("call", "agent", setup, proc, "", OpDial),
			tr("call", "agent", proc, telephony.VoiceMail, "", OpVoicemail),
			ended(tr("call", "agent", telephony.VoiceMail, disc, "", OpHangup)),
		},
		// Never answered: it rings from the dial to the end (12 s to
		// voicemail, then the 30 s message).
		Want: []SummaryWant{{Call: "call", Parties: []string{"agent"},
			Ring: 42 * sec, Outcome: telephony.OutcomeVoicemail, Journey: "call"}},
	}
}

// OutboundPSTN: the first user calls an outside number, which answers
// after 6 s; the user hangs up a minute later.
func OutboundPSTN(c Cast) Script {
	return Script{
		Name:        "outbound-pstn",
		Description: "An extension calls an outside number, which answers; the extension hangs up.",
		Steps: []Step{
			Dial(0, "call", c.user(0, "caller"), c.outside(1, "customer")),
			Answer(6*sec, "call", "customer"),
			Hangup(60*sec, "call", "caller"),
		},
		Expect: []Transition{
			tr("call", "caller", "", setup, "", OpDial),
			tr("call", "customer", "", proc, "", OpDial),
			tr("call", "caller", setup, proc, "", OpDial),
			tr("call", "customer", proc, ans, "", OpAnswer),
			tr("call", "caller", proc, ans, "", OpAnswer),
			tr("call", "caller", ans, disc, "", OpHangup),
			ended(tr("call", "customer", ans, disc, "", OpHangup)),
		},
		// The outside leg of an outbound call belongs to the account.
		Want: []SummaryWant{{Call: "call", Parties: []string{"caller", "customer"},
			Ring: 6 * sec, Talk: 60 * sec, Outcome: telephony.OutcomeAnswered, Journey: "call"}},
	}
}

// InternalHold: the first user calls the second, who answers; the caller
// holds the call for 10 s and resumes; the callee hangs up.
func InternalHold(c Cast) Script {
	return Script{
		Name:        "internal-hold",
		Description: "An extension calls another, which answers; the caller holds and resumes; the callee hangs up.",
		Steps: []Step{
			Dial(0, "call", c.user(0, "caller"), c.user(1, "callee")),
			Answer(5*sec, "call", "callee"),
			Hold(20*sec, "call", "caller"),
			Unhold(10*sec, "call", "caller"),
			Hangup(40*sec, "call", "callee"),
		},
		Expect: []Transition{
			tr("call", "caller", "", setup, "", OpDial),
			tr("call", "callee", "", setup, "", OpDial),
			tr("call", "callee", setup, proc, "", OpDial),
			tr("call", "caller", setup, proc, "", OpDial),
			tr("call", "callee", proc, ans, "", OpAnswer),
			tr("call", "caller", proc, ans, "", OpAnswer),
			tr("call", "caller", ans, telephony.Hold, "", OpHold),
			tr("call", "caller", telephony.Hold, ans, "", OpUnhold),
			tr("call", "callee", ans, disc, "", OpHangup),
			ended(tr("call", "caller", ans, disc, "", OpHangup)),
		},
		// Answered at 5 s, held from 25 s to 35 s, ended at 75 s: talk is
		// 70 s less the 10 s on hold.
		Want: []SummaryWant{{Call: "call", Parties: []string{"callee", "caller"},
			Ring: 5 * sec, Talk: 60 * sec, Hold: 10 * sec, Outcome: telephony.OutcomeAnswered, Journey: "call"}},
	}
}

// BlindTransferCall: the first user answers an outside call and transfers
// it blind to the second, who answers; the caller hangs up.
func BlindTransferCall(c Cast) Script {
	return Script{
		Name:        "blind-transfer",
		Description: "An extension answers an outside call and transfers it blind to another, which answers.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
			Answer(3*sec, "call", "agent"),
			BlindTransfer(30*sec, "call", "agent", c.user(1, "target")),
			Answer(5*sec, "call", "target"),
			Hangup(60*sec, "call", "customer"),
		},
		Expect: []Transition{
			tr("call", "agent", "", setup, "", OpDial),
			tr("call", "agent", setup, proc, "", OpDial),
			tr("call", "agent", proc, ans, "", OpAnswer),
			tr("call", "target", "", setup, "", OpBlindTransfer),
			tr("call", "target", setup, proc, "", OpBlindTransfer),
			tr("call", "agent", ans, disc, telephony.ReasonBlindTransfer, OpBlindTransfer),
			tr("call", "target", proc, ans, "", OpAnswer),
			ended(tr("call", "target", ans, disc, "", OpHangup)),
		},
		// Answered at 3 s, transferred at 33 s, the target answers at 38 s,
		// ended at 98 s.
		Want: []SummaryWant{{Call: "call", Parties: []string{"agent", "target"},
			Ring: 3 * sec, Talk: 95 * sec, Outcome: telephony.OutcomeBlindTransfer, Journey: "call"}},
	}
}

// AttendedTransferCall: the first user answers an outside call, holds it,
// calls the second user ("consult"), who answers, and completes the
// transfer: the user's parties in both calls become Gone/AttendedTransfer,
// linked by peerId. The second user hangs up later.
func AttendedTransferCall(c Cast) Script {
	return Script{
		Name:        "attended-transfer",
		Description: "An extension holds an outside call, consults another extension, then completes the transfer.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
			Answer(3*sec, "call", "agent"),
			Hold(20*sec, "call", "agent"),
			Dial(2*sec, "consult", c.user(0, "agent"), c.user(1, "target")),
			Answer(5*sec, "consult", "target"),
			AttendedTransfer(15*sec, "call", "agent", "consult"),
			Hangup(60*sec, "consult", "target"),
		},
		Expect: []Transition{
			tr("call", "agent", "", setup, "", OpDial),
			tr("call", "agent", setup, proc, "", OpDial),
			tr("call", "agent", proc, ans, "", OpAnswer),
			tr("call", "agent", ans, telephony.Hold, "", OpHold),
			tr("consult", "agent", "", setup, "", OpDial),
			tr("consult", "target", "", setup, "", OpDial),
			tr("consult", "target", setup, proc, "", OpDial),
			tr("consult", "agent", setup, proc, "", OpDial),
			tr("consult", "target", proc, ans, "", OpAnswer),
			tr("consult", "agent", proc, ans, "", OpAnswer),
			ended(tr("call", "agent", telephony.Hold, gone, telephony.ReasonAttendedTransfer, OpAttendedTransfer)),
			tr("consult", "agent", ans, gone, telephony.ReasonAttendedTransfer, OpAttendedTransfer),
			ended(tr("consult", "target", ans, disc, "", OpHangup)),
		},
		// call: answered at 3 s, held from 23 s until the transfer at 45 s.
		// consult: dialled at 25 s, answered at 30 s, ended at 105 s.
		Want: []SummaryWant{
			{Call: "call", Parties: []string{"agent"}, Ring: 3 * sec, Talk: 20 * sec, Hold: 22 * sec,
				Outcome: telephony.OutcomeAttendedTransfer, Journey: "call", Linked: []string{"consult"}},
			{Call: "consult", Parties: []string{"agent", "target"}, Ring: 5 * sec, Talk: 75 * sec,
				Outcome: telephony.OutcomeAttendedTransfer, Journey: "call", Linked: []string{"call"}},
		},
	}
}

// ParkPickUp: the first user answers an outside call and parks it at
// *801; the second user dials *801 and picks it up: the parked party and
// the park location's party are Gone/Pickup, linked by peerId. The second
// user hangs up later.
func ParkPickUp(c Cast) Script {
	return Script{
		Name:        "park-pickup",
		Description: "An extension parks an outside call at *801; another extension picks it up.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.user(0, "agent")),
			Answer(3*sec, "call", "agent"),
			Park(15*sec, "call", "agent", "*801"),
			PickUp(20*sec, "pickup", c.user(1, "picker"), "call", "*801"),
			Hangup(60*sec, "pickup", "picker"),
		},
		Expect: []Transition{
			tr("call", "agent", "", setup, "", OpDial),
			tr("call", "agent", setup, proc, "", OpDial),
			tr("call", "agent", proc, ans, "", OpAnswer),
			tr("call", "agent", ans, telephony.Parked, "", OpPark),
			tr("pickup", "picker", "", setup, "", OpPickUp),
			tr("pickup", "park:*801", "", ans, "", OpPickUp),
			tr("pickup", "picker", setup, ans, "", OpPickUp),
			ended(tr("call", "agent", telephony.Parked, gone, telephony.ReasonPickup, OpPickUp)),
			tr("pickup", "park:*801", ans, gone, telephony.ReasonPickup, OpPickUp),
			ended(tr("pickup", "picker", ans, disc, "", OpHangup)),
		},
		// call: answered at 3 s, parked at 18 s (talk goes on until it
		// leaves), picked up at 38 s. pickup: from 38 s to 98 s.
		Want: []SummaryWant{
			{Call: "call", Parties: []string{"agent"}, Ring: 3 * sec, Talk: 35 * sec,
				Outcome: telephony.OutcomeParkedPickedUpElsewhere, Journey: "call", Linked: []string{"pickup"}},
			{Call: "pickup", Parties: []string{"park:*801", "picker"}, Talk: 60 * sec,
				Outcome: telephony.OutcomeAnswered, Journey: "call", Linked: []string{"call"}},
		},
	}
}

// ThreeWayConference: the first user calls the second ("guest"), holds
// the call, calls an outside number, and merges both calls into a
// conference where the user is Host. The old parties become
// Gone/Conference, linked by peerId to the conference parties. The outside
// party then the guest hang up, which ends the conference.
func ThreeWayConference(c Cast) Script {
	return Script{
		Name:        "conference",
		Description: "An extension merges a call with a colleague and a call with an outside number into a three-way conference.",
		Steps: []Step{
			Dial(0, "first", c.user(0, "host"), c.user(1, "guest")),
			Answer(4*sec, "first", "guest"),
			Hold(15*sec, "first", "host"),
			Dial(2*sec, "second", c.user(0, "host"), c.outside(1, "customer")),
			Answer(6*sec, "second", "customer"),
			Conference(10*sec, "conf", "host", "first", "second"),
			Hangup(60*sec, "conf", "customer"),
			Hangup(30*sec, "conf", "guest"),
		},
		Expect: []Transition{
			tr("first", "host", "", setup, "", OpDial),
			tr("first", "guest", "", setup, "", OpDial),
			tr("first", "guest", setup, proc, "", OpDial),
			tr("first", "host", setup, proc, "", OpDial),
			tr("first", "guest", proc, ans, "", OpAnswer),
			tr("first", "host", proc, ans, "", OpAnswer),
			tr("first", "host", ans, telephony.Hold, "", OpHold),
			tr("second", "host", "", setup, "", OpDial),
			tr("second", "customer", "", proc, "", OpDial),
			tr("second", "host", setup, proc, "", OpDial),
			tr("second", "customer", proc, ans, "", OpAnswer),
			tr("second", "host", proc, ans, "", OpAnswer),
			tr("conf", "host", "", setup, "", OpConference),
			tr("conf", "host", setup, ans, "", OpConference),
			tr("conf", "guest", "", setup, "", OpConference),
			tr("conf", "guest", setup, ans, "", OpConference),
			tr("first", "guest", ans, gone, telephony.ReasonConference, OpConference),
			ended(tr("first", "host", telephony.Hold, gone, telephony.ReasonConference, OpConference)),
			tr("conf", "customer", "", setup, "", OpConference),
			tr("conf", "customer", setup, ans, "", OpConference),
			tr("second", "customer", ans, gone, telephony.ReasonConference, OpConference),
			ended(tr("second", "host", ans, gone, telephony.ReasonConference, OpConference)),
			tr("conf", "customer", ans, disc, "", OpHangup),
			tr("conf", "guest", ans, disc, "", OpHangup),
			ended(tr("conf", "host", ans, disc, "", OpHangup)),
		},
		// first: answered at 4 s, held from 19 s until the merge at 37 s.
		// second: dialled at 21 s, answered at 27 s. conf: from 37 s until
		// the guest hangs up at 127 s.
		Want: []SummaryWant{
			{Call: "first", Parties: []string{"guest", "host"}, Ring: 4 * sec, Talk: 15 * sec, Hold: 18 * sec,
				Outcome: telephony.OutcomeMergedIntoConference, Journey: "first", Linked: []string{"conf"}},
			{Call: "second", Parties: []string{"customer", "host"}, Ring: 6 * sec, Talk: 10 * sec,
				Outcome: telephony.OutcomeMergedIntoConference, Journey: "first", Linked: []string{"conf"}},
			{Call: "conf", Parties: []string{"customer", "guest", "host"}, Talk: 90 * sec,
				Outcome: telephony.OutcomeAnswered, Journey: "first", Linked: []string{"first", "second"}},
		},
	}
}

// QueueCall: an outside call reaches the call queue, which rings the first
// two users (queueCall true); the first answers, so the queue's party and
// the other agent's stop with Disconnected/AgentAnswered. The caller hangs
// up later.
func QueueCall(c Cast) Script {
	return Script{
		Name:        "queue",
		Description: "An outside call reaches a call queue that rings two agents; the first answers.",
		Steps: []Step{
			Dial(0, "call", c.outside(0, "customer"), c.Queue.As("queue")),
			Ring(time.Second, "call", c.user(0, "agent1")),
			Ring(0, "call", c.user(1, "agent2")),
			Answer(6*sec, "call", "agent1"),
			Hangup(90*sec, "call", "customer"),
		},
		Expect: []Transition{
			tr("call", "queue", "", setup, "", OpDial),
			tr("call", "queue", setup, proc, "", OpDial),
			tr("call", "agent1", "", setup, "", OpRing),
			tr("call", "agent1", setup, proc, "", OpRing),
			tr("call", "agent2", "", setup, "", OpRing),
			tr("call", "agent2", setup, proc, "", OpRing),
			tr("call", "agent1", proc, ans, "", OpAnswer),
			tr("call", "queue", proc, disc, telephony.ReasonAgentAnswered, OpAnswer),
			tr("call", "agent2", proc, disc, telephony.ReasonAgentAnswered, OpAnswer),
			ended(tr("call", "agent1", ans, disc, "", OpHangup)),
		},
		// The queue rings from 0 s, the agents from 1 s; agent1 answers at
		// 7 s; the call ends at 97 s.
		Want: []SummaryWant{{Call: "call", Parties: []string{"agent1", "agent2", "queue"},
			Ring: 7 * sec, Talk: 90 * sec, Outcome: telephony.OutcomeAnswered, Journey: "call"}},
	}
}
