package notifytest

import (
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/callscript"
)

// Each step waits after (scripted time) since the previous one. Calls and
// parties are named by labels: a call's label is given when it starts, a
// party's label is its Endpoint's Label.

// Dial starts call from from to to: the parties are set up and the callee
// rings.
func Dial(after time.Duration, call string, from, to Endpoint) Step {
	return callscript.Dial(after, call, from, to)
}

// Ring makes to ring in call, as a call queue rings its agents.
func Ring(after time.Duration, call string, to Endpoint) Step {
	return callscript.Ring(after, call, to)
}

// Answer: party answers call; other ringing parties stop with
// AgentAnswered and the caller is connected.
func Answer(after time.Duration, call, party string) Step {
	return callscript.Answer(after, call, party)
}

// Hold: party puts call on hold.
func Hold(after time.Duration, call, party string) Step {
	return callscript.Hold(after, call, party)
}

// Unhold: party resumes call (reported as Answered).
func Unhold(after time.Duration, call, party string) Step {
	return callscript.Unhold(after, call, party)
}

// Park: party parks call at parkData ("*801").
func Park(after time.Duration, call, party, parkData string) Step {
	return callscript.Park(after, call, party, parkData)
}

// PickUp: by dials parkData, starting call, and picks up the call parked
// there (the call labelled parked).
func PickUp(after time.Duration, call string, by Endpoint, parked, parkData string) Step {
	return callscript.PickUp(after, call, by, parked, parkData)
}

// BlindTransfer: party transfers call to to without consulting.
func BlindTransfer(after time.Duration, call, party string, to Endpoint) Step {
	return callscript.BlindTransfer(after, call, party, to)
}

// AttendedTransfer: party completes the transfer of call to the other
// party of the consultation call consult.
func AttendedTransfer(after time.Duration, call, party, consult string) Step {
	return callscript.AttendedTransfer(after, call, party, consult)
}

// Conference: host merges the calls merge into the conference call conf.
func Conference(after time.Duration, conf, host string, merge ...string) Step {
	return callscript.Conference(after, conf, host, merge...)
}

// Voicemail: the ringing party sends call to voicemail.
func Voicemail(after time.Duration, call, party string) Step {
	return callscript.Voicemail(after, call, party)
}

// Hangup: party leaves call; a call left with fewer than two connected
// parties ends.
func Hangup(after time.Duration, call, party string) Step {
	return callscript.Hangup(after, call, party)
}
