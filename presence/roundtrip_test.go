package presence_test

import (
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/modeltest"
	"github.com/ringwatch/ringwatch/presence"
)

// TestWireRoundTrip checks that the struct tags (json.Marshal) and the
// decoder agree on every field of every model: a value with every field
// filled survives Marshal then decode.
func TestWireRoundTrip(t *testing.T) {
	modeltest.RoundTrip(t, ".", []any{presence.Event{}, presence.Info{}, presence.DNDEvent{}, presence.QueueEvent{}},
		[]string{"Client", "AccountOptions", "ClientOption", "Change", "ActiveCallChange", "AvailabilityChange", "Tracker", "Stats"}, 300)
}
