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
}

// Scenarios returns the shipped scenarios, in a fixed order.
func Scenarios() []Scenario {
	return []Scenario{
		{"inbound-answered", "An outside caller rings an extension, which answers; the caller hangs up.", InboundAnswered},
		{"inbound-voicemail", "An outside caller rings an extension, which sends the call to voicemail; the caller leaves a message.", InboundVoicemail},
		{"outbound-pstn", "An extension calls an outside number, which answers; the extension hangs up.", OutboundPSTN},
		{"internal-hold", "An extension calls another, which answers; the caller holds and resumes; the callee hangs up.", InternalHold},
		{"blind-transfer", "An extension answers an outside call and transfers it blind to another, which answers.", BlindTransferCall},
		{"attended-transfer", "An extension holds an outside call, consults another extension, then completes the transfer.", AttendedTransferCall},
		{"park-pickup", "An extension parks an outside call at *801; another extension picks it up.", ParkPickUp},
		{"conference", "An extension merges a call with a colleague and a call with an outside number into a three-way conference.", ThreeWayConference},
		{"queue", "An outside call reaches a call queue that rings two agents; the first answers.", QueueCall},
	}
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
	}
}
