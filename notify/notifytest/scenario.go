package notifytest

import (
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

// Scripted calls. A Script is a list of Steps over Endpoints (extensions of
// the platform's account, a call queue, outside numbers); Platform.Play
// plays it, publishing the notifications RingCentral would send and
// keeping the resynchronisation endpoints consistent with them. Scenarios
// lists the shipped scripts, each with the transitions an account-level
// subscriber must see.

// Script is a scripted call: its steps, and the transitions an
// account-level telephony subscriber sees.
type Script struct {
	// Name is a short identifier, such as "inbound-answered".
	Name string
	// Description says what happens, in a sentence.
	Description string
	// Steps are played in order; build them with Dial, Answer, Hold, ….
	Steps []Step
	// Expect lists, in order, the party transitions an account-level
	// telephony subscriber sees, with labels and without ids. Empty for
	// scripts that do not state them.
	Expect []Transition
	// Want declares, per call, the summary (telephony.CallSummary) a call
	// tracker subscribed at account level must give when the call ends.
	// Empty for scripts that do not state it.
	Want []SummaryWant
}

// SummaryWant is the summary (telephony.CallSummary) that one call of a
// script must produce for an account-level telephony subscriber, computed
// from the script's step times. Played WithExactTimes, the event times are
// the step times and the durations are exact; otherwise each event comes
// 15 to 85 ms after the previous one and the durations are off by as
// much.
type SummaryWant struct {
	// Call is the call's label.
	Call string
	// Parties are the labels of the call's parties the subscriber sees,
	// sorted.
	Parties []string
	// Ring, Talk and Hold are the call-level times (CallSummary.Ring,
	// Talk and Hold).
	Ring, Talk, Hold time.Duration
	// Outcome is how the call ends.
	Outcome telephony.Outcome
	// Journey is the label of the call whose session id is the journey's
	// (CallSummary.JourneyID): the first call of the journey, or Call
	// itself.
	Journey string
	// Linked are the labels of the calls this one is linked to
	// (CallSummary.LinkedSessions), sorted; nil when none.
	Linked []string
}

// Op is what a Step does.
type Op uint8

// The operations of a step.
const (
	// OpDial starts call Call from From to To: the parties are set up and
	// the callee rings.
	OpDial Op = iota + 1
	// OpRing adds To as a ringing party of Call (a call-queue agent).
	OpRing
	// OpAnswer: party Party of Call answers. The caller is connected, and
	// any other party still ringing stops with AgentAnswered.
	OpAnswer
	// OpHold: Party puts Call on hold.
	OpHold
	// OpUnhold: Party resumes Call (reported as Answered).
	OpUnhold
	// OpPark: Party parks Call at ParkData ("*801").
	OpPark
	// OpPickUp: From dials ParkData and picks up the call parked in Target
	// (another call's label), starting call Call.
	OpPickUp
	// OpBlindTransfer: Party transfers Call to To without consulting.
	OpBlindTransfer
	// OpAttendedTransfer: Party, who talks in Call and in the consultation
	// call Target, joins the two others.
	OpAttendedTransfer
	// OpConference: Party merges the calls Merge into a new conference
	// call Call, where Party is Host.
	OpConference
	// OpVoicemail: the ringing party Party sends Call to voicemail.
	OpVoicemail
	// OpHangup: Party leaves Call; a call left with fewer than two
	// connected parties ends.
	OpHangup
	// OpAwait: Party of Call waits, in the state it is in (ringing after
	// Dial or Ring, on hold after Hold), until a Call Control request
	// changes its status or Timeout passes (real time). At the timeout the
	// steps Otherwise are played, then the steps after this one; after a
	// request, only the steps after this one. See Await.
	OpAwait
	// OpControl is not a step: it marks the events (ScriptEvent.Op) and
	// transitions (Transition.Step) of the changes a Call Control request
	// made to a scripted call.
	OpControl
)

// String returns the operation's name, such as "Answer".
func (o Op) String() string { return callscript.Op(o).String() }

// Step is one scripted action; build steps with Dial, Answer, Hold, ….
// Which fields matter depends on Op.
type Step struct {
	Op Op
	// After is the scripted time since the previous step.
	After time.Duration
	// Call is the label of the call (telephony session) acted on.
	Call string
	// Party is the label of the acting party in Call.
	Party string
	// From and To are endpoints that join a call.
	From, To Endpoint
	// Target is another call's label (the parked call of OpPickUp, the
	// consultation call of OpAttendedTransfer).
	Target string
	// Merge lists the calls an OpConference merges.
	Merge []string
	// ParkData is the park location ("*801").
	ParkData string
	// Timeout is how long an OpAwait waits for a Call Control request.
	Timeout time.Duration
	// Otherwise are the steps an OpAwait plays when its timeout passes.
	Otherwise []Step
}

// EndpointKind says what an Endpoint is.
type EndpointKind uint8

// The kinds of endpoint.
const (
	// UserExtension is a user extension: it has telephony parties and
	// presence.
	UserExtension EndpointKind = iota
	// QueueExtension is a call-queue extension: it has telephony parties
	// but no telephony presence.
	QueueExtension
	// OutsideNumber is a number outside the account (PSTN).
	OutsideNumber
)

// Endpoint is one end of a scripted call. Label names its party in the
// steps and expectations of a script ("caller", "agent1").
type Endpoint struct {
	Label string
	Kind  EndpointKind
	// ExtensionID, ExtensionNumber and Name identify an extension;
	// PhoneNumber is its direct number in E.164 form (or the outside
	// number).
	ExtensionID, ExtensionNumber, Name, PhoneNumber string
}

// As returns the endpoint with another label.
func (e Endpoint) As(label string) Endpoint { e.Label = label; return e }

// Cast is who takes part in the shipped scenarios: user extensions of the
// account (two at least; they are reused when a scenario needs more), a
// call-queue extension and outside numbers.
type Cast struct {
	Users   []Endpoint
	Queue   Endpoint
	Outside []Endpoint
}

// Rotate returns the cast with its users and outside numbers shifted by n,
// so that the same scenario involves other extensions.
func (c Cast) Rotate(n int) Cast { return castFrom(c.internal().Rotate(n)) }

// Scenario is a shipped script, built for a Cast.
type Scenario struct {
	// Name is a short identifier, such as "inbound-answered".
	Name string
	// Description says what happens, in a sentence.
	Description string
	// New builds the script for the cast.
	New func(Cast) Script
	// Want is what the scenario's scripts declare (Script.Want): the
	// summary of each of its calls, the same for every cast.
	Want []SummaryWant
}

// Transition is one change of a party's status, as a call tracker should
// report it.
type Transition struct {
	// Call and Party are the labels of the call and the party.
	Call, Party string
	// TelephonySessionID and PartyID are the ids the run gave them (empty
	// in Script.Expect).
	TelephonySessionID, PartyID string
	// From is the previous status code ("" for a party seen for the first
	// time); To the new one; Reason the new status's reason.
	From, To telephony.StatusCode
	Reason   string
	// Sequence is the session sequence of the notification (0 in
	// Script.Expect).
	Sequence int64
	// CallEnded marks the change after which no party of the call seen by
	// the subscriber is still in it.
	CallEnded bool
	// Step is the operation that caused the change.
	Step Op
}

// ScriptEventKind says which body a ScriptEvent carries.
type ScriptEventKind uint8

// The kinds of ScriptEvent.
const (
	// TelephonyScriptEvent carries a telephony-session body with one
	// party.
	TelephonyScriptEvent ScriptEventKind = iota + 1
	// PresenceScriptEvent carries a detailed presence body with SIP data.
	PresenceScriptEvent
)

// ScriptEvent is one notification a script produced, with the state the
// resynchronisation endpoints served right after it.
type ScriptEvent struct {
	Kind ScriptEventKind
	// Step is the index, in the steps as played, of the step that caused
	// the event (the Otherwise steps of a timed-out Await are played right
	// after it), and Op its operation: OpControl for a change a Call
	// Control request made, with the index of the step played last.
	Step int
	Op   Op
	// Call and Party are the labels of the call and party (telephony
	// events; Call only for presence events).
	Call, Party string
	// EventTime is when it happened.
	EventTime time.Time
	// AccountID is the account whose account-level filters receive the
	// event; it is empty for a party that belongs to no account, which no
	// filter receives.
	AccountID string
	// ExtensionID is the extension whose extension-level filters receive
	// the event; empty for a party that belongs to the account but to no
	// extension (account-level filters only).
	ExtensionID string

	// Session is the body of a telephony event: one party.
	Session *telephony.Session
	// SessionState is the whole session (every party) as GET
	// …/telephony/sessions/{id} serves it after the event; nil once the
	// session has ended (SessionEnded).
	SessionState *telephony.Session
	// SessionEnded reports that no party of the session is left: GET of
	// the session answers 404 from then on.
	SessionEnded bool

	// Presence is the body of a presence event.
	Presence *presence.Event
	// PresenceState is the extension's presence as GET …/presence serves
	// it after the event: the ended calls are no longer listed.
	PresenceState *presence.Event
}

// Delivered reports whether some subscription filter receives the event.
func (e *ScriptEvent) Delivered() bool { return e.AccountID != "" }

// Resource names what the event is about in event-filter form, with
// concrete ids, such as
// /restapi/v1.0/account/{a}/extension/{e}/telephony/sessions. It is empty
// for an event no filter receives.
func (e *ScriptEvent) Resource() string {
	ce := e.internal()
	return ce.Resource()
}

// ReceivedBy reports whether a subscriber of the account with the given
// filters receives the event: accountLevel for account-level filters (all
// parties and presence of the account), or the extension-level filters of
// extensionID.
func (e *ScriptEvent) ReceivedBy(accountLevel bool, extensionID string) bool {
	ce := e.internal()
	return ce.ReceivedBy(accountLevel, extensionID)
}

// ScriptResult is what a played script produced.
type ScriptResult struct {
	// Script is the script played.
	Script Script
	// AccountID is the account the script was played for.
	AccountID string
	// Events are every event in order, those no filter receives included.
	Events []ScriptEvent
}

// Notifications returns the events some filter receives, in order.
func (r *ScriptResult) Notifications() []ScriptEvent {
	var out []ScriptEvent
	for _, e := range r.Events {
		if e.Delivered() {
			out = append(out, e)
		}
	}
	return out
}

// Transitions returns the party transitions an account-level telephony
// subscriber sees, in order.
func (r *ScriptResult) Transitions() []Transition {
	return r.transitions(func(e *callscript.Event) bool { return e.ReceivedBy(true, "") })
}

// ExtensionTransitions returns the party transitions a subscriber to the
// extension's telephony sessions sees, in order.
func (r *ScriptResult) ExtensionTransitions(extensionID string) []Transition {
	return r.transitions(func(e *callscript.Event) bool { return e.ReceivedBy(false, extensionID) })
}

func (r *ScriptResult) transitions(view func(*callscript.Event) bool) []Transition {
	evs := make([]callscript.Event, len(r.Events))
	for i := range r.Events {
		evs[i] = r.Events[i].internal()
	}
	return transitionsFrom(callscript.Transitions(evs, view))
}

// Scenarios returns the shipped scenarios: inbound answered, inbound
// missed to voicemail, outbound to an outside number, internal with hold
// and resume, blind transfer, attended transfer, park and pick-up,
// three-way conference, and a call-queue call answered by one of two
// ringing agents. Build one with Scenario.New(p.Cast()).
func Scenarios() []Scenario {
	var out []Scenario
	for _, sc := range callscript.Scenarios() {
		out = append(out, scenarioFrom(sc))
	}
	return out
}

// ScenarioNamed returns the shipped scenario with that name, such as
// "inbound-answered".
func ScenarioNamed(name string) (Scenario, bool) {
	sc, ok := callscript.ScenarioNamed(name)
	if !ok {
		return Scenario{}, false
	}
	return scenarioFrom(sc), true
}

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
	return castFrom(callscript.NewCast(users, q))
}

// UserEndpoint returns an extension of the account as a party labelled
// label.
func UserEndpoint(label string, e Extension) Endpoint {
	return Endpoint{Label: label, Kind: UserExtension, ExtensionID: e.ID, ExtensionNumber: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

// QueueEndpoint returns a call-queue extension as a party labelled label.
func QueueEndpoint(label string, e Extension) Endpoint {
	return Endpoint{Label: label, Kind: QueueExtension, ExtensionID: e.ID, ExtensionNumber: e.Number, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

// ExternalEndpoint returns an outside number as a party labelled label;
// name may be empty.
func ExternalEndpoint(label, number, name string) Endpoint {
	return Endpoint{Label: label, Kind: OutsideNumber, PhoneNumber: number, Name: name}
}

// The conversions to and from the script engine in
// internal/testkit/callscript, whose types mirror these field for field.

func (e Endpoint) internal() callscript.Endpoint {
	return callscript.Endpoint{Label: e.Label, Kind: callscript.Kind(e.Kind), ExtensionID: e.ExtensionID,
		ExtensionNumber: e.ExtensionNumber, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

func endpointFrom(e callscript.Endpoint) Endpoint {
	return Endpoint{Label: e.Label, Kind: EndpointKind(e.Kind), ExtensionID: e.ExtensionID,
		ExtensionNumber: e.ExtensionNumber, Name: e.Name, PhoneNumber: e.PhoneNumber}
}

func endpointsFrom(es []callscript.Endpoint) []Endpoint {
	if es == nil {
		return nil
	}
	out := make([]Endpoint, len(es))
	for i, e := range es {
		out[i] = endpointFrom(e)
	}
	return out
}

func (c Cast) internal() callscript.Cast {
	out := callscript.Cast{Queue: c.Queue.internal()}
	for _, u := range c.Users {
		out.Users = append(out.Users, u.internal())
	}
	for _, o := range c.Outside {
		out.Outside = append(out.Outside, o.internal())
	}
	return out
}

func castFrom(c callscript.Cast) Cast {
	return Cast{Users: endpointsFrom(c.Users), Queue: endpointFrom(c.Queue), Outside: endpointsFrom(c.Outside)}
}

func (s Step) internal() callscript.Step {
	out := callscript.Step{Op: callscript.Op(s.Op), After: s.After, Call: s.Call, Party: s.Party,
		From: s.From.internal(), To: s.To.internal(), Target: s.Target, Merge: s.Merge, ParkData: s.ParkData,
		Timeout: s.Timeout}
	for _, o := range s.Otherwise {
		out.Otherwise = append(out.Otherwise, o.internal())
	}
	return out
}

func stepFrom(s callscript.Step) Step {
	out := Step{Op: Op(s.Op), After: s.After, Call: s.Call, Party: s.Party,
		From: endpointFrom(s.From), To: endpointFrom(s.To), Target: s.Target, Merge: s.Merge, ParkData: s.ParkData,
		Timeout: s.Timeout}
	for _, o := range s.Otherwise {
		out.Otherwise = append(out.Otherwise, stepFrom(o))
	}
	return out
}

func (t Transition) internal() callscript.Transition {
	return callscript.Transition{Call: t.Call, Party: t.Party, TelephonySessionID: t.TelephonySessionID,
		PartyID: t.PartyID, From: t.From, To: t.To, Reason: t.Reason, Sequence: t.Sequence,
		CallEnded: t.CallEnded, Step: callscript.Op(t.Step)}
}

func transitionFrom(t callscript.Transition) Transition {
	return Transition{Call: t.Call, Party: t.Party, TelephonySessionID: t.TelephonySessionID,
		PartyID: t.PartyID, From: t.From, To: t.To, Reason: t.Reason, Sequence: t.Sequence,
		CallEnded: t.CallEnded, Step: Op(t.Step)}
}

func transitionsFrom(ts []callscript.Transition) []Transition {
	if ts == nil {
		return nil
	}
	out := make([]Transition, len(ts))
	for i, t := range ts {
		out[i] = transitionFrom(t)
	}
	return out
}

func (w SummaryWant) internal() callscript.SummaryWant {
	return callscript.SummaryWant{Call: w.Call, Parties: w.Parties, Ring: w.Ring, Talk: w.Talk, Hold: w.Hold,
		Outcome: w.Outcome, Journey: w.Journey, Linked: w.Linked}
}

func wantsFrom(ws []callscript.SummaryWant) []SummaryWant {
	if ws == nil {
		return nil
	}
	out := make([]SummaryWant, len(ws))
	for i, w := range ws {
		out[i] = SummaryWant{Call: w.Call, Parties: w.Parties, Ring: w.Ring, Talk: w.Talk, Hold: w.Hold,
			Outcome: w.Outcome, Journey: w.Journey, Linked: w.Linked}
	}
	return out
}

func (s Script) internal() callscript.Script {
	out := callscript.Script{Name: s.Name, Description: s.Description}
	for _, w := range s.Want {
		out.Want = append(out.Want, w.internal())
	}
	for _, st := range s.Steps {
		out.Steps = append(out.Steps, st.internal())
	}
	for _, t := range s.Expect {
		out.Expect = append(out.Expect, t.internal())
	}
	return out
}

func scriptFrom(s callscript.Script) Script {
	out := Script{Name: s.Name, Description: s.Description, Expect: transitionsFrom(s.Expect), Want: wantsFrom(s.Want)}
	for _, st := range s.Steps {
		out.Steps = append(out.Steps, stepFrom(st))
	}
	return out
}

func scenarioFrom(sc callscript.Scenario) Scenario {
	build := sc.New
	return Scenario{Name: sc.Name, Description: sc.Description, New: func(c Cast) Script {
		return scriptFrom(build(c.internal()))
	}, Want: wantsFrom(sc.Want)}
}

func (e *ScriptEvent) internal() callscript.Event {
	return callscript.Event{Kind: callscript.EventKind(e.Kind), Step: e.Step, Op: callscript.Op(e.Op),
		Call: e.Call, Party: e.Party, EventTime: e.EventTime, AccountID: e.AccountID, ExtensionID: e.ExtensionID,
		Session: e.Session, SessionState: e.SessionState, SessionEnded: e.SessionEnded,
		Presence: e.Presence, PresenceState: e.PresenceState}
}

func scriptEventFrom(e *callscript.Event) ScriptEvent {
	return ScriptEvent{Kind: ScriptEventKind(e.Kind), Step: e.Step, Op: Op(e.Op),
		Call: e.Call, Party: e.Party, EventTime: e.EventTime, AccountID: e.AccountID, ExtensionID: e.ExtensionID,
		Session: e.Session, SessionState: e.SessionState, SessionEnded: e.SessionEnded,
		Presence: e.Presence, PresenceState: e.PresenceState}
}
