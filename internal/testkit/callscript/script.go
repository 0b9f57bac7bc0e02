package callscript

import (
	"time"

	"github.com/ringwatch/ringwatch/telephony"
)

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
	// OpHold and OpUnhold: Party puts Call on hold and resumes it.
	OpHold
	OpUnhold
	// OpPark: Party parks Call at ParkData ("*801").
	OpPark
	// OpPickUp: From dials ParkData and picks up the call parked in Target
	// (another call's label), starting call Call. The parked party and the
	// park location's party become Gone, linked by peerId.
	OpPickUp
	// OpBlindTransfer: Party transfers Call to To without consulting: To
	// rings in the same call and Party leaves with BlindTransfer.
	OpBlindTransfer
	// OpAttendedTransfer: Party, who talks in Call and in the consultation
	// call Target, joins the two others: Party's parties in both calls
	// become Gone with AttendedTransfer, each linked to the other by
	// peerId.
	OpAttendedTransfer
	// OpConference: Party merges the calls Merge into a new conference
	// call Call (origin Conference), where Party is Host and the others
	// are Participants; the parties of the merged calls become Gone with
	// reason Conference, linked by peerId to their conference party.
	OpConference
	// OpVoicemail: the ringing party Party sends Call to voicemail.
	OpVoicemail
	// OpHangup: Party leaves Call. A call (with the calls linked to it by
	// transfer or conference) left with fewer than two parties ends.
	OpHangup
	// OpAwait: Party of Call waits, in the state it is in (ringing after
	// Dial or Ring, on hold after Hold), until a Call Control request
	// changes its status (Player.Resume) or Timeout passes (Player.TimeOut).
	// At the timeout the steps Otherwise are played, then the steps after
	// this one; after a request, only the steps after this one.
	OpAwait
	// OpControl is not a step: it marks the events of the changes a Call
	// Control request made (Player.Resume).
	OpControl
)

var opNames = [...]string{
	OpDial: "Dial", OpRing: "Ring", OpAnswer: "Answer", OpHold: "Hold", OpUnhold: "Unhold",
	OpPark: "Park", OpPickUp: "PickUp", OpBlindTransfer: "BlindTransfer",
	OpAttendedTransfer: "AttendedTransfer", OpConference: "Conference", OpVoicemail: "Voicemail",
	OpHangup: "Hangup", OpAwait: "Await", OpControl: "Control",
}

// String returns the operation's name, such as "Answer".
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "Op(?)"
}

// Step is one scripted action. Which fields matter depends on Op.
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

// Dial returns a step that starts call from from to to.
func Dial(after time.Duration, call string, from, to Endpoint) Step {
	return Step{Op: OpDial, After: after, Call: call, From: from, To: to}
}

// Ring returns a step that makes to ring in call (a call-queue agent).
func Ring(after time.Duration, call string, to Endpoint) Step {
	return Step{Op: OpRing, After: after, Call: call, To: to}
}

// Answer returns a step where party answers call.
func Answer(after time.Duration, call, party string) Step {
	return Step{Op: OpAnswer, After: after, Call: call, Party: party}
}

// Hold returns a step where party puts call on hold.
func Hold(after time.Duration, call, party string) Step {
	return Step{Op: OpHold, After: after, Call: call, Party: party}
}

// Unhold returns a step where party resumes call.
func Unhold(after time.Duration, call, party string) Step {
	return Step{Op: OpUnhold, After: after, Call: call, Party: party}
}

// Park returns a step where party parks call at parkData ("*801").
func Park(after time.Duration, call, party, parkData string) Step {
	return Step{Op: OpPark, After: after, Call: call, Party: party, ParkData: parkData}
}

// PickUp returns a step where by dials parkData, starting call, and picks
// up the call parked there (parked).
func PickUp(after time.Duration, call string, by Endpoint, parked, parkData string) Step {
	return Step{Op: OpPickUp, After: after, Call: call, From: by, Target: parked, ParkData: parkData}
}

// BlindTransfer returns a step where party transfers call to to.
func BlindTransfer(after time.Duration, call, party string, to Endpoint) Step {
	return Step{Op: OpBlindTransfer, After: after, Call: call, Party: party, To: to}
}

// AttendedTransfer returns a step where party completes the transfer of
// call to the other party of the consultation call consult.
func AttendedTransfer(after time.Duration, call, party, consult string) Step {
	return Step{Op: OpAttendedTransfer, After: after, Call: call, Party: party, Target: consult}
}

// Conference returns a step where host merges the calls merge into the
// conference call conf.
func Conference(after time.Duration, conf, host string, merge ...string) Step {
	return Step{Op: OpConference, After: after, Call: conf, Party: host, Merge: merge}
}

// Voicemail returns a step where the ringing party sends call to
// voicemail.
func Voicemail(after time.Duration, call, party string) Step {
	return Step{Op: OpVoicemail, After: after, Call: call, Party: party}
}

// Hangup returns a step where party leaves call.
func Hangup(after time.Duration, call, party string) Step {
	return Step{Op: OpHangup, After: after, Call: call, Party: party}
}

// Await returns a step where party waits in call, as it is, until a Call
// Control request changes its status or timeout passes; at the timeout
// the steps otherwise are played first.
func Await(after time.Duration, call, party string, timeout time.Duration, otherwise ...Step) Step {
	return Step{Op: OpAwait, After: after, Call: call, Party: party, Timeout: timeout, Otherwise: otherwise}
}

// Script is a scripted call: its steps, and the transitions an
// account-level subscriber must see.
type Script struct {
	// Name is a short identifier, such as "inbound-answered".
	Name string
	// Description says what happens, in a sentence.
	Description string
	// Steps are played in order.
	Steps []Step
	// Expect lists, in order, the party transitions an account-level
	// telephony subscriber sees, with labels and without ids. Empty for
	// scripts that do not state them.
	Expect []Transition
	// Want declares, per call, the summary a call tracker subscribed at
	// account level must give when the call ends (see SummaryWant). Empty
	// for scripts that do not state it.
	Want []SummaryWant
}

// SummaryWant is the summary (telephony.CallSummary) that one call of a
// script must produce for an account-level telephony subscriber, computed
// from the script's step times. Played with ExactTimes, the event times
// are the step times exactly, and so are the durations; otherwise each
// event comes up to 85 ms after its step (see Player).
type SummaryWant struct {
	// Call is the call's label.
	Call string
	// Parties are the labels of the call's parties the subscriber sees,
	// sorted.
	Parties []string
	// Ring, Talk and Hold are the call-level times
	// (CallSummary.Ring, Talk, Hold).
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
