// Package notifytest is a fake RingCentral platform on loopback, for tests
// and demos of code that uses ringwatch.
//
// NewPlatform starts it at once. Config gives the credentials it accepts,
// ready for ringwatch's token source; URL is the server URL. It speaks
// RingCentral's wire protocol:
//
//   - OAuth: POST /restapi/oauth/token with the JWT bearer grant and
//     single-use refresh tokens, Basic client authentication, token
//     lifetimes and a clock under the test's control (WithTokenLifetimes,
//     WithClock, ExpireTokens), RingCentral's error bodies.
//   - The Subscription API: create, get, list, update, renew and delete,
//     with "~" expanded in the returned filters, the expiresIn limits of
//     each transport, expiry on the platform's clock, the per-extension
//     limit (SUB-505), filter validation (SUB-508, SUB-516) and the webhook
//     validation handshake (SUB-520, SUB-521, SUB-525).
//   - The resynchronisation endpoints (telephony session and party, extension
//     and account presence), served from a model of calls that the test sets
//     with SetSession, EndSession and SetPresence.
//   - X-Rate-Limit-* headers on every API answer, optional enforcement of the
//     default limits, and fault injection (FailNext, InjectFault) for 429,
//     503 or any other status.
//   - A record of every request it received (Requests).
//
// Publish builds RingCentral's notification envelope for every matching
// subscription and hands it to the subscription's transport. Webhook
// delivery is built in.
//
// Calls: StartCall and StartCallFor put a call in the model that waits for
// Call Control requests, which the platform serves against the model
// (answer, hold, transfer, forward, park, drop, …) and publishes as
// RingCentral does. Play plays a Script (Dial, Answer, Hold, …; Scenarios
// lists the shipped ones, each with the transitions and the call summaries
// a subscriber must see: Script.Expect, Scenario.Want), and RunMix a
// continuous mix of them. A scripted call obeys Call Control requests too,
// and an Await step makes it ring or stay on hold until a request moves it
// on or a timeout passes, after which the script's own steps go on:
//
//	Dial(0, "call", customer, agent),
//	Await(0, "call", "agent", 20*time.Second, Voicemail(0, "call", "agent")),
//	Hangup(30*time.Second, "call", "customer"),
//
// rings the agent until the code under test answers or forwards the call
// through telephony.Client, or for 20 s and then sends it to voicemail.
//
// The platform never panics on a caller's mistake: NewPlatformErr reports
// invalid options, and NewPlatform returns a platform whose Err says what
// went wrong.
package notifytest
