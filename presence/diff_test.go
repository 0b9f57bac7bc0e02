package presence

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
)

// fixtureEvent decodes the body of a notification fixture.
func fixtureEvent(t *testing.T, name string) *Event {
	t.Helper()
	var env struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(fixture.Read(t, name), &env); err != nil {
		t.Fatal(err)
	}
	e, err := ParseEvent(env.Body)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// summary is a comparable form of a Change without the full call entries.
type summary struct {
	Telephony    string
	Calls        []string
	Availability []AvailabilityChange
	CallRelated  bool
}

func summarize(c Change) summary {
	s := summary{Availability: c.Availability, CallRelated: c.CallRelated}
	if c.TelephonyStatusChanged {
		s.Telephony = string(c.From) + ">" + string(c.To)
	}
	for _, cc := range c.Calls {
		s.Calls = append(s.Calls, cc.Kind.String()+" "+cc.Key+" "+string(cc.From)+">"+string(cc.To))
	}
	return s
}

func TestDiffFixtures(t *testing.T) {
	detailed := fixtureEvent(t, "apidocs-event-detailed-extension-presence.json")
	simple := fixtureEvent(t, "apidocs-event-extension-presence.json")
	withSIP := fixtureEvent(t, "apidocs-event-detailed-extension-presence-with-sip.json")

	got := summarize(Diff(nil, detailed))
	want := summary{
		Telephony: ">CallConnected",
		Calls: []string{
			"Appeared Y3MxNjk4ODA5MTYxMzUyOTU5OUAxMC4zMi40NS44NA/cs171843418296416309-2 >CallConnected",
			"Ended Y3MxNjytruODA5MTYxMzUyOTU5OUAxMC4zMi40NS44NA/cs671843418296416309-2 >NoCall",
		},
		Availability: []AvailabilityChange{
			{"presenceStatus", "", "Busy"}, {"userStatus", "", "Available"},
			{"dndStatus", "", "TakeAllCalls"}, {"meetingStatus", "", "Disconnected"},
		},
		CallRelated: true,
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Diff(nil, detailed) (-want +got):\n%s", d)
	}

	// simple presence has no activeCalls: the calls are not gone
	if c := Diff(detailed, simple); !c.Empty() || c.CallRelated {
		t.Errorf("Diff(detailed, simple) = %+v, want nothing", summarize(c))
	}

	got = summarize(Diff(nil, withSIP))
	if d := cmp.Diff([]string{
		"Appeared s-9cdb248614c94aa7ba68135f6c07b808/p-9cdb248614c94aa7ba68135f6c07b808-1 >OnHold",
		"Appeared s-e1e9696d863742758a18654dcc22a2fd/p-e1e9696d863742758a18654dcc22a2fd-2 >Ringing",
	}, got.Calls); d != "" || got.Telephony != ">OnHold" {
		t.Errorf("Diff(nil, withSIP) (-want +got):\n%s", d)
	}
	// the full entry of the call is carried
	if c := Diff(nil, withSIP); c.Calls[0].Call.SIPData == nil || c.Calls[0].Call.SIPData.ToTag != "7lcee2ho88" {
		t.Errorf("call entry = %+v", c.Calls[0].Call)
	}
}

func call(tsid, party string, st TelephonyStatus) ActiveCall {
	return ActiveCall{ID: "c-" + tsid, TelephonySessionID: tsid, PartyID: party, TelephonyStatus: st}
}

func TestDiffSynthetic(t *testing.T) {
	base := &Event{
		ExtensionID: "1", TelephonyStatus: Ringing, PresenceStatus: StatusBusy, DNDStatus: TakeAllCalls,
		ActiveCalls: []ActiveCall{call("s1", "p1", Ringing), call("s2", "p2", OnHold)}, TotalActiveCalls: 2,
	}
	for _, tc := range []struct {
		name string
		next *Event
		want summary
	}{
		{"only DND", &Event{ExtensionID: "1", DNDStatus: DoNotAcceptAnyCalls}, summary{
			Availability: []AvailabilityChange{{"dndStatus", TakeAllCalls, DoNotAcceptAnyCalls}},
		}},
		{"only user and meeting status", &Event{ExtensionID: "1", UserStatus: StatusBusy, MeetingStatus: MeetingConnected}, summary{
			Availability: []AvailabilityChange{{"userStatus", "", StatusBusy}, {"meetingStatus", "", MeetingConnected}},
		}},
		{"answered", &Event{ExtensionID: "1", TelephonyStatus: CallConnected, TotalActiveCalls: 2,
			ActiveCalls: []ActiveCall{call("s1", "p1", CallConnected), call("s2", "p2", OnHold)}}, summary{
			Telephony: "Ringing>CallConnected", CallRelated: true,
			Calls: []string{"StatusChanged s1/p1 Ringing>CallConnected"},
		}},
		{"one ends, listed NoCall", &Event{ExtensionID: "1", TelephonyStatus: OnHold, TotalActiveCalls: 1,
			ActiveCalls: []ActiveCall{call("s1", "p1", NoCall), call("s2", "p2", OnHold)}}, summary{
			Telephony: "Ringing>OnHold", CallRelated: true, Calls: []string{"Ended s1/p1 Ringing>NoCall"},
		}},
		{"one missing from a full list", &Event{ExtensionID: "1", TotalActiveCalls: 1,
			ActiveCalls: []ActiveCall{call("s2", "p2", OnHold)}}, summary{
			CallRelated: true, Calls: []string{"Vanished s1/p1 Ringing>NoCall"},
		}},
		{"missing from a cut list", &Event{ExtensionID: "1", TotalActiveCalls: 9,
			ActiveCalls: []ActiveCall{call("s2", "p2", OnHold)}}, summary{}},
		{"simple presence NoCall", &Event{ExtensionID: "1", TelephonyStatus: NoCall}, summary{
			Telephony: "Ringing>NoCall", CallRelated: true,
			Calls: []string{"Vanished s1/p1 Ringing>NoCall", "Vanished s2/p2 OnHold>NoCall"},
		}},
		{"simple presence busy", &Event{ExtensionID: "1", TelephonyStatus: CallConnected}, summary{
			Telephony: "Ringing>CallConnected", CallRelated: true,
		}},
		{"new call keyed by id", &Event{ExtensionID: "1", TotalActiveCalls: 3, ActiveCalls: []ActiveCall{
			call("s1", "p1", Ringing), call("s2", "p2", OnHold), {ID: "legacy", TelephonyStatus: Ringing}}}, summary{
			CallRelated: true, Calls: []string{"Appeared id:legacy >Ringing"},
		}},
		{"nothing", &Event{ExtensionID: "1", Sequence: 9}, summary{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff(base, tc.next)
			if d := cmp.Diff(tc.want, summarize(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if got.ExtensionID != "1" || got.Sequence != tc.next.Sequence {
				t.Errorf("ExtensionID %q, Sequence %d", got.ExtensionID, got.Sequence)
			}
			if got.Empty() != (tc.want.Telephony == "" && tc.want.Calls == nil && tc.want.Availability == nil) {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
	if c := Diff(base, nil); !c.Empty() || c.ExtensionID != "1" {
		t.Errorf("Diff(base, nil) = %+v", c)
	}
}

func TestCallChangeKindString(t *testing.T) {
	if CallVanished.String() != "Vanished" || ActiveCallChangeKind(9).String() != "ActiveCallChangeKind(?)" {
		t.Error(CallVanished.String(), ActiveCallChangeKind(9).String())
	}
}
