package notify_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// derived reads a payload of testdata/derived (see its README for where each
// comes from).
func derived(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "derived", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withEvent returns a notification with its event filter (in pn_apns when
// the notification is wrapped) replaced, the rest as parsed JSON.
func withEvent(t *testing.T, data []byte, event string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if apns, ok := m["pn_apns"].(map[string]any); ok {
		apns["event"] = event
	} else {
		m["event"] = event
	}
	return m
}

// TestDecodeGuideElidedExamples: the RingCentral guide's examples, whose
// event filters elide the path and mask ids, decode to the typed events,
// with the same body and envelope as the fixtures they were derived from.
func TestDecodeGuideElidedExamples(t *testing.T) {
	tests := []struct {
		derived, fixture, event string
		check                   func(t *testing.T, ev notify.Event)
	}{{
		derived: "guide-elided-detailed-extension-presence-with-sip.json",
		fixture: "apidocs-event-detailed-extension-presence-with-sip.json",
		event:   "/restapi/..snip../presence?detailedTelephonyState=true&sipData=true",
		check: func(t *testing.T, ev notify.Event) {
			p, ok := ev.(*notify.PresenceEvent)
			if !ok {
				t.Fatalf("decoded to %T, want *notify.PresenceEvent", ev)
			}
			b := &p.Body
			if b.ExtensionID != "297277020" || b.TelephonyStatus != presence.OnHold || b.PresenceStatus != "Busy" ||
				b.Sequence != 2013 || b.TotalActiveCalls != 2 || len(b.ActiveCalls) != 2 {
				t.Errorf("body = %+v", b)
			}
			if c := b.ActiveCalls[0]; c.TelephonySessionID != "s-9cdb248614c94aa7ba68135f6c07b808" ||
				c.PartyID != "p-9cdb248614c94aa7ba68135f6c07b808-1" || !c.QueueCall ||
				c.SIPData == nil || c.SIPData.ToTag != "7lcee2ho88" {
				t.Errorf("activeCalls[0] = %+v", c)
			}
			if c := b.ActiveCalls[1]; c.TelephonyStatus != presence.Ringing || c.Direction != "Inbound" {
				t.Errorf("activeCalls[1] = %+v", c)
			}
		},
	}, {
		derived: "guide-elided-extension-telephony-sessions.json",
		fixture: "apidocs-event-extension-telephony-sessions.json",
		event:   "/restapi/..snip../extension/40xxx08/telephony/sessions",
		check: func(t *testing.T, ev notify.Event) {
			te, ok := ev.(*notify.TelephonyEvent)
			if !ok {
				t.Fatalf("decoded to %T, want *notify.TelephonyEvent", ev)
			}
			s := &te.Body
			if s.TelephonySessionID != "Y3MxNzE4NDE5MDM0MzQwMTgzODRAMTAuNjIuMjUuMTEx" || s.Sequence != 5 ||
				s.AccountID != "400144452008" || s.ExtensionID != "400144455008" || len(s.Parties) != 1 {
				t.Errorf("session = %+v", s)
			}
			if p := s.Parties[0]; p.ID != "cs171841903434018384-2" || p.Status.Code != telephony.Proceeding ||
				!p.QueueCall || p.Direction != "Inbound" || p.To.Name != "Tom Sawyer" {
				t.Errorf("parties[0] = %+v", p)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.derived, func(t *testing.T) {
			data := derived(t, tt.derived)
			orig := fixture.Read(t, tt.fixture)
			// The derived file is the fixture with only its event changed.
			var got map[string]any
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(withEvent(t, orig, tt.event), got); diff != "" {
				t.Fatalf("%s is not %s with the event replaced (-want +got):\n%s", tt.derived, tt.fixture, diff)
			}

			ev := decodeOK(t, data)
			if ev.EventHeader().Event != tt.event {
				t.Errorf("Header.Event = %q, want %q", ev.EventHeader().Event, tt.event)
			}
			tt.check(t, ev)

			// Everything but the event filter is what the fixture gives.
			want := decodeOK(t, orig)
			want.EventHeader().Event = tt.event
			if diff := cmp.Diff(want, ev, decOpts); diff != "" {
				t.Errorf("differs from the fixture's decode (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeDNDAndQueuePresence: the DND event (RingCentral guide, "Extension
// DND Status Event": body {extensionId, dndStatus}) and the agent's
// call-queue presence (RingCentral's "Call Queue Presence Event",
// CallQueuePresenceEventBody {extensionId, callQueueId, acceptCalls})
// decode to their own types.
func TestDecodeDNDAndQueuePresence(t *testing.T) {
	tm := func(s string) notify.Header { return notify.Header{Timestamp: decTime(t, s)} }
	dndHeader := tm("2021-02-18T09:37:24.597Z")
	dndHeader.UUID = "045b81dc-9f73-4864-84de-08aa6324a7f5"
	dndHeader.Event = "/restapi/v1.0/account/6610372004/extension/6610372004/presence/dnd"
	dndHeader.OwnerID = "6610372004"
	queueHeader := tm("2024-05-02T10:15:30.120Z")
	queueHeader.UUID = "6a1f0d1e-5b52-4b0e-9a57-2f6c3c0e7a41"
	queueHeader.Event = "/restapi/v1.0/account/37439510/extension/297277020/call-queues/presence"
	queueHeader.SubscriptionID = "dfbca25e-4e2b-4c60-aa8d-47a83716fe23"
	queueHeader.OwnerID = "297277020"

	tests := []struct {
		name string
		data []byte
		want notify.Event
	}{{
		name: "DND, the guide's example",
		data: derived(t, "apidocs-event-extension-dnd-status.json"),
		want: &notify.DNDEvent{Header: dndHeader, Body: presence.DNDEvent{ExtensionID: "6610372004", DNDStatus: presence.TakeAllCalls}},
	}, {
		name: "DND, number id, personal status, elided path",
		data: []byte(`{"event":"/restapi/..snip../presence/dnd","body":{"extensionId":6610372004,"dndStatus":"DoNotAcceptAnyCalls","dndStatusPersonal":"TakeAllCalls","x":[1]}}`),
		want: &notify.DNDEvent{Header: notify.Header{Event: "/restapi/..snip../presence/dnd"},
			Body: presence.DNDEvent{ExtensionID: "6610372004", DNDStatus: presence.DoNotAcceptAnyCalls, DNDStatusPersonal: presence.TakeAllCalls}},
	}, {
		name: "call-queue presence, spec-shaped",
		data: derived(t, "spec-shaped-extension-call-queue-presence.json"),
		want: &notify.QueuePresenceEvent{Header: queueHeader,
			Body: presence.QueueEvent{ExtensionID: "297277020", CallQueueID: "1500723004", AcceptCalls: false}},
	}, {
		name: "call-queue presence, tolerant forms",
		data: []byte(`{"event":"/restapi/v1.0/account/~/extension/~/call-queues/presence","body":{"extensionId":297277020,"callQueueId":"1500723004","acceptCalls":"true"}}`),
		want: &notify.QueuePresenceEvent{Header: notify.Header{Event: "/restapi/v1.0/account/~/extension/~/call-queues/presence"},
			Body: presence.QueueEvent{ExtensionID: "297277020", CallQueueID: "1500723004", AcceptCalls: true}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeOK(t, tt.data)
			if diff := cmp.Diff(tt.want, got, decOpts); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeCallQueueMemberPresenceUnchanged: the queue MEMBER presence
// (…/call-queues/{groupId}/presence) is still a *PresenceEvent.
func TestDecodeCallQueueMemberPresenceUnchanged(t *testing.T) {
	ev := decodeOK(t, fixture.Read(t, "apidocs-event-call-queue-member-presence.json"))
	p, ok := ev.(*notify.PresenceEvent)
	if !ok {
		t.Fatalf("decoded to %T, want *notify.PresenceEvent", ev)
	}
	want := []presence.QueueMember{{Member: presence.Member{ID: "411753183004"}, AcceptCurrentQueueCalls: true}, {Member: presence.Member{ID: "411753646416541"}}}
	if diff := cmp.Diff(want, p.Body.QueueMembers); diff != "" {
		t.Errorf("QueueMembers (-want +got):\n%s", diff)
	}
}

// TestDecodeByBodyShape: when the event filter cannot tell, the body's shape
// does; a shape that says nothing stays *Unknown.
func TestDecodeByBodyShape(t *testing.T) {
	telephonyBody := `{"sequence":5,"telephonySessionId":"s-1","parties":[{"id":"p-1","status":{"code":"Answered"}}]}`
	tests := []struct {
		event, body string
		want        string // the event type
	}{
		{"/restapi/..snip..", telephonyBody, "*notify.TelephonyEvent"},
		{"/restapi/v1.0/account/~/extension/~/some-new-thing", telephonyBody, "*notify.TelephonyEvent"},
		{"/restapi/..snip..", `{"extensionId":"1","telephonyStatus":"Ringing"}`, "*notify.PresenceEvent"},
		{"/restapi/..snip..", `{"presenceStatus":"Busy","userStatus":"Available"}`, "*notify.PresenceEvent"},
		{"/restapi/..snip..", `{"extensionId":"1","dndStatus":"TakeAllCalls","allowSeeMyPresence":true}`, "*notify.PresenceEvent"},
		{"/restapi/..snip..", `{"extensionId":"1","dndStatus":"TakeAllCalls"}`, "*notify.DNDEvent"},
		{"/restapi/..snip..", `{"extensionId":"1","callQueueId":"2","acceptCalls":true}`, "*notify.QueuePresenceEvent"},
		{"/restapi/..snip../subscription/5c37f936-fa66", `{"expiresIn":75}`, "*notify.RenewalReminder"},
		{"/restapi/v1.0/subscription/5c37f936-fa66/", `{"expiresIn":75}`, "*notify.RenewalReminder"},
		// Shapes that say nothing.
		{"/restapi/..snip..", `{"expiresIn":75}`, "*notify.Unknown"},                         // not a subscription path
		{"/restapi/..snip../subscription/x", `{"expiresIn":75,"id":"x"}`, "*notify.Unknown"}, // a subscription resource
		{"/restapi/..snip..", `{"parties":[]}`, "*notify.Unknown"},
		{"/restapi/..snip..", `{"telephonySessionId":"s-1","parties":{}}`, "*notify.Unknown"},
		{"/restapi/..snip..", `{"callQueueId":"2"}`, "*notify.Unknown"},
		{"/restapi/v1.0/account/~/extension/~/message-store", `{"extensionId":"1","lastUpdated":"2024-01-01T00:00:00Z","changes":[]}`, "*notify.Unknown"},
		{"/restapi/..snip..", `[1,2]`, "*notify.Unknown"},
		{"/restapi/..snip..", `{"telephonyStatus":`, "*notify.Unknown"}, // not JSON: the envelope fails first
	}
	for _, tt := range tests {
		data := `{"uuid":"u","event":"` + tt.event + `","body":` + tt.body + `}`
		ev, err := notify.Decode([]byte(data))
		if strings.HasSuffix(tt.body, ":") {
			if err == nil {
				t.Errorf("Decode(%s) = %T, want an error", data, ev)
			}
			continue
		}
		if err != nil {
			t.Errorf("Decode(%s): %v", data, err)
			continue
		}
		if got := typeName(ev); got != tt.want {
			t.Errorf("Decode(%s) = %s, want %s", data, got, tt.want)
		}
	}
	ev := decodeOK(t, []byte(`{"event":"/restapi/..snip../subscription/5c37f936","body":{"expiresIn":"75"}}`))
	if r, ok := ev.(*notify.RenewalReminder); !ok || r.ExpiresIn != 75 {
		t.Errorf("reminder by shape = %#v", ev)
	}
}

func typeName(ev notify.Event) string {
	switch ev.(type) {
	case *notify.PresenceEvent:
		return "*notify.PresenceEvent"
	case *notify.DNDEvent:
		return "*notify.DNDEvent"
	case *notify.QueuePresenceEvent:
		return "*notify.QueuePresenceEvent"
	case *notify.TelephonyEvent:
		return "*notify.TelephonyEvent"
	case *notify.RenewalReminder:
		return "*notify.RenewalReminder"
	case *notify.Unknown:
		return "*notify.Unknown"
	}
	return "other"
}

func TestDecodeDNDAndQueuePresenceErrors(t *testing.T) {
	tests := []struct {
		data, part, path string
		noBody           bool
	}{
		{`{"event":"/restapi/v1.0/account/~/extension/~/presence/dnd"}`, "DND body", "body", true},
		{`{"event":"/restapi/v1.0/account/~/extension/~/call-queues/presence","body":null}`, "call-queue presence body", "body", true},
	}
	for _, tt := range tests {
		ev, err := notify.Decode([]byte(tt.data))
		var de *notify.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Decode(%s) = %T, %v; want a *DecodeError", tt.data, ev, err)
			continue
		}
		if de.Part != tt.part || de.Path != tt.path {
			t.Errorf("Decode(%s): part %q path %q, want %q %q (%v)", tt.data, de.Part, de.Path, tt.part, tt.path, err)
		}
		if tt.noBody == (de.Offset >= 0) {
			t.Errorf("Decode(%s): offset %d", tt.data, de.Offset)
		}
	}
}

// TestDecodeDNDAndQueuePresenceDrift: a field of an unexpected shape in the
// DND and call-queue bodies is skipped and reported, as in every model.
func TestDecodeDNDAndQueuePresenceDrift(t *testing.T) {
	tests := []struct {
		data string
		want notify.Event
	}{
		{`{"event":"/restapi/v1.0/account/~/extension/~/presence/dnd","body":{"extensionId":"7","dndStatus":{}}}`,
			&notify.DNDEvent{Body: presence.DNDEvent{ExtensionID: "7"}}},
		{`{"event":"/restapi/v1.0/account/~/extension/~/call-queues/presence","body":{"callQueueId":"9","acceptCalls":"maybe"}}`,
			&notify.QueuePresenceEvent{Body: presence.QueueEvent{CallQueueID: "9"}}},
		{`{"event":"/restapi/v1.0/account/~/extension/~/call-queues/presence","body":[]}`,
			&notify.QueuePresenceEvent{}},
	}
	wantPaths := []string{"body.dndStatus", "body.acceptCalls", "body"}
	for i, tt := range tests {
		ev, err := notify.Decode([]byte(tt.data))
		if err != nil {
			t.Errorf("Decode(%s): %v", tt.data, err)
			continue
		}
		h := ev.EventHeader()
		if len(h.Skipped) != 1 || h.Skipped[0].Path != wantPaths[i] {
			t.Errorf("Decode(%s).Skipped = %+v, want one at %s", tt.data, h.Skipped, wantPaths[i])
		}
		var got any
		switch e := ev.(type) {
		case *notify.DNDEvent:
			got = e.Body
		case *notify.QueuePresenceEvent:
			got = e.Body
		}
		var want any
		switch e := tt.want.(type) {
		case *notify.DNDEvent:
			want = e.Body
		case *notify.QueuePresenceEvent:
			want = e.Body
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Decode(%s) body (-want +got):\n%s", tt.data, diff)
		}
	}
}

// TestClassifyAndDecodeAgree: every kind Classify reports for a filter is
// the event type Decode gives for it.
func TestClassifyAndDecodeAgree(t *testing.T) {
	filters := []subscription.Filter{
		subscription.DNDPresence(""), subscription.ExtensionCallQueuePresence("1"),
		subscription.CallQueueMemberPresence("2"), subscription.ExtensionPresence("3", subscription.WithSIP()),
		subscription.AccountTelephonySessions(),
	}
	want := []string{"*notify.DNDEvent", "*notify.QueuePresenceEvent", "*notify.PresenceEvent", "*notify.PresenceEvent", "*notify.TelephonyEvent"}
	for i, f := range filters {
		ev := decodeOK(t, []byte(`{"event":"`+string(f)+`","body":{}}`))
		if got := typeName(ev); got != want[i] {
			t.Errorf("%s (%v) decodes to %s, want %s", f, subscription.Classify(string(f)), got, want[i])
		}
	}
}
