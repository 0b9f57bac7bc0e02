package notifytest

import "time"

// Each step waits after (scripted time) since the previous one. Calls and
// parties are named by labels: a call's label is given when it starts, a
// party's label is its Endpoint's Label.

// Dial starts call from from to to: the parties are set up and the callee
// rings.
func Dial(after time.Duration, call string, from, to Endpoint) Step {
	return Step{Op: OpDial, After: after, Call: call, From: from, To: to}
}

// Ring makes to ring in call, as a call queue rings its agents.
func Ring(after time.Duration, call string, to Endpoint) Step {
	return Step{Op: OpRing, After: after, Call: call, To: to}
}

// Answer: party answers call; other ringing parties stop with
// AgentAnswered and the caller is connected.
func Answer(after time.Duration, call, party string) Step {
	return Step{Op: OpAnswer, After: after, Call: call, Party: party}
}

// Hold: party puts call on hold.
func Hold(after time.Duration, call, party string) Step {
	return Step{Op: OpHold, After: after, Call: call, Party: party}
}

// Unhold: party resumes call (reported as Answered).
func Unhold(after time.Duration, call, party string) Step {
	return Step{Op: OpUnhold, After: after, Call: call, Party: party}
}

// Park: party parks call at parkData ("*801").
func Park(after time.Duration, call, party, parkData string) Step {
	return Step{Op: OpPark, After: after, Call: call, Party: party, ParkData: parkData}
}

// PickUp: by dials parkData, starting call, and picks up the call parked
// there (the call labelled parked).
func PickUp(after time.Duration, call string, by Endpoint, parked, parkData string) Step {
	return Step{Op: OpPickUp, After: after, Call: call, From: by, Target: parked, ParkData: parkData}
}

// BlindTransfer: party transfers call to to without consulting.
func BlindTransfer(after time.Duration, call, party string, to Endpoint) Step {
	return Step{Op: OpBlindTransfer, After: after, Call: call, Party: party, To: to}
}

// AttendedTransfer: party completes the transfer of call to the other
// party of the consultation call consult.
func AttendedTransfer(after time.Duration, call, party, consult string) Step {
	return Step{Op: OpAttendedTransfer, After: after, Call: call, Party: party, Target: consult}
}

// Conference: host merges the calls merge into the conference call conf.
func Conference(after time.Duration, conf, host string, merge ...string) Step {
	return Step{Op: OpConference, After: after, Call: conf, Party: host, Merge: merge}
}

// Voicemail: the ringing party sends call to voicemail.
func Voicemail(after time.Duration, call, party string) Step {
	return Step{Op: OpVoicemail, After: after, Call: call, Party: party}
}

// Hangup: party leaves call; a call left with fewer than two connected
// parties ends.
func Hangup(after time.Duration, call, party string) Step {
	return Step{Op: OpHangup, After: after, Call: call, Party: party}
}

// Await: party waits in call, in the state it is in, until a Call Control
// request served by the platform changes its status, or until timeout (of
// real time) passes. After Dial or Ring the party waits ringing, after
// Hold on hold: a scripted call that rings or holds until the test (or
// the program under test) answers, forwards, transfers, unholds or drops
// it through the Call Control API. The request's effect is the call's next
// transition; the script then goes on with the steps after this one. At
// the timeout the steps otherwise are played first, then the rest. See
// Platform.Play.
func Await(after time.Duration, call, party string, timeout time.Duration, otherwise ...Step) Step {
	return Step{Op: OpAwait, After: after, Call: call, Party: party, Timeout: timeout, Otherwise: otherwise}
}
