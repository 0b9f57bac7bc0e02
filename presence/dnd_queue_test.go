package presence_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ringwatch/ringwatch/presence"
)

// Bodies per RingCentral's guide ("Extension DND Status Event": extensionId,
// dndStatus) and API definitions (CallQueuePresenceEventBody: extensionId,
// callQueueId, acceptCalls).
func TestParseDNDEvent(t *testing.T) {
	tests := []struct {
		body string
		want presence.DNDEvent
	}{
		{`{"extensionId":"6610372004","dndStatus":"TakeAllCalls"}`, presence.DNDEvent{ExtensionID: "6610372004", DNDStatus: presence.TakeAllCalls}},
		{`{"extensionId":6610372004,"dndStatus":"Unknown","dndStatusPersonal":"DoNotAcceptAnyCalls","new":{"a":[1]}}`,
			presence.DNDEvent{ExtensionID: "6610372004", DNDStatus: presence.DNDUnknown, DNDStatusPersonal: presence.DoNotAcceptAnyCalls}},
		{`{"dndStatus":"SomethingNew"}`, presence.DNDEvent{DNDStatus: "SomethingNew"}},
		{`{}`, presence.DNDEvent{}},
	}
	for _, tt := range tests {
		got, err := presence.ParseDNDEvent([]byte(tt.body))
		if err != nil || *got != tt.want {
			t.Errorf("ParseDNDEvent(%s) = %+v, %v; want %+v", tt.body, got, err, tt.want)
		}
		var via presence.DNDEvent
		if err := json.Unmarshal([]byte(tt.body), &via); err != nil || via != tt.want {
			t.Errorf("json.Unmarshal(%s) = %+v, %v", tt.body, via, err)
		}
	}
	// A value of the wrong shape is skipped (the rest decodes); only broken
	// JSON is an error.
	for _, drift := range []string{`[]`, `{"dndStatus":{}}`, `{"extensionId":[1]}`} {
		if e, err := presence.ParseDNDEvent([]byte(drift)); err != nil || *e != (presence.DNDEvent{}) {
			t.Errorf("ParseDNDEvent(%s) = %+v, %v; want the empty event", drift, e, err)
		}
	}
	for _, bad := range []string{`{"dndStatus":"x"`, ``} {
		if e, err := presence.ParseDNDEvent([]byte(bad)); err == nil || e != nil || !strings.HasPrefix(err.Error(), "presence: ") {
			t.Errorf("ParseDNDEvent(%s) = %+v, %v; want an error", bad, e, err)
		}
	}
}

func TestParseQueueEvent(t *testing.T) {
	tests := []struct {
		body string
		want presence.QueueEvent
	}{
		{`{"extensionId":"297277020","callQueueId":"1500723004","acceptCalls":true}`,
			presence.QueueEvent{ExtensionID: "297277020", CallQueueID: "1500723004", AcceptCalls: true}},
		{`{"extensionId":297277020,"callQueueId":1500723004,"acceptCalls":"FALSE","x":null}`,
			presence.QueueEvent{ExtensionID: "297277020", CallQueueID: "1500723004"}},
		{`{"acceptCalls":"true"}`, presence.QueueEvent{AcceptCalls: true}},
	}
	for _, tt := range tests {
		got, err := presence.ParseQueueEvent([]byte(tt.body))
		if err != nil || *got != tt.want {
			t.Errorf("ParseQueueEvent(%s) = %+v, %v; want %+v", tt.body, got, err, tt.want)
		}
	}
	for _, drift := range []string{`"x"`, `{"acceptCalls":"maybe"}`, `{"callQueueId":{}}`} {
		if e, err := presence.ParseQueueEvent([]byte(drift)); err != nil || *e != (presence.QueueEvent{}) {
			t.Errorf("ParseQueueEvent(%s) = %+v, %v; want the empty event", drift, e, err)
		}
	}
	for _, bad := range []string{`{`, `{"a":}`} {
		if e, err := presence.ParseQueueEvent([]byte(bad)); err == nil || e != nil {
			t.Errorf("ParseQueueEvent(%s) = %+v, %v; want an error", bad, e, err)
		}
	}
	// The JSON form is RingCentral's, acceptCalls always present.
	b, err := json.Marshal(presence.QueueEvent{ExtensionID: "1", CallQueueID: "2"})
	if err != nil || string(b) != `{"extensionId":"1","callQueueId":"2","acceptCalls":false}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
}
