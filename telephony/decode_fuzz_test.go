package telephony_test

import (
	"encoding/json"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/telephony"
)

// FuzzParseSession checks that ParseSession never panics, accepts only
// valid JSON, and keeps its invariants: status codes are normalised and a
// party's Park is set only with an id.
func FuzzParseSession(f *testing.F) {
	for _, name := range fixture.Names(f) {
		data := fixture.Read(f, name)
		f.Add(data)
		var env struct {
			Body    json.RawMessage `json:"body"`
			Session json.RawMessage `json:"session"`
		}
		if json.Unmarshal(data, &env) == nil {
			if env.Body != nil {
				f.Add([]byte(env.Body))
			}
			if env.Session != nil {
				f.Add([]byte(env.Session))
			}
		}
	}
	f.Add([]byte(`{"parties":[{"status":{"code":"VMScreening","mobilePickupData":{"srvlvl":"1"}},"park":{"id":"1"},"owner":{"extensionId":2}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := telephony.ParseSession(data)
		if err != nil {
			if s != nil {
				t.Fatal("session and error")
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for _, p := range s.Parties {
			if p.Status.Code == "Voicemail" || p.Status.Code == "VMScreening" {
				t.Fatalf("status code %q not normalised", p.Status.Code)
			}
			if p.Park != nil && p.Park.ID == "" {
				t.Fatal("Park without an id")
			}
		}
	})
}
