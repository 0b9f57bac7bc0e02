// Package webhook receives RingCentral notifications over webhooks.
//
// It has three layers, from the lowest:
//
//   - ParseRequest and VerifyRequest check one incoming request (method,
//     size, verification token) for users who run their own router and
//     want a stripe-style "verify and decode" call.
//   - Handler is an http.Handler that answers RingCentral: it echoes the
//     Validation-Token of the creation handshake, checks the
//     Verification-Token of every notification in constant time, and hands
//     the notification to a bounded buffer, answering 200 within
//     milliseconds, or 503 (so that RingCentral retries) when the buffer
//     stays full for longer than a configured bound.
//   - Transport implements transport.Transport for notify.Subscribe: it
//     creates the WebHook subscription with a random verification token,
//     renews it on renewal reminders and on a timer, checks it
//     periodically, and re-creates it (reporting a gap) when RingCentral
//     has blacklisted or lost it.
//
// RingCentral's documentation disagrees on the header that carries the
// verification token: the API schema and the 2021 guide say
// Verification-Token, the guide since 2023 says Validation-Token. Both are
// accepted on a notification; a request that carries Validation-Token and
// no body is the creation handshake.
package webhook
