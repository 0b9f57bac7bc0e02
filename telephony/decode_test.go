package telephony_test

import (
	"encoding/json"
	"errors"
	"github.com/ringwatch/ringwatch/internal/wire"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/jsonx"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/telephony"
)

func decTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var decOpts = cmpopts.EquateEmpty()

// decRESTSession reads a REST session fixture, which may wrap the session
// in {"session": …} (the call-out and conference responses).
func decRESTSession(t *testing.T, name string) []byte {
	t.Helper()
	data := fixture.Read(t, name)
	var wrapped struct {
		Session json.RawMessage `json:"session"`
	}
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Session != nil {
		return wrapped.Session
	}
	return data
}

func TestParseSessionREST(t *testing.T) {
	ownerParty := func(id, dir string, code telephony.StatusCode) telephony.Party {
		return telephony.Party{ID: id, Direction: dir, AccountID: "170848004", ExtensionID: "170848004", Status: telephony.Status{Code: code}}
	}
	tests := []struct {
		file string
		want telephony.Session
	}{{
		file: "rccallcontrol-rest-telephonySessionInbound.json",
		want: telephony.Session{
			CreationTime: decTime(t, "2019-09-10T02:50:14Z"), TelephonySessionID: "s-279e175539444bdc96d16c1e2fe4dbe9",
			Origin: telephony.Origin{Type: telephony.OriginCall},
			Parties: []telephony.Party{{
				ID: "p-279e175539444bdc96d16c1e2fe4dbe9-1", Direction: "Outbound",
				From:   telephony.Endpoint{PhoneNumber: "+16579991394"},
				To:     telephony.Endpoint{ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+16504257106"},
				Status: telephony.Status{Code: telephony.Answered},
			}, func() telephony.Party {
				p := ownerParty("p-279e175539444bdc96d16c1e2fe4dbe9-2", "Inbound", telephony.Proceeding)
				p.From = telephony.Endpoint{PhoneNumber: "+16579991394"}
				p.To = telephony.Endpoint{ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+16504257106"}
				return p
			}()},
		},
	}, {
		file: "rccallcontrol-rest-telephonySessionOutbound.json",
		want: telephony.Session{
			CreationTime: decTime(t, "2019-09-05T06:13:35Z"), TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
			Origin: telephony.Origin{Type: "Call"},
			Parties: []telephony.Party{func() telephony.Party {
				p := ownerParty("p-bb843f9bc3bd4366a83f9e953f2c9c58-1", "Outbound", telephony.Answered)
				p.From = telephony.Endpoint{DeviceID: "52294004", ExtensionID: "170848004", PhoneNumber: "+16504257106"}
				p.To = telephony.Endpoint{PhoneNumber: "+16579991394"}
				return p
			}(), {
				ID: "p-bb843f9bc3bd4366a83f9e953f2c9c58-2", Direction: "Inbound",
				From:   telephony.Endpoint{ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+16504257106"},
				To:     telephony.Endpoint{PhoneNumber: "+16579991394"},
				Status: telephony.Status{Code: telephony.Answered},
			}},
		},
	}, {
		file: "rccallcontrol-rest-telephonySessionCallOut.json",
		want: telephony.Session{
			CreationTime: decTime(t, "2019-09-05T08:05:00Z"), TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
			Origin: telephony.Origin{Type: "Call"},
			Parties: []telephony.Party{func() telephony.Party {
				p := ownerParty("p-bb843f9bc3bd4366a83f9e953f2c9c58-1", "Outbound", telephony.Setup)
				p.From = telephony.Endpoint{DeviceID: "4388743021", ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+15188315358"}
				p.To = telephony.Endpoint{PhoneNumber: "+16579991394"}
				return p
			}()},
		},
	}, {
		file: "rccallcontrol-rest-telephonyConference.json",
		want: telephony.Session{
			CreationTime: decTime(t, "2019-09-06T07:13:25Z"), TelephonySessionID: "s-e61274ee8dc34d329fafcb176e0c1111",
			Origin:         telephony.Origin{Type: telephony.OriginConference},
			VoiceCallToken: "conf_732d6536313237346565386463333464333239666166636231373665306331",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := telephony.ParseSession(decRESTSession(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts, ignoreOwner); diff != "" {
				t.Errorf("ParseSession mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// ignoreOwner leaves the REST form's owner and attributes objects to
// TestPartyRESTSpecFields.
var ignoreOwner = cmpopts.IgnoreFields(telephony.Party{}, "Owner", "Attributes")

// TestPartyRESTSpecFields checks the REST party's spec properties beyond
// the notification's: attributes {queueCall, emergencyCallback}, owner
// {accountId, extensionId, brandId} and metadata[] {values[] {id, value}}.
func TestPartyRESTSpecFields(t *testing.T) {
	got, err := telephony.ParseParty(fixture.Read(t, "rccallcontrol-rest-telephonySessionBridge.json"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&telephony.Owner{AccountID: "153906004", ExtensionID: "153906004", BrandID: "1210"}, got.Owner); diff != "" {
		t.Errorf("owner (-want +got):\n%s", diff)
	}
	if got.Attributes == nil || *got.Attributes != (telephony.Attributes{}) {
		t.Errorf("attributes = %+v, want empty", got.Attributes)
	}
	got, err = telephony.ParseParty([]byte(`{"owner":{"accountId":"1","extensionId":"2","brandId":"3"},` +
		`"attributes":{"queueCall":false,"emergencyCallback":true},"metadata":[{"values":[{"id":"k","value":"v"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := &telephony.Party{AccountID: "1", ExtensionID: "2", Owner: &telephony.Owner{AccountID: "1", ExtensionID: "2", BrandID: "3"},
		Attributes: &telephony.Attributes{EmergencyCallback: true},
		Metadata:   []telephony.Metadata{{Values: []telephony.MetadataValue{{ID: "k", Value: "v"}}}}}
	if diff := cmp.Diff(want, got, decOpts); diff != "" {
		t.Errorf("party (-want +got):\n%s", diff)
	}
}

func TestParsePartyREST(t *testing.T) {
	owner := func(p telephony.Party) telephony.Party {
		p.AccountID, p.ExtensionID = "170848004", "170848004"
		return p
	}
	tests := []struct {
		file string
		want telephony.Party
	}{{
		file: "rccallcontrol-rest-telephonySessionBridge.json",
		want: telephony.Party{
			ID: "p-a4a0d82257c9fz1803a3e5601z9856ea0000-1", AccountID: "153906004", ExtensionID: "153906004",
			Direction: "Outbound",
			From:      telephony.Endpoint{DeviceID: "30091004", ExtensionID: "153906004", Name: "Klay test1", PhoneNumber: "+18445585565"},
			To:        telephony.Endpoint{ExtensionID: "248452004", Name: "Something1 New1", PhoneNumber: "+18443223062"},
			Status: telephony.Status{Code: telephony.Gone, Reason: telephony.ReasonAttendedTransfer,
				PeerID: &telephony.PeerID{PartyID: "p-a4a0d812557c5z1803a3eee14z97f6290000-1", SessionID: "s-a4a0d812557c5z1803a3eee14z97f6290000"}},
		},
	}, {
		file: "rccallcontrol-rest-telephonySessionInboundParty.json",
		want: owner(telephony.Party{
			ID: "p-279e175539444bdc96d16c1e2fe4dbe9-2", Direction: "Inbound",
			From:   telephony.Endpoint{PhoneNumber: "+16579991394"},
			To:     telephony.Endpoint{ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+16504257106"},
			Status: telephony.Status{Code: telephony.Proceeding},
		}),
	}, {
		file: "rccallcontrol-rest-telephonySessionInboundPartyForward.json",
		want: owner(telephony.Party{
			ID: "p-279e175539444bdc96d16c1e2fe4dbe9-2", Direction: "Inbound",
			From:   telephony.Endpoint{PhoneNumber: "+16579991394"},
			To:     telephony.Endpoint{ExtensionID: "170848004", Name: "Embbnux Ji", PhoneNumber: "+16504257106"},
			Status: telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonBlindTransfer},
		}),
	}, {
		file: "rccallcontrol-rest-telephonySessionOutboundParty.json",
		want: owner(telephony.Party{
			ID: "p-bb843f9bc3bd4366a83f9e953f2c9c58-1", Direction: "Outbound", Muted: true,
			From:   telephony.Endpoint{DeviceID: "52932004", ExtensionID: "170848004", PhoneNumber: "+16504257106"},
			To:     telephony.Endpoint{PhoneNumber: "+16579991394"},
			Status: telephony.Status{Code: telephony.Answered},
		}),
	}, {
		file: "rccallcontrol-rest-telephonySessionOutboundPartyTransfer.json",
		want: owner(telephony.Party{
			ID: "p-fc4c93cdb34d4204ad95f349dd8f2174-1", Direction: "Outbound",
			From:   telephony.Endpoint{DeviceID: "52932004", ExtensionID: "170848004", PhoneNumber: "+16504257106"},
			To:     telephony.Endpoint{PhoneNumber: "+16579991394"},
			Status: telephony.Status{Code: telephony.Disconnected, Reason: telephony.ReasonBlindTransfer},
		}),
	}, {
		file: "rccallcontrol-rest-telephonyConferenceBringIn.json",
		want: telephony.Party{
			ID: "p-0e91aa797b624d7a9d42c012bdb7f9f1-2", Direction: "Inbound", ConferenceRole: telephony.RoleParticipant,
			From:   telephony.Endpoint{DeviceID: "52932004", ExtensionID: "170848004", PhoneNumber: "+16504257106"},
			To:     telephony.Endpoint{Name: "Conference", PhoneNumber: "conference"},
			Status: telephony.Status{Code: telephony.Setup},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := telephony.ParseParty(fixture.Read(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts, ignoreOwner); diff != "" {
				t.Errorf("ParseParty mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSessionPartialSequence(t *testing.T) {
	var blocks []struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture.Read(t, "apidocs-voice-call-time-metrics-partial-sequence.json"), &blocks); err != nil {
		t.Fatal(err)
	}
	type step struct {
		Seq  int64
		Time string
		Code telephony.StatusCode
	}
	var got []step
	for _, b := range blocks {
		s, err := telephony.ParseSession(b.Body)
		if err != nil {
			t.Fatal(err)
		}
		if s.TelephonySessionID != "s-11112222333344445555666677778888" || len(s.Parties) != 1 {
			t.Fatalf("session %q with %d parties", s.TelephonySessionID, len(s.Parties))
		}
		got = append(got, step{s.Sequence, s.EventTime.Format(time.RFC3339Nano), s.Parties[0].Status.Code})
	}
	want := []step{
		{5, "2020-07-17T13:33:50.589Z", telephony.Proceeding},
		{6, "2020-07-17T13:33:52.574Z", telephony.Answered},
		{7, "2020-07-17T13:33:58.51Z", telephony.Hold},
		{8, "2020-07-17T13:34:00.443Z", telephony.Answered},
		{9, "2020-07-17T13:34:02.098Z", telephony.Disconnected},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sequence mismatch (-want +got):\n%s", diff)
	}
}

func TestParseSessionTolerance(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want telephony.Session
	}{{
		name: "ids and sequence as numbers, large ids exact",
		in:   `{"sequence":"12","accountId":400144452008,"extensionId":123456789012345678901234567890,"parties":[{"accountId":1,"extensionId":2,"from":{"extensionId":3}}]}`,
		want: telephony.Session{Sequence: 12, AccountID: "400144452008", ExtensionID: "123456789012345678901234567890",
			Parties: []telephony.Party{{AccountID: "1", ExtensionID: "2", From: telephony.Endpoint{ExtensionID: "3"}}}},
	}, {
		name: "eventTime +0000 with fraction",
		in:   `{"eventTime":"2020-06-14T19:27:18.340+0000"}`,
		want: telephony.Session{EventTime: time.Date(2020, 6, 14, 19, 27, 18, 340e6, time.UTC)},
	}, {
		name: "eventTime Z without fraction",
		in:   `{"eventTime":"2020-06-14T19:27:18Z"}`,
		want: telephony.Session{EventTime: time.Date(2020, 6, 14, 19, 27, 18, 0, time.UTC)},
	}, {
		name: "Voicemail and VMScreening normalised",
		in:   `{"parties":[{"status":{"code":"Voicemail"}},{"status":{"code":"VMScreening"}},{"status":{"code":"VoiceMail"}}]}`,
		want: telephony.Session{Parties: []telephony.Party{
			{Status: telephony.Status{Code: telephony.VoiceMail}},
			{Status: telephony.Status{Code: telephony.VoiceMailScreening}},
			{Status: telephony.Status{Code: telephony.VoiceMail}},
		}},
	}, {
		name: "unknown code and reason kept as they came",
		in:   `{"parties":[{"status":{"code":"Teleporting","reason":"Undocumented"},"direction":"Sideways"}]}`,
		want: telephony.Session{Parties: []telephony.Party{{Direction: "Sideways",
			Status: telephony.Status{Code: "Teleporting", Reason: "Undocumented"}}}},
	}, {
		name: "srvlvl spelling of the spec",
		in:   `{"parties":[{"status":{"code":"Proceeding","mobilePickupData":{"srvlvl":"-1","ccMailboxes":[42]}}}]}`,
		want: telephony.Session{Parties: []telephony.Party{{Status: telephony.Status{Code: telephony.Proceeding,
			MobilePickupData: &telephony.MobilePickupData{SrvLvl: "-1", CCMailboxes: []string{"42"}}}}}},
	}, {
		name: "srvLvl wins over srvlvl",
		in:   `{"parties":[{"status":{"mobilePickupData":{"srvlvl":"-1","srvLvl":"-2"}}}]}`,
		want: telephony.Session{Parties: []telephony.Party{{Status: telephony.Status{
			MobilePickupData: &telephony.MobilePickupData{SrvLvl: "-2"}}}}},
	}, {
		name: "bools as strings",
		in:   `{"parties":[{"missedCall":"true","muted":"False","standAlone":"TRUE","status":{"rcc":"true"}}]}`,
		want: telephony.Session{Parties: []telephony.Party{{MissedCall: true, StandAlone: true, Status: telephony.Status{RCC: true}}}},
	}, {
		name: "missing and null optional objects",
		in:   `{"origin":null,"parties":[{"status":{"peerId":null,"mobilePickupData":null},"park":null,"sipData":null,"uiCallInfo":null,"from":null}]}`,
		want: telephony.Session{Parties: []telephony.Party{{}}},
	}, {
		name: "empty park is not parked, a park id is",
		in:   `{"parties":[{"park":{}},{"park":{"id":"801"},"status":{"code":"Parked","parkData":"*801"}}]}`,
		want: telephony.Session{Parties: []telephony.Party{{}, {Park: &telephony.Park{ID: "801"},
			Status: telephony.Status{Code: telephony.Parked, ParkData: "*801"}}}},
	}, {
		name: "duplicate keys: the last wins",
		in:   `{"sequence":1,"sequence":2,"parties":[{"id":"a"}],"parties":[{"id":"b"}]}`,
		want: telephony.Session{Sequence: 2, Parties: []telephony.Party{{ID: "b"}}},
	}, {
		name: "REST attributes.queueCall folded in, recordings, roles, uiCallInfo",
		in: `{"parties":[{"attributes":{"queueCall":true},"recordings":[{"id":"r1","active":"false"}],"conferenceRole":"Host",` +
			`"ringOutRole":"Initiator","ringMeRole":"Target","uiCallInfo":{"primary":{"type":"QueueName","value":"Sales"},"additional":{"type":"CallerIdName","value":"Ann"}},` +
			`"sipData":{"callId":"c","toTag":"t","fromTag":"f"}}]}`,
		want: telephony.Session{Parties: []telephony.Party{{QueueCall: true, Attributes: &telephony.Attributes{QueueCall: true}, Recordings: []telephony.Recording{{ID: "r1"}},
			ConferenceRole: telephony.RoleHost, RingOutRole: telephony.RoleInitiator, RingMeRole: telephony.RoleTarget,
			UICallInfo: &telephony.UICallInfo{Primary: &telephony.InfoLine{Type: "QueueName", Value: "Sales"},
				Additional: &telephony.InfoLine{Type: "CallerIdName", Value: "Ann"}},
			SIPData: &telephony.SIPData{CallID: "c", ToTag: "t", FromTag: "f"}}}},
	}, {
		name: "unknown fields ignored, escapes decoded",
		in:   `{"future":{"a":[1,{"b":null}]},"serverId":"a\u00e9\n","parties":[]}`,
		want: telephony.Session{ServerID: "aé\n"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := telephony.ParseSession([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts); diff != "" {
				t.Errorf("ParseSession mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseSessionErrors(t *testing.T) {
	tests := []struct {
		name, in string
		msg      []string
	}{
		{"unterminated", `{"sessionId":"abc`, []string{"sessionId: unterminated string"}},
		{"control char", "{\"sessionId\":\"a\x01\"}", []string{"sessionId: control character in string (at byte 15)"}},
		{"bad escape", `{"sessionId":"a\x"}`, []string{"sessionId: malformed escape in string (at byte 15)"}},
		{"bad number", `{"sequence":-}`, []string{"sequence: malformed number (at byte 13)"}},
		{"missing colon", `{"sequence" 1}`, []string{"want : after member name, got number (at byte 12)"}},
		{"trailing comma", `{"sequence":1,}`, []string{"want a member name, got character '}' (at byte 14)"}},
		{"trailing data", `{} {}`, []string{"unexpected object after the top-level value (at byte 3)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := telephony.ParseSession([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseSession = %+v, want an error", s)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if errors.Unwrap(err) == nil {
				t.Errorf("error %q wraps no cause", err)
			}
		})
	}
	if _, err := telephony.ParseParty([]byte(`{"status":{"code":[}}`)); err == nil || !strings.Contains(err.Error(), "status.code: want a value, got character '}'") {
		t.Errorf("ParseParty error = %v", err)
	}
}

// TestParseSessionSkipsDrift checks that a field whose value has another
// shape than the model's is skipped and recorded, and the rest decodes.
func TestParseSessionSkipsDrift(t *testing.T) {
	tests := []struct {
		name, in string
		skipped  []jsonx.Skipped
		want     telephony.Session
	}{
		{"not an object", `[]`, []jsonx.Skipped{{Path: "", Reason: "want an object, got array"}}, telephony.Session{}},
		{"bad eventTime", `{"eventTime":"2020-13-01T00:00:00Z","sequence":4}`,
			[]jsonx.Skipped{{Path: "eventTime", Reason: `want a timestamp such as 2006-01-02T15:04:05.000Z, got "2020-13-01T00:00:00Z"`}},
			telephony.Session{Sequence: 4}},
		{"bad party code", `{"parties":[{"status":{"code":{},"reason":"Pickup"},"id":"p"}]}`,
			[]jsonx.Skipped{{Path: "parties[0].status.code", Reason: "want a string, got object"}},
			telephony.Session{Parties: []telephony.Party{{ID: "p", Status: telephony.Status{Reason: telephony.ReasonPickup}}}}},
		{"bad sequence", `{"sequence":1.5,"sessionId":"s"}`, []jsonx.Skipped{{Path: "sequence", Reason: `want an integer, got "1.5"`}},
			telephony.Session{SessionID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := telephony.ParseSession([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, got, decOpts); diff != "" {
				t.Errorf("ParseSession mismatch (-want +got):\n%s", diff)
			}
			r := jsonx.NewReader([]byte(tt.in))
			var s telephony.Session
			wire.TelephonySession(&r, &s)
			if err := r.End(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.skipped, r.Skipped()); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSessionUnmarshalJSON(t *testing.T) {
	// The models decode tolerantly through encoding/json too.
	var v struct {
		Sessions []telephony.Session `json:"sessions"`
	}
	in := `{"sessions":[{"sequence":"3","parties":[{"id":"p","extensionId":42,"status":{"code":"VMScreening"}}]}]}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	want := []telephony.Session{{Sequence: 3, Parties: []telephony.Party{{ID: "p", ExtensionID: "42",
		Status: telephony.Status{Code: telephony.VoiceMailScreening}}}}}
	if diff := cmp.Diff(want, v.Sessions, decOpts); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}
