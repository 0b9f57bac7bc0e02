package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
)

// The benchmarks compare Decode with two baselines on the same bytes:
// json.Unmarshal into map[string]any (what a Go user writes by hand) and
// json.Valid (a single scan, a floor).

func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct{ name, file string }{
		{"PresenceSIP", "apidocs-event-detailed-extension-presence-with-sip.json"},
		{"Telephony", "apidocs-voice-telephony-session-event.json"},
	} {
		data := fixture.Read(b, bc.file)
		b.Run(bc.name+"/Decode", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				ev, err := notify.Decode(data)
				if err != nil || ev == nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/MapBaseline", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/ValidBaseline", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if !json.Valid(data) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
