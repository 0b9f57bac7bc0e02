package presence_test

import (
	"encoding/json"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/presence"
)

// FuzzParseEvent checks that ParseEvent never panics, accepts only JSON
// objects, and that whatever it accepts also decodes through
// encoding/json into the same Event.
func FuzzParseEvent(f *testing.F) {
	for _, name := range fixture.Names(f) {
		data := fixture.Read(f, name)
		f.Add(data)
		var env struct {
			Body json.RawMessage `json:"body"`
		}
		if json.Unmarshal(data, &env) == nil && env.Body != nil {
			f.Add([]byte(env.Body))
		}
	}
	f.Add([]byte(`{"extensionId":402853446008,"activeCalls":[{"startTime":"2014-03-12T20:47:54+0000"}],"extension":[{"id":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := presence.ParseEvent(data)
		if err != nil {
			if e != nil {
				t.Fatal("event and error")
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var via presence.Event
		if err := json.Unmarshal(data, &via); err != nil {
			t.Fatalf("encoding/json path failed: %v", err)
		}
		if via.ExtensionID != e.ExtensionID || via.Sequence != e.Sequence || len(via.ActiveCalls) != len(e.ActiveCalls) {
			t.Fatalf("encoding/json path differs: %+v vs %+v", via, e)
		}
	})
}
