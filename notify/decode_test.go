package notify_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

func decTime(t *testing.T, s string) time.Time {
	t.Helper()
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-0700"} {
		if v, err := time.Parse(layout, s); err == nil {
			return v
		}
	}
	t.Fatalf("bad test timestamp %q", s)
	return time.Time{}
}

// decOpts compares events without Raw (checked separately) and times by
// instant.
var decOpts = cmp.Options{cmpopts.IgnoreFields(notify.Header{}, "Raw"), cmpopts.EquateEmpty()}

// decodeOK decodes and checks the invariants every successful decode has.
func decodeOK(t *testing.T, data []byte) notify.Event {
	t.Helper()
	ev, err := notify.Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if string(ev.EventHeader().Raw) != string(data) {
		t.Errorf("Header.Raw is not the notification")
	}
	return ev
}

func TestDecodeFixtures(t *testing.T) {
	tm := func(s string) time.Time { return decTime(t, s) }
	tests := []struct {
		file string
		want notify.Event
	}{{
		file: "apidocs-event-detailed-extension-presence-with-sip.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "4956997212540532738",
				Event:          "/restapi/v1.0/account/37439510/extension/297277020/presence?detailedTelephonyState=true&sipData=true",
				SubscriptionID: "dfbca25e-4e2b-4c60-aa8d-47a83716fe23",
				OwnerID:        "297277020",
				Timestamp:      tm("2019-07-09T16:17:38.286Z"),
			},
			Body: presence.Event{
				ExtensionID:     "297277020",
				TelephonyStatus: presence.OnHold,
				ActiveCalls: []presence.ActiveCall{{
					ID: "1nf2mhj51dp3asb3l0r5", Direction: "Outbound", QueueCall: true,
					FromName: "Charlie Williams", From: "+16508370072", ToName: "Alice Smith", To: "4591",
					TelephonyStatus: presence.OnHold,
					SIPData: &presence.SIPData{ToTag: "7lcee2ho88", FromTag: "10.14.20.199-5070-63fbd8da20314c",
						RemoteURI: "do-not-use-me-I-am-example", LocalURI: "do-not-use-me-I-am-example"},
					SessionID: "118139132021", StartTime: tm("2019-07-09T16:17:27.975Z"),
					PartyID: "p-9cdb248614c94aa7ba68135f6c07b808-1", TelephonySessionID: "s-9cdb248614c94aa7ba68135f6c07b808",
				}, {
					ID: "s-e1e9696d863742758a18654dcc22a2fd", Direction: "Inbound",
					FromName: "Charlie Williams", From: "66666", ToName: "Bob Brown", To: "66666",
					TelephonyStatus: presence.Ringing,
					SIPData: &presence.SIPData{ToTag: "blf", FromTag: "p-e1e9696d863742758a18654dcc22a2fd-2",
						RemoteURI: "do-not-use-me-I-am-example", LocalURI: "do-not-use-me-I-am-example"},
					SessionID: "118139217021", StartTime: tm("2019-07-09T16:17:37.705Z"),
					PartyID: "p-e1e9696d863742758a18654dcc22a2fd-2", TelephonySessionID: "s-e1e9696d863742758a18654dcc22a2fd",
				}},
				Sequence: 2013, PresenceStatus: "Busy", UserStatus: "Available", DNDStatus: "TakeAllCalls",
				MeetingStatus: "Disconnected", AllowSeeMyPresence: true, RingOnMonitoredCall: true,
				PickUpCallsOnHold: true, TotalActiveCalls: 2,
			},
		},
	}, {
		file: "apidocs-event-detailed-extension-presence.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "045b81dc-9f73-4864-84de-08aa6324a7f5",
				Event:          "/restapi/v1.0/account/~/extension/6610372004/presence?detailedTelephonyState=true",
				SubscriptionID: "9d38419f-645f-4ee3-a053-8cf1368c21c4",
				OwnerID:        "6610372004",
				Timestamp:      tm("2016-02-18T09:37:24.597Z"),
			},
			Body: presence.Event{
				ExtensionID: "6610372004", TelephonyStatus: presence.CallConnected,
				ActiveCalls: []presence.ActiveCall{{
					ID: "39247ebfdc324e3b96d7519672aec3e4", Direction: "Inbound", QueueCall: true,
					From: "+18775380038", FromName: "John Wang", To: "+18445810019",
					TelephonyStatus: presence.CallConnected, StartTime: tm("2016-02-18T09:37:24.322Z"),
					SessionID: "17133704004", PartyID: "cs171843418296416309-2",
					TelephonySessionID: "Y3MxNjk4ODA5MTYxMzUyOTU5OUAxMC4zMi40NS44NA",
				}, {
					ID: "39247ebfdc324e3b96d7519672aec3e5", Direction: "Outbound",
					From: "+18776480025", To: "+18445654321", StartTime: tm("2016-02-18T09:37:24.322Z"),
					TelephonyStatus: presence.NoCall, SessionID: "17133804005", PartyID: "cs671843418296416309-2",
					TelephonySessionID: "Y3MxNjytruODA5MTYxMzUyOTU5OUAxMC4zMi40NS44NA",
				}},
				Sequence: 2698, PresenceStatus: "Busy", UserStatus: "Available", MeetingStatus: "Disconnected",
				DNDStatus: "TakeAllCalls", AllowSeeMyPresence: true, TotalActiveCalls: 2,
			},
		},
	}, {
		file: "apidocs-event-extension-presence.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "045b81dc-9f73-4864-84de-08aa6324a7f5",
				Event:          "/restapi/v1.0/account/~/extension/6610372004/presence",
				SubscriptionID: "9d38419f-645f-4ee3-a053-8cf1368c21c4",
				OwnerID:        "6610372004",
				Timestamp:      tm("2016-02-18T09:37:24.597Z"),
			},
			Body: presence.Event{
				ExtensionID: "6610372004", TelephonyStatus: presence.CallConnected, Sequence: 2698,
				PresenceStatus: "Busy", UserStatus: "Available", MeetingStatus: "Disconnected",
				DNDStatus: "TakeAllCalls", AllowSeeMyPresence: true,
			},
		},
	}, {
		// The docs' account-presence sample carries an extension event
		// filter and the same body.
		file: "apidocs-event-account-presence.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "045b81dc-9f73-4864-84de-08aa6324a7f5",
				Event:          "/restapi/v1.0/account/~/extension/6610372004/presence",
				SubscriptionID: "9d38419f-645f-4ee3-a053-8cf1368c21c4",
				OwnerID:        "6610372004",
				Timestamp:      tm("2016-02-18T09:37:24.597Z"),
			},
			Body: presence.Event{
				ExtensionID: "6610372004", TelephonyStatus: presence.CallConnected, Sequence: 2698,
				PresenceStatus: "Busy", UserStatus: "Available", MeetingStatus: "Disconnected",
				DNDStatus: "TakeAllCalls", AllowSeeMyPresence: true,
			},
		},
	}, {
		file: "apidocs-event-extension-presence-line.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "a295fa1f-af6a-4518-b333-acf091bdd7ea",
				Event:          "/restapi/v1.0/account/~/extension/406149828004/presence/line",
				SubscriptionID: "9d38419f-645f-4ee3-a053-8cf1368c21c4",
				OwnerID:        "406149828004",
				Timestamp:      tm("2014-04-29T13:23:12.468+0000"),
			},
			Body: presence.Event{
				Extensions: []presence.ExtensionRef{{ID: "677628004765"}, {ID: "3"}},
				Sequence:   2698,
			},
		},
	}, {
		file: "apidocs-event-call-queue-member-presence.json",
		want: &notify.PresenceEvent{
			Header: notify.Header{
				UUID:           "ed1cf00c-0420-4bf5-a0ae-e659cc9f77e0",
				Event:          "/restapi/v1.0/account/{accountId}/call-queues/{groupId}/presence",
				SubscriptionID: "3rtt23ryy-56665-t7r7-a0ae-748895yhhf94ujrr",
				OwnerID:        "1500723004",
				Timestamp:      tm("2019-06-14T12:00:00.000Z"),
			},
			Body: presence.Event{
				QueueMembers: []presence.QueueMember{
					{Member: presence.Member{ID: "411753183004"}, AcceptCurrentQueueCalls: true},
					{Member: presence.Member{ID: "411753646416541"}, AcceptCurrentQueueCalls: false},
				},
			},
		},
	}, {
		file: "apidocs-event-account-telephony-sessions.json", // pn_apns-wrapped
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "837270960869181944",
				Event:          "/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions",
				SubscriptionID: "5c37f936-fa66-4b4b-95af-1e94b51a748d",
				OwnerID:        "400144455008",
				Timestamp:      tm("2018-06-05T00:14:50.181Z"),
			},
			Body: telephony.Session{
				Sequence: 5, SessionID: "402936341008", TelephonySessionID: "Y3MxNzE4NDE5MDM0MzQwMTgzODRAMTAuNjIuMjUuMTEx",
				ServerID: "10.62.25.111.TAM", EventTime: tm("2018-06-05T00:14:50.147Z"),
				AccountID: "400144452008", ExtensionID: "400144455008",
				Origin: telephony.Origin{Type: telephony.OriginCall},
				Parties: []telephony.Party{{
					SIPData:     &telephony.SIPData{CallID: "555555555555", ToTag: "123", FromTag: "456"},
					ExtensionID: "400144455008", ID: "cs171841903434018384-2", Direction: "Inbound",
					To:   telephony.Endpoint{PhoneNumber: "102", Name: "Tom Sawyer", ExtensionID: "400144455008"},
					From: telephony.Endpoint{PhoneNumber: "103", Name: "TheCat Jerry", ExtensionID: "400144457008"},
					Status: telephony.Status{Code: telephony.Proceeding, MobilePickupData: &telephony.MobilePickupData{
						CCMailboxes: []string{"400144455008"}, To: "#19008@example.com:5060", SID: "402936472080",
						SrvLvl: "-149699523", SrvLvlExt: "390",
					}},
				}},
			},
		},
	}, {
		file: "apidocs-event-extension-telephony-sessions.json", // pn_apns-wrapped, queueCall
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "837270960869181944",
				Event:          "/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions",
				SubscriptionID: "5c37f936-fa66-4b4b-95af-1e94b51a748d",
				OwnerID:        "400144455008",
				Timestamp:      tm("2018-06-05T00:14:50.181Z"),
			},
			Body: telephony.Session{
				Sequence: 5, SessionID: "402936341008", TelephonySessionID: "Y3MxNzE4NDE5MDM0MzQwMTgzODRAMTAuNjIuMjUuMTEx",
				ServerID: "10.62.25.111.TAM", EventTime: tm("2018-06-05T00:14:50.147Z"),
				AccountID: "400144452008", ExtensionID: "400144455008",
				Origin: telephony.Origin{Type: telephony.OriginCall},
				Parties: []telephony.Party{{
					SIPData:     &telephony.SIPData{CallID: "555555555555", ToTag: "123", FromTag: "456"},
					ExtensionID: "400144455008", ID: "cs171841903434018384-2", Direction: "Inbound",
					To:        telephony.Endpoint{PhoneNumber: "102", Name: "Tom Sawyer", ExtensionID: "400144455008"},
					From:      telephony.Endpoint{PhoneNumber: "103", Name: "TheCat Jerry", ExtensionID: "400144457008"},
					QueueCall: true,
					Status: telephony.Status{Code: telephony.Proceeding, MobilePickupData: &telephony.MobilePickupData{
						CCMailboxes: []string{"400144455008"}, To: "#19008@sip-mesdevams.lab.nordigy.ru:5060",
						SID: "402936472080", SrvLvl: "-149699523", SrvLvlExt: "390",
					}},
				}},
			},
		},
	}, {
		file: "apidocs-voice-telephony-session-event.json",
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "1823485288313944239",
				Event:          "/restapi/v1.0/account/809646016/extension/809646016/telephony/sessions",
				SubscriptionID: "53300e7c-5e69-42bf-ab4d-179aabc6e869",
				OwnerID:        "809646016",
				Timestamp:      tm("2020-06-14T19:27:18.390Z"),
			},
			Body: telephony.Session{
				Sequence: 3, SessionID: "425008160016", TelephonySessionID: "s-a6abd24ca6774373a8120a3390d3cbe8",
				ServerID: "10.13.22.28.TAM", EventTime: tm("2020-06-14T19:27:18.340Z"),
				Origin: telephony.Origin{Type: "Call"},
				Parties: []telephony.Party{{
					AccountID: "809646016", ExtensionID: "809646016", ID: "p-a6abd24ca6774373a8120a3390d3cbe8-2",
					Direction: "Inbound",
					To:        telephony.Endpoint{PhoneNumber: "+19043014558", Name: "TESTER Babji", ExtensionID: "809646016"},
					From:      telephony.Endpoint{PhoneNumber: "+14083388064"},
					Status:    telephony.Status{Code: telephony.Setup},
					// "park": {} carries no id: not parked.
				}},
			},
		},
	}, {
		file: "rccallcontrol-notif-telephonySessionInboundProceedingMessage.json",
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "8960776365327220391",
				Event:          "/restapi/v1.0/account/170848004/telephony/sessions",
				SubscriptionID: "4a2eee85-880d-4690-9959-85d9fc70728b",
				OwnerID:        "170848004",
				Timestamp:      tm("2019-09-05T07:18:54.571Z"),
			},
			Body: telephony.Session{
				Sequence: 3, SessionID: "21529129004", TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
				ServerID: "10.28.20.109.TAM", EventTime: tm("2019-09-05T07:18:54.417Z"),
				Origin: telephony.Origin{Type: "Call"},
				Parties: []telephony.Party{{
					AccountID: "170848004", ID: "p-bb843f9bc3bd4366a83f9e953f2c9c58-2", Direction: "Inbound",
					To:     telephony.Endpoint{PhoneNumber: "+16579991394"},
					From:   telephony.Endpoint{PhoneNumber: "+16504257106", Name: "Embbnux Ji", ExtensionID: "170848004"},
					Status: telephony.Status{Code: telephony.Proceeding},
				}},
			},
		},
	}, {
		file: "rccallcontrol-notif-telephonySessionOutboundSetupMessage.json",
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "2425066947943057062",
				Event:          "/restapi/v1.0/account/170848004/extension/170848004/telephony/sessions",
				SubscriptionID: "4a2eee85-880d-4690-9959-85d9fc70728b",
				OwnerID:        "170848004",
				Timestamp:      tm("2019-09-05T07:18:54.508Z"),
			},
			Body: telephony.Session{
				Sequence: 2, SessionID: "21529129004", TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
				ServerID: "10.28.20.109.TAM", EventTime: tm("2019-09-05T07:18:54.344Z"),
				Origin: telephony.Origin{Type: "Call"},
				Parties: []telephony.Party{{
					AccountID: "170848004", ExtensionID: "170848004", ID: "p-bb843f9bc3bd4366a83f9e953f2c9c58-1",
					Direction: "Outbound",
					To:        telephony.Endpoint{PhoneNumber: "+16579991394"},
					From:      telephony.Endpoint{PhoneNumber: "+16504257106", ExtensionID: "170848004", DeviceID: "52294004"},
					Status:    telephony.Status{Code: telephony.Setup},
				}},
			},
		},
	}, {
		file: "rccallcontrol-notif-telephonySessionOutboundDisconnectedMessage.json",
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "2650487604990941854",
				Event:          "/restapi/v1.0/account/170848004/extension/170848004/telephony/sessions",
				SubscriptionID: "4a2eee85-880d-4690-9959-85d9fc70728b",
				OwnerID:        "170848004",
				Timestamp:      tm("2019-09-05T07:46:05.947Z"),
			},
			Body: telephony.Session{
				Sequence: 8, SessionID: "21529129004", TelephonySessionID: "s-bb843f9bc3bd4366a83f9e953f2c9c58",
				ServerID: "10.28.20.109.TAM", EventTime: tm("2019-09-05T07:46:05.856Z"),
				Origin: telephony.Origin{Type: "Call"},
				Parties: []telephony.Party{{
					AccountID: "170848004", ExtensionID: "170848004", ID: "p-bb843f9bc3bd4366a83f9e953f2c9c58-1",
					Direction: "Outbound",
					To:        telephony.Endpoint{PhoneNumber: "+16579991394"},
					From:      telephony.Endpoint{PhoneNumber: "+16504257106", ExtensionID: "170848004", DeviceID: "52294004"},
					Status:    telephony.Status{Code: telephony.Disconnected},
				}},
			},
		},
	}, {
		file: "rcwidgets-notif-telephonySessions.json",
		want: &notify.TelephonyEvent{
			Header: notify.Header{
				UUID:           "837270960869181944",
				Event:          "/restapi/v1.0/account/400144452008/extension/400144455008/telephony/sessions",
				SubscriptionID: "5c37f936-fa66-4b4b-95af-1e94b51a748d",
				OwnerID:        "400144455008",
				Timestamp:      tm("2018-06-05T00:14:50.181Z"),
			},
			Body: telephony.Session{
				Sequence: 5, SessionID: "402936341008", TelephonySessionID: "Y3MxNjk2MTIzOTcyNzM2NDU2OEAxMC4yOC4yMC4xMDk",
				ServerID: "10.62.25.111.TAM", EventTime: tm("2018-06-05T00:14:50.147Z"),
				AccountID: "400144452008", ExtensionID: "400144455008",
				Origin: telephony.Origin{Type: "Call"},
				Parties: []telephony.Party{{
					ExtensionID: "400144455008", ID: "cs171841903434018384-2", Direction: "Inbound",
					To:   telephony.Endpoint{PhoneNumber: "+16501234567", Name: "Tom Sawyer", ExtensionID: "400144455008"},
					From: telephony.Endpoint{PhoneNumber: "+17322764403", Name: "TheCat Jerry", ExtensionID: "400144457008"},
					Status: telephony.Status{Code: telephony.Proceeding, MobilePickupData: &telephony.MobilePickupData{
						CCMailboxes: []string{"400144455008"}, To: "#19008@platform.devtest.ringcentral.com:5060",
						SID: "402936472080", SrvLvl: "-149699523", SrvLvlExt: "390",
					}},
				}},
			},
		},
	}, {
		file: "grokify-goclient-event-subscription-renewal.json",
		want: &notify.RenewalReminder{
			Header: notify.Header{
				UUID:           "1234567890123456789",
				Event:          "/restapi/v1.0/subscription/~?threshold=80&interval=30",
				SubscriptionID: "11112222-3333-4444-5555-666677778888",
				OwnerID:        "11111111",
				Timestamp:      tm("2018-04-18T09:27:11.513Z"),
			},
			ExpiresIn: 75,
		},
	}}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			ev := decodeOK(t, fixture.Read(t, tt.file))
			if diff := cmp.Diff(tt.want, ev, decOpts); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Every notification fixture is covered above; a new one must be added.
	for _, name := range fixture.Names(t) {
		var env struct {
			Event  string          `json:"event"`
			PNAPNS json.RawMessage `json:"pn_apns"`
		}
		if json.Unmarshal(fixture.Read(t, name), &env) == nil && (env.Event != "" || env.PNAPNS != nil) && !seen[name] {
			t.Errorf("notification fixture %s has no expectation", name)
		}
	}
}

// TestDecodeWebSocketNotifications decodes the notification inside each
// WebSocket ServerNotification frame fixture.
func TestDecodeWebSocketNotifications(t *testing.T) {
	tests := []struct {
		file      string
		event     string
		uuid      string
		timestamp string
		body      string
	}{{
		file:      "apidocs-ws-websocket-notification.json",
		event:     "/restapi/v1.0/account/233676004/extension/233676004/message-store",
		uuid:      "2661273919712564939",
		timestamp: "2023-04-18T20:25:24.611Z",
		body:      `"accountId": 233676004`,
	}, {
		file:      "rcphp-ws-server-notification.json",
		event:     "/restapi/v1.0/account/100132871000/extension/100132871000/message-store/instant?type=SMS",
		uuid:      "6419467329489567279",
		timestamp: "2020-09-07T22:00:54.071Z",
		body:      `"id":"872888015"`,
	}}
	frames := 0
	for _, name := range fixture.Names(t) {
		if _, ok := wsNotification(fixture.Read(t, name)); ok {
			frames++
		}
	}
	if frames != len(tests) {
		t.Errorf("%d ServerNotification frames among the fixtures, %d tested", frames, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			inner, ok := wsNotification(fixture.Read(t, tt.file))
			if !ok {
				t.Fatal("not a ServerNotification frame")
			}
			ev := decodeOK(t, inner)
			u, ok := ev.(*notify.Unknown)
			if !ok {
				t.Fatalf("Decode = %T, want *notify.Unknown (message-store is not modelled)", ev)
			}
			want := notify.Header{Event: tt.event, UUID: tt.uuid, Timestamp: decTime(t, tt.timestamp)}
			got := u.Header
			got.SubscriptionID, got.OwnerID = "", ""
			if diff := cmp.Diff(want, got, decOpts); diff != "" {
				t.Errorf("header mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(u.Body), tt.body) || !json.Valid(u.Body) {
				t.Errorf("Body = %s, want the raw body containing %s", u.Body, tt.body)
			}
		})
	}
}

// TestDecodeNonNotifications checks that every fixture that is not a
// notification (WebSocket frames, requests, REST responses, the crypto
// vector) gives a clear *DecodeError, not a panic or a bogus event.
func TestDecodeNonNotifications(t *testing.T) {
	for _, name := range fixture.Names(t) {
		data := fixture.Read(t, name)
		var env struct {
			Event  string          `json:"event"`
			PNAPNS json.RawMessage `json:"pn_apns"`
		}
		if json.Unmarshal(data, &env) == nil && (env.Event != "" || env.PNAPNS != nil) {
			continue // a notification
		}
		t.Run(name, func(t *testing.T) {
			ev, err := notify.Decode(data)
			if err == nil {
				t.Fatalf("Decode = %T, want an error", ev)
			}
			var de *notify.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *notify.DecodeError: %v", err, err)
			}
			msg := err.Error()
			switch data[0] {
			case '[': // a WebSocket frame or a list
				if !strings.Contains(msg, "want an object, got array") || !strings.Contains(msg, "at byte 0") {
					t.Errorf("error %q does not say an array is not a notification at byte 0", msg)
				}
			default:
				if !errors.Is(err, notify.ErrNoEvent) || !strings.Contains(msg, "no event filter") {
					t.Errorf("error %q is not ErrNoEvent", msg)
				}
			}
			if de.Part != "envelope" {
				t.Errorf("Part = %q, want envelope", de.Part)
			}
		})
	}
}

// TestDecodeEncryptedPresencePlaintext decodes the plaintext of the PubNub
// encryption vector: extensionId is a JSON number, the timestamp "+0000".
func TestDecodeEncryptedPresencePlaintext(t *testing.T) {
	var vec struct {
		PlaintextRaw string `json:"plaintextRaw"`
	}
	if err := json.Unmarshal(fixture.Read(t, "rcjs-subscriptions-deprecated-encrypted-presence-1.json"), &vec); err != nil {
		t.Fatal(err)
	}
	ev := decodeOK(t, []byte(vec.PlaintextRaw))
	want := &notify.PresenceEvent{
		Header: notify.Header{
			UUID:      "db01e7de-5f3c-4ee5-ab72-f8bd3b77e308",
			Event:     "/restapi/v1.0/account/~/extension/402853446008/presence",
			Timestamp: time.Date(2014, 3, 12, 20, 47, 54, 712e6, time.UTC),
		},
		Body: presence.Event{ExtensionID: "402853446008", TelephonyStatus: presence.OnHold},
	}
	if diff := cmp.Diff(want, ev, decOpts); diff != "" {
		t.Errorf("Decode mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeTolerance(t *testing.T) {
	const pres = `/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true`
	const tel = `/restapi/v1.0/account/~/telephony/sessions`
	tests := []struct {
		name string
		in   string
		want notify.Event
	}{{
		name: "ids as numbers, large id kept exactly",
		in:   `{"event":"` + pres + `","ownerId":9007199254740993123,"body":{"extensionId":9007199254740993123}}`,
		want: &notify.PresenceEvent{Header: notify.Header{Event: pres, OwnerID: "9007199254740993123"},
			Body: presence.Event{ExtensionID: "9007199254740993123"}},
	}, {
		name: "timestamp +0000 without fraction",
		in:   `{"event":"` + pres + `","timestamp":"2014-03-12T20:47:54+0000","body":{}}`,
		want: &notify.PresenceEvent{Header: notify.Header{Event: pres, Timestamp: time.Date(2014, 3, 12, 20, 47, 54, 0, time.UTC)}},
	}, {
		name: "timestamp Z without fraction",
		in:   `{"event":"` + pres + `","timestamp":"2014-03-12T20:47:54Z","body":{}}`,
		want: &notify.PresenceEvent{Header: notify.Header{Event: pres, Timestamp: time.Date(2014, 3, 12, 20, 47, 54, 0, time.UTC)}},
	}, {
		name: "timestamp with a non-zero offset",
		in:   `{"event":"` + pres + `","timestamp":"2014-03-12T22:47:54.5+0200","body":{}}`,
		want: &notify.PresenceEvent{Header: notify.Header{Event: pres, Timestamp: time.Date(2014, 3, 12, 20, 47, 54, 5e8, time.UTC)}},
	}, {
		name: "pn_apns unwrapped, outer ids as fallback",
		in:   `{"uuid":"u1","subscriptionId":"s1","pn_apns":{"aps":{"content-available":1},"event":"` + tel + `","body":{"sequence":"7"}}}`,
		want: &notify.TelephonyEvent{Header: notify.Header{Event: tel, UUID: "u1", SubscriptionID: "s1"},
			Body: telephony.Session{Sequence: 7}},
	}, {
		name: "duplicate keys: the last wins",
		in:   `{"event":"/x","event":"` + pres + `","body":{"telephonyStatus":"Ringing","telephonyStatus":"OnHold"}}`,
		want: &notify.PresenceEvent{Header: notify.Header{Event: pres}, Body: presence.Event{TelephonyStatus: presence.OnHold}},
	}, {
		name: "renewal reminder with expiresIn as a string",
		in:   `{"event":"/restapi/v1.0/subscription/~?threshold=120&interval=60","body":{"expiresIn":"75"}}`,
		want: &notify.RenewalReminder{Header: notify.Header{Event: "/restapi/v1.0/subscription/~?threshold=120&interval=60"}, ExpiresIn: 75},
	}, {
		name: "unknown filter is Unknown, not an error",
		in:   `{"event":"/restapi/v1.0/account/~/extension/~/voicemail","body":{"x":[1,2]}}`,
		want: &notify.Unknown{Header: notify.Header{Event: "/restapi/v1.0/account/~/extension/~/voicemail"}, Body: json.RawMessage(`{"x":[1,2]}`)},
	}, {
		name: "unknown filter without body",
		in:   `{"event":"/restapi/v1.0/glip/posts"}`,
		want: &notify.Unknown{Header: notify.Header{Event: "/restapi/v1.0/glip/posts"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := decodeOK(t, []byte(tt.in))
			if diff := cmp.Diff(tt.want, ev, decOpts); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const pres = `/restapi/v1.0/account/~/extension/~/presence`
	const tel = `/restapi/v1.0/account/~/telephony/sessions`
	tests := []struct {
		name   string
		in     string
		part   string
		path   string
		offset int
		at     string   // if set, the offset is where this text starts in the input
		msg    []string // substrings of the message
		cause  error
	}{{
		name: "empty input", in: ``, part: "envelope", offset: 0,
		msg: []string{"want an object, got end of input", "at byte 0"},
	}, {
		name: "not JSON", in: `hello`, part: "envelope", offset: 0,
		msg: []string{"want an object, got character 'h'"},
	}, {
		name: "truncated", in: `{"event":"` + pres + `","body":{"extensionId":"1"`, part: "envelope", path: "body.extensionId", offset: 81,
		msg: []string{"body.extensionId: want , or }, got end of input", "at byte 81"},
	}, {
		name: "trailing garbage", in: `{"event":"/x"} x`, part: "envelope", offset: 15,
		msg: []string{"after the top-level value", "at byte 15"},
	}, {
		name: "no event", in: `{"body":{}}`, part: "envelope", offset: -1,
		msg: []string{"no event filter"}, cause: notify.ErrNoEvent,
	}, {
		name: "presence without body", in: `{"event":"` + pres + `"}`, part: "presence body", path: "body", offset: -1,
		msg: []string{"presence body", "no body"},
	}, {
		// The envelope reads the body as a raw value, which checks its
		// syntax: a malformed body is an envelope error.
		name: "malformed body", part: "envelope", path: "body.activeCalls[1].startTime", at: `x}]}}`,
		in:  `{"event":"` + pres + `","body":{"activeCalls":[{"id":"a"},{"id":"b","startTime":12x}]}}`,
		msg: []string{`notify: decode envelope: body.activeCalls[1].startTime: want , or }, got character 'x'`},
	}, {
		name: "malformed telephony body", part: "envelope", path: "body.parties[0].status", offset: 96,
		in:  `{"event":"` + tel + `","body":{"parties":[{"status":"Answered}]}}`,
		msg: []string{"body.parties[0].status: unterminated string (at byte 96)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := notify.Decode([]byte(tt.in))
			if err == nil {
				t.Fatalf("Decode = %T, want an error", ev)
			}
			var de *notify.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *notify.DecodeError: %v", err, err)
			}
			got := struct {
				Part, Path string
				Offset     int
			}{de.Part, de.Path, de.Offset}
			want := struct {
				Part, Path string
				Offset     int
			}{tt.part, tt.path, tt.offset}
			if tt.at != "" {
				want.Offset = strings.Index(tt.in, tt.at)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DecodeError mismatch (-want +got):\n%s\n(%v)", diff, err)
			}
			for _, m := range tt.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not contain %q", err, m)
				}
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.cause)
			}
		})
	}
}

// TestDecodeSkipsDrift checks that a field whose value has an unexpected
// shape is skipped, the rest of the notification decodes into its event,
// and Header.Skipped says which field and why.
func TestDecodeSkipsDrift(t *testing.T) {
	const pres = "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"
	const tel = "/restapi/v1.0/account/~/telephony/sessions"
	tests := []struct {
		name, in string
		skipped  []notify.SkippedField
		check    func(notify.Event) bool
	}{{
		name:    "bad start time",
		in:      `{"event":"` + pres + `","body":{"activeCalls":[{"id":"a"},{"id":"b","startTime":12}],"sequence":9}}`,
		skipped: []notify.SkippedField{{Path: "body.activeCalls[1].startTime", Reason: "want a timestamp, got number"}},
		check: func(ev notify.Event) bool {
			b := ev.(*notify.PresenceEvent).Body
			return b.Sequence == 9 && len(b.ActiveCalls) == 2 && b.ActiveCalls[1].ID == "b"
		},
	}, {
		name:    "bad timestamp text",
		in:      `{"timestamp":"yesterday","event":"/x","uuid":"u"}`,
		skipped: []notify.SkippedField{{Path: "timestamp", Reason: `want a timestamp such as 2006-01-02T15:04:05.000Z, got "yesterday"`}},
		check:   func(ev notify.Event) bool { return ev.EventHeader().UUID == "u" },
	}, {
		name:    "bad sequence",
		in:      `{"event":"` + tel + `","body":{"sequence":"five","telephonySessionId":"s"}}`,
		skipped: []notify.SkippedField{{Path: "body.sequence", Reason: `want an integer, got "five"`}},
		check:   func(ev notify.Event) bool { return ev.(*notify.TelephonyEvent).Body.TelephonySessionID == "s" },
	}, {
		name:    "bad party status",
		in:      `{"event":"` + tel + `","body":{"parties":[{"status":"Answered","id":"p"}]}}`,
		skipped: []notify.SkippedField{{Path: "body.parties[0].status", Reason: "want an object, got string"}},
		check:   func(ev notify.Event) bool { return ev.(*notify.TelephonyEvent).Body.Parties[0].ID == "p" },
	}, {
		name:    "bad bool",
		in:      `{"event":"` + pres + `","body":{"allowSeeMyPresence":"yes","telephonyStatus":"Ringing"}}`,
		skipped: []notify.SkippedField{{Path: "body.allowSeeMyPresence", Reason: `want a boolean, got string "yes"`}},
		check:   func(ev notify.Event) bool { return ev.(*notify.PresenceEvent).Body.TelephonyStatus == presence.Ringing },
	}, {
		name:    "reminder body",
		in:      `{"event":"/restapi/v1.0/subscription/~?threshold=120&interval=60","body":{"expiresIn":[]}}`,
		skipped: []notify.SkippedField{{Path: "body.expiresIn", Reason: "want an integer, got array"}},
		check:   func(ev notify.Event) bool { _, ok := ev.(*notify.RenewalReminder); return ok },
	}, {
		name: "spec-shaped appearances, drifted body field",
		in: `{"event":"` + pres + `","body":{"appearances":{"phoneNumber":"+1","appearanceNumber":1,"lineStatus":"Seized"},` +
			`"ownerId":{"id":1},"extensionId":"7"}}`,
		skipped: []notify.SkippedField{{Path: "body.ownerId", Reason: "want a string, got object"}},
		check: func(ev notify.Event) bool {
			b := ev.(*notify.PresenceEvent).Body
			return b.ExtensionID == "7" && len(b.Appearances) == 1 && b.Appearances[0].LineStatus == presence.LineSeized
		},
	}, {
		name:    "body of the wrong shape",
		in:      `{"event":"` + tel + `","body":"gone"}`,
		skipped: []notify.SkippedField{{Path: "body", Reason: "want an object, got string"}},
		check:   func(ev notify.Event) bool { _, ok := ev.(*notify.TelephonyEvent); return ok },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := notify.Decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.skipped, ev.EventHeader().Skipped); diff != "" {
				t.Errorf("Skipped (-want +got):\n%s", diff)
			}
			if !tt.check(ev) {
				t.Errorf("event %+v lacks the fields around the skipped one", ev)
			}
		})
	}
}
