// Package presence models RingCentral presence notifications: the body of
// the extension, detailed, detailed-with-SIP, line, favourite and account
// presence events (Event, with its ActiveCalls), the enums they carry, and
// the tools to follow an extension's presence over time.
//
// Start with Event, which notify.Decode fills in for every presence filter.
// ParseEvent decodes a body on its own. The decoding is tolerant: ids sent as
// JSON numbers, timestamps ending in "+0000" and enum values outside the
// documented sets are all accepted, and the public fields stay plain Go
// types.
package presence
