package presence_test

import (
	"encoding/json"
	"github.com/ringwatch/ringwatch/internal/wire"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/presence"
)

var decOpts = cmpopts.EquateEmpty()

func TestInfoREST(t *testing.T) {
	var got presence.Info
	if err := json.Unmarshal(fixture.Read(t, "rccallcontrol-rest-presence.json"), &got); err != nil {
		t.Fatal(err)
	}
	want := presence.Info{
		URI:             "https://platform.devtest.ringcentral.com/restapi/v1.0/account/170848004/extension/170848004/presence",
		ExtensionNumber: "101",
		ExtensionURI:    "https://platform.devtest.ringcentral.com/restapi/v1.0/account/170848004/extension/170848004",
		Event: presence.Event{
			ExtensionID:    "170848004", // from extension.id, a JSON number
			PresenceStatus: "Busy", TelephonyStatus: presence.CallConnected, UserStatus: "Available",
			DNDStatus: "TakeAllCalls", AllowSeeMyPresence: true,
			ActiveCalls: []presence.ActiveCall{{
				ID: "rh48qh6apch71062dcvh", Direction: "Outbound", From: "+16504257106", To: "+16579991394",
				TelephonyStatus: presence.CallConnected,
				SIPData:         &presence.SIPData{ToTag: "aoeuotdh4n", FromTag: "10.28.20.110-5070-d6360d5a11cc4a", RemoteURI: "-", LocalURI: "-"},
				SessionID:       "21529090004",
				StartTime:       time.Date(2019, 9, 5, 6, 13, 35, 305e6, time.UTC), // "+0000"
				PartyID:         "p-bb843f9bc3bd4366a83f9e953f2c9c58-1", TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
			}},
		},
	}
	if diff := cmp.Diff(want, got, decOpts); diff != "" {
		t.Errorf("Info mismatch (-want +got):\n%s", diff)
	}
}

func TestInfoRESTAccountPresence(t *testing.T) {
	var page struct {
		Records []presence.Info `json:"records"`
	}
	if err := json.Unmarshal(fixture.Read(t, "rccallcontrol-rest-accountPresence.json"), &page); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Ext, Number string
		Status      presence.TelephonyStatus
		Calls       int
	}
	var got []row
	for _, r := range page.Records {
		got = append(got, row{r.ExtensionID, r.ExtensionNumber, r.TelephonyStatus, len(r.ActiveCalls)})
	}
	if len(got) == 0 || got[0] != (row{"170848004", "101", presence.NoCall, 1}) {
		t.Errorf("records = %+v", got)
	}
	for _, r := range got {
		if r.Ext == "" || r.Number == "" || r.Status == "" {
			t.Errorf("record with a missing field: %+v", r)
		}
	}
}

func TestParseEventTolerance(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want presence.Event
	}{{
		name: "extensionId as a number, large ids exact",
		in:   `{"extensionId":402853446008,"ownerId":12345678901234567890123}`,
		want: presence.Event{ExtensionID: "402853446008", OwnerID: "12345678901234567890123"},
	}, {
		name: "extensionId as a string",
		in:   `{"extensionId":"402853446008"}`,
		want: presence.Event{ExtensionID: "402853446008"},
	}, {
		name: "startTime forms",
		in: `{"activeCalls":[{"startTime":"2019-07-09T16:17:27.975Z"},{"startTime":"2019-07-09T16:17:27.975+0000"},` +
			`{"startTime":"2019-07-09T16:17:27Z"},{"startTime":"2019-07-09T16:17:27+0000"},{"startTime":"2019-07-09T18:17:27+02:00"},{"startTime":null},{"startTime":""}]}`,
		want: presence.Event{ActiveCalls: []presence.ActiveCall{
			{StartTime: time.Date(2019, 7, 9, 16, 17, 27, 975e6, time.UTC)},
			{StartTime: time.Date(2019, 7, 9, 16, 17, 27, 975e6, time.UTC)},
			{StartTime: time.Date(2019, 7, 9, 16, 17, 27, 0, time.UTC)},
			{StartTime: time.Date(2019, 7, 9, 16, 17, 27, 0, time.UTC)},
			{StartTime: time.Date(2019, 7, 9, 16, 17, 27, 0, time.UTC)},
			{}, {},
		}},
	}, {
		name: "unknown enum values kept as they came",
		in:   `{"telephonyStatus":"Teleporting","presenceStatus":"Invisible","dndStatus":"Sleeping","activeCalls":[{"telephonyStatus":"Beaming","direction":"Up"}]}`,
		want: presence.Event{TelephonyStatus: "Teleporting", PresenceStatus: "Invisible", DNDStatus: "Sleeping",
			ActiveCalls: []presence.ActiveCall{{TelephonyStatus: "Beaming", Direction: "Up"}}},
	}, {
		name: "bools as strings",
		in:   `{"allowSeeMyPresence":"true","acceptCallQueueCalls":"TRUE","ringOnMonitoredCall":"false","pickUpCallsOnHold":"","activeCalls":[{"queueCall":"True"}]}`,
		want: presence.Event{AllowSeeMyPresence: true, AcceptCallQueueCalls: true, ActiveCalls: []presence.ActiveCall{{QueueCall: true}}},
	}, {
		name: "duplicate keys: the last wins",
		in:   `{"sequence":1,"sequence":"2","activeCalls":[{"id":"a"}],"activeCalls":[{"id":"b"}],"extensionId":"x","extensionId":"y"}`,
		want: presence.Event{Sequence: 2, ActiveCalls: []presence.ActiveCall{{ID: "b"}}, ExtensionID: "y"},
	}, {
		name: "missing and null optional objects",
		in:   `{"activeCalls":[{"sipData":null,"callInfo":null,"appearanceInfo":null}],"extension":null,"appearances":null,"records":null}`,
		want: presence.Event{ActiveCalls: []presence.ActiveCall{{}}},
	}, {
		name: "every documented field",
		in: `{"extensionId":"1","telephonyStatus":"Ringing","aggregatedTelephonyStatus":"CallConnected","cxTelephonyStatus":"NoCall",` +
			`"dndStatusPersonal":"DoNotAcceptAnyCalls","acceptCallQueueCalls":true,"meetingStatus":"Connected","totalActiveCalls":"3",` +
			`"appearances":[{"phoneNumber":"+1650","appearanceNumber":2,"lineStatus":"Seized"}],` +
			`"activeCalls":[{"id":"c","_from":"+1","terminationType":"final","onBehalfOf":"77","sipData":{"callId":"ci","rcSessionId":"rs"},` +
			`"callInfo":{"primary":{"type":"QueueName","value":"Sales"},"additional":{"type":"CallerIdNumber","value":"+1"}},` +
			`"appearanceInfo":{"phoneNumber":"+1650","appearanceNumber":"2"}}]}`,
		want: presence.Event{ExtensionID: "1", TelephonyStatus: presence.Ringing, AggregatedTelephonyStatus: presence.CallConnected,
			CXTelephonyStatus: presence.NoCall, DNDStatusPersonal: presence.DoNotAcceptAnyCalls, AcceptCallQueueCalls: true,
			MeetingStatus: presence.MeetingConnected, TotalActiveCalls: 3,
			Appearances: []presence.Appearance{{PhoneNumber: "+1650", AppearanceNumber: 2, LineStatus: presence.LineSeized}},
			ActiveCalls: []presence.ActiveCall{{ID: "c", From: "+1", TerminationType: presence.TerminationFinal, OnBehalfOf: "77",
				SIPData: &presence.SIPData{CallID: "ci", RCSessionID: "rs"},
				CallInfo: &presence.CallInfo{Primary: &presence.InfoLine{Type: presence.InfoQueueName, Value: "Sales"},
					Additional: &presence.InfoLine{Type: presence.InfoCallerIDNumber, Value: "+1"}},
				AppearanceInfo: &presence.AppearanceInfo{PhoneNumber: "+1650", AppearanceNumber: 2}}}},
	}, {
		name: "line presence extension ids as numbers",
		in:   `{"extension":[{"id":677628004765},{"id":"3","uri":"u"}]}`,
		want: presence.Event{Extensions: []presence.ExtensionRef{{ID: "677628004765"}, {ID: "3"}}},
	}, {
		name: "call-queue members",
		in:   `{"records":[{"member":{"id":411753183004},"acceptCurrentQueueCalls":"true"},{"member":{"id":"9"}}]}`,
		want: presence.Event{QueueMembers: []presence.QueueMember{{Member: presence.Member{ID: "411753183004"}, AcceptCurrentQueueCalls: true}, {Member: presence.Member{ID: "9"}}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := presence.ParseEvent([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts); diff != "" {
				t.Errorf("ParseEvent mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEventErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"not JSON", `{"a":x}`, "a: want a value, got character 'x' (at byte 5)"},
		{"bad value inside a skipped one", `{"activeCalls":{"a":[1,}}`, "want a value, got character '}'"},
		{"too deep", strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000), "too deeply nested"},
		{"truncated", `{"activeCalls":[{"id":"a"}`, "activeCalls[0]: want , or ], got end of input (at byte 26)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := presence.ParseEvent([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseEvent = %+v, want an error", e)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// TestParseEventSkipsDrift checks that a field whose value has another
// shape than the model's is skipped and recorded, and the rest decodes.
func TestParseEventSkipsDrift(t *testing.T) {
	tests := []struct {
		name, in string
		skipped  []jsonx.Skipped
		want     presence.Event
	}{
		{"not an object", `"x"`, []jsonx.Skipped{{Path: "", Reason: "want an object, got string"}}, presence.Event{}},
		{"bad startTime", `{"activeCalls":[{"id":"a"},{"startTime":true,"id":"b"}],"sequence":3}`,
			[]jsonx.Skipped{{Path: "activeCalls[1].startTime", Reason: "want a timestamp, got boolean"}},
			presence.Event{ActiveCalls: []presence.ActiveCall{{ID: "a"}, {ID: "b"}}, Sequence: 3}},
		{"bad timestamp text", `{"activeCalls":[{"startTime":"noon"}]}`,
			[]jsonx.Skipped{{Path: "activeCalls[0].startTime", Reason: `want a timestamp such as 2006-01-02T15:04:05.000Z, got "noon"`}},
			presence.Event{ActiveCalls: []presence.ActiveCall{{}}}},
		{"bad extension", `{"extension":"1","extensionId":"7"}`, []jsonx.Skipped{{Path: "extension", Reason: "want an object, got string"}},
			presence.Event{ExtensionID: "7"}},
		{"bad extension id", `{"extension":[{"id":{}}]}`, []jsonx.Skipped{{Path: "extension[0].id", Reason: "want a string, got object"}},
			presence.Event{Extensions: []presence.ExtensionRef{{}}}},
		{"bad activeCalls", `{"activeCalls":{},"telephonyStatus":"Ringing"}`, []jsonx.Skipped{{Path: "activeCalls", Reason: "want an array, got object"}},
			presence.Event{TelephonyStatus: presence.Ringing}},
		{"bad bool", `{"allowSeeMyPresence":1}`, []jsonx.Skipped{{Path: "allowSeeMyPresence", Reason: "want a boolean, got number"}}, presence.Event{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := presence.ParseEvent([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts); diff != "" {
				t.Errorf("ParseEvent mismatch (-want +got):\n%s", diff)
			}
			r := jsonx.NewReader([]byte(tt.in))
			var e presence.Event
			wire.PresenceEvent(&r, &e)
			if err := r.End(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.skipped, r.Skipped()); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAppearancesObject checks that the spec's form of appearances, one
// AppearancesInfo object, decodes as well as the array payloads send.
func TestAppearancesObject(t *testing.T) {
	for _, in := range []string{
		`{"appearances":{"phoneNumber":"+16505550100","appearanceNumber":2,"lineStatus":"Seized"},"sequence":4}`,
		`{"appearances":[{"phoneNumber":"+16505550100","appearanceNumber":2,"lineStatus":"Seized"}],"sequence":4}`,
	} {
		r := jsonx.NewReader([]byte(in))
		var got presence.Event
		wire.PresenceEvent(&r, &got)
		if err := r.End(); err != nil || len(r.Skipped()) != 0 {
			t.Fatalf("%s: %v, skipped %v", in, err, r.Skipped())
		}
		want := presence.Event{Sequence: 4, Appearances: []presence.Appearance{{PhoneNumber: "+16505550100", AppearanceNumber: 2, LineStatus: presence.LineSeized}}}
		if diff := cmp.Diff(want, got, decOpts); diff != "" {
			t.Errorf("%s (-want +got):\n%s", in, diff)
		}
	}
}
