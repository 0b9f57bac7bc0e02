package telephony_test

import (
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/modeltest"
	"github.com/ringwatch/ringwatch/telephony"
)

// TestWireRoundTrip checks that the struct tags (json.Marshal) and the
// decoder agree on every field of every model: a value with every field
// filled survives Marshal then decode.
func TestWireRoundTrip(t *testing.T) {
	modeltest.RoundTrip(t, ".", []any{telephony.Session{}, telephony.Party{}},
		[]string{"Change", "Client", "ClientOption", "Tracker", "Stats", "Call", "CallEndedError", "CallSummary", "PartySummary",
			// Call Control requests and errors: encoded by encoding/json, never decoded by hand.
			"CallOutFrom", "CallOutRequest", "CallOutTo", "PartyUpdate", "Reply", "ReplyPattern",
			"SessionWaitOptions", "StateError", "SuperviseRequest", "Target", "Control"}, 300)
}
