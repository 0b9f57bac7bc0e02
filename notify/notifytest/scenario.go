package notifytest

import "github.com/ringwatch/ringwatch/internal/testkit/callscript"

// Scripted calls. A Script is a list of Steps over Endpoints (extensions of
// the platform's account, a call queue, outside numbers); Platform.Play
// plays it, publishing the notifications RingCentral would send and
// keeping the resynchronisation endpoints consistent with them. Scenarios
// lists the shipped scripts, each with the transitions an account-level
// subscriber must see.
type (
	// Script is a scripted call: steps, and the transitions an
	// account-level telephony subscriber sees (Expect).
	Script = callscript.Script
	// Step is one scripted action; build steps with Dial, Answer, Hold, ….
	Step = callscript.Step
	// Endpoint is one end of a scripted call.
	Endpoint = callscript.Endpoint
	// Cast is who takes part in the shipped scenarios.
	Cast = callscript.Cast
	// Scenario is a shipped script, built for a Cast.
	Scenario = callscript.Scenario
	// Transition is one change of a party's status, as a call tracker
	// should report it.
	Transition = callscript.Transition
	// ScriptEvent is one notification a script produced, with the state
	// the resynchronisation endpoints served after it.
	ScriptEvent = callscript.Event
	// ScriptResult is what a played script produced: Events,
	// Transitions() and ExtensionTransitions(id).
	ScriptResult = callscript.Result
	// Op is what a Step does (Transition.Step).
	Op = callscript.Op
)

// The operations of a step.
const (
	OpDial             = callscript.OpDial
	OpRing             = callscript.OpRing
	OpAnswer           = callscript.OpAnswer
	OpHold             = callscript.OpHold
	OpUnhold           = callscript.OpUnhold
	OpPark             = callscript.OpPark
	OpPickUp           = callscript.OpPickUp
	OpBlindTransfer    = callscript.OpBlindTransfer
	OpAttendedTransfer = callscript.OpAttendedTransfer
	OpConference       = callscript.OpConference
	OpVoicemail        = callscript.OpVoicemail
	OpHangup           = callscript.OpHangup
)

// The kinds of ScriptEvent.
const (
	TelephonyScriptEvent = callscript.TelephonyEvent
	PresenceScriptEvent  = callscript.PresenceEvent
)

// Scenarios returns the shipped scenarios: inbound answered, inbound
// missed to voicemail, outbound to an outside number, internal with hold
// and resume, blind transfer, attended transfer, park and pick-up,
// three-way conference, and a call-queue call answered by one of two
// ringing agents. Build one with Scenario.New(p.Cast()).
func Scenarios() []Scenario { return callscript.Scenarios() }

// ScenarioNamed returns the shipped scenario with that name, such as
// "inbound-answered".
func ScenarioNamed(name string) (Scenario, bool) { return callscript.ScenarioNamed(name) }

// Cast returns the platform's cast for the shipped scenarios: its
// extensions as users (in order, so the owner comes first), a call queue
// "Support" (extension number 901; it is not one of the account's
// extensions, so it has no presence) and two outside numbers.
func (p *Platform) Cast() Cast {
	var users []callscript.Extension
	for _, e := range p.Extensions() {
		users = append(users, callscript.Extension{ID: e.ID, Number: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber})
	}
	q := callscript.Extension{ID: p.set.accountID + "901", Number: "901", Name: "Support", PhoneNumber: "+16505550901"}
	return callscript.NewCast(users, q)
}

// UserEndpoint returns an extension of the account as a party labelled
// label.
func UserEndpoint(label string, e Extension) Endpoint {
	return callscript.UserEndpoint(label, callscript.Extension{ID: e.ID, Number: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber})
}

// QueueEndpoint returns a call-queue extension as a party labelled label.
func QueueEndpoint(label string, e Extension) Endpoint {
	return callscript.QueueEndpoint(label, callscript.Extension{ID: e.ID, Number: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber})
}

// ExternalEndpoint returns an outside number as a party labelled label.
func ExternalEndpoint(label, number, name string) Endpoint {
	return callscript.ExternalEndpoint(label, number, name)
}
