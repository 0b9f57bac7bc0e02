// Package callscript scripts telephone calls and produces, in order, the
// notifications RingCentral would send for them: telephony-session bodies
// (one party per notification, a sequence counter per session shared by
// its parties) and detailed presence bodies with SIP data (a sequence
// counter per extension, at most 7 active calls, an ended call listed once
// with NoCall and terminationType "final"), together with the state the
// resynchronisation endpoints would serve after each of them.
//
// It is pure and data driven: a Script is a list of Steps (Dial, Answer,
// Hold, Park, BlindTransfer, Conference, Hangup, …) over Endpoints, the
// extensions of an account or outside numbers. A World holds the calls and
// presence of one account; a Player plays one Script in it, step by step,
// and several Players may share a World. Run plays a Script alone and
// collects the result. No HTTP, no platform: notify/notifytest plays
// scripts on its fake platform.
//
// Parties that belong to no account (the outside caller of an inbound
// call) change the session's state and consume sequence numbers, but no
// filter receives them, as with RingCentral. The outside leg of a call
// placed by an extension belongs to the account (not to an extension), so
// account-level filters receive it.
//
// Every shipped scenario (Scenarios) states the party transitions an
// account-level subscriber must see (Script.Expect) and the summary each
// of its calls must get (Script.Want, exact when played with ExactTimes),
// so that tests of call trackers can compare.
//
// A step may wait (Await): the Player then reports Waiting until Resume
// takes in what a Call Control request did to the call (the driver, such
// as notifytest, serves the requests) or TimeOut ends the wait, which
// plays the step's Otherwise steps. Run, with no requests, times out every
// wait.
package callscript
