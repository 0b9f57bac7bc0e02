package notify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
)

// decodeSeeds returns every fixture plus the notification inside each
// WebSocket ServerNotification frame, and a few hand-made edge cases.
func decodeSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, name := range fixture.Names(tb) {
		b := fixture.Read(tb, name)
		seeds = append(seeds, b)
		if inner, ok := wsNotification(b); ok {
			seeds = append(seeds, inner)
		}
	}
	seeds = append(seeds,
		[]byte(`{"event":"/restapi/v1.0/account/~/extension/1/presence","body":{"extensionId":1}}`),
		[]byte(`{"pn_apns":{"event":"/restapi/v1.0/account/~/telephony/sessions","body":{}}}`),
		[]byte(`{"event":"/restapi/v1.0/subscription/~?threshold=60&interval=30","body":{"expiresIn":"5"}}`),
		[]byte(`{"event":"/x","body":null}`),
		[]byte(`{"event":"/restapi/..snip..","body":{"extensionId":"1","callQueueId":"2","acceptCalls":true}}`),
		[]byte(`{"event":"/restapi/..snip../subscription/1","body":{"expiresIn":75}}`),
	)
	for _, name := range []string{
		"guide-elided-detailed-extension-presence-with-sip.json", "guide-elided-extension-telephony-sessions.json",
		"apidocs-event-extension-dnd-status.json", "spec-shaped-extension-call-queue-presence.json",
	} {
		seeds = append(seeds, derived(tb, name))
	}
	return seeds
}

// wsNotification extracts the notification from a WebSocket Gateway frame
// [meta, envelope] whose meta type is ServerNotification.
func wsNotification(frame []byte) ([]byte, bool) {
	var parts []json.RawMessage
	if err := json.Unmarshal(frame, &parts); err != nil || len(parts) != 2 {
		return nil, false
	}
	var meta struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(parts[0], &meta); err != nil || meta.Type != "ServerNotification" {
		return nil, false
	}
	return parts[1], true
}

// FuzzDecode checks that Decode never panics, that a successful decode is a
// non-nil event with an event filter and the input as Raw, and that every
// failure is a *DecodeError.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		ev, err := notify.Decode(data)
		if !bytes.Equal(orig, data) {
			t.Fatal("Decode modified its input")
		}
		if err != nil {
			if ev != nil {
				t.Fatalf("Decode returned an event (%T) and an error: %v", ev, err)
			}
			var de *notify.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *notify.DecodeError: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if ev == nil {
			t.Fatal("Decode returned nil event and nil error")
		}
		h := ev.EventHeader()
		if h == nil || h.Event == "" {
			t.Fatalf("decoded %T without an event filter", ev)
		}
		if !bytes.Equal(h.Raw, orig) {
			t.Fatal("Header.Raw is not the input")
		}
		switch ev.(type) {
		case *notify.PresenceEvent, *notify.DNDEvent, *notify.QueuePresenceEvent,
			*notify.TelephonyEvent, *notify.RenewalReminder, *notify.Unknown:
		default:
			t.Fatalf("unexpected event type %T", ev)
		}
	})
}
