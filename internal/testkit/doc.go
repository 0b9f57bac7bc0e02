// Package testkit holds the module's test infrastructure, kept apart from
// the runtime helpers in internal/ so that a reader sees at once what ships
// to users:
//
//   - fakewsg: a fake RingCentral WebSocket gateway (token, connect,
//     subscription, notification frames, injected faults);
//   - fakepubnub: a fake PubNub subscribe endpoint delivering encrypted
//     notifications;
//   - callscript: scripted telephone calls and the telephony and presence
//     notifications RingCentral would send for them;
//   - leakcheck: a goroutine leak check for tests;
//   - fixture: locates the recorded payloads in testdata/fixtures;
//   - modeltest: generic checks over the decoded models (wire round trip,
//     corrupted input).
//
// None of it is imported by the library's runtime code: only tests, the
// examples' demo modes and notify/notifytest (the one test helper that
// ships to users, which exposes what users need of it as its own types)
// use it. TestRuntimeDoesNotImportTestkit enforces this.
package testkit
