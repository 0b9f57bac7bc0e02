package telephony

import "testing"

func TestPartyLocalRemote(t *testing.T) {
	caller := Endpoint{PhoneNumber: "+14155550123", Name: "Caller"}
	agent := Endpoint{PhoneNumber: "+16505550100", Name: "Agent", ExtensionID: "101"}
	for _, tc := range []struct {
		name          string
		p             Party
		local, remote Endpoint
	}{
		{"inbound", Party{Direction: Inbound, From: caller, To: agent}, agent, caller},
		{"outbound", Party{Direction: Outbound, From: agent, To: caller}, agent, caller},
	} {
		if got := tc.p.Local(); got != tc.local {
			t.Errorf("%s: Local() = %+v, want %+v", tc.name, got, tc.local)
		}
		if got := tc.p.Remote(); got != tc.remote {
			t.Errorf("%s: Remote() = %+v, want %+v", tc.name, got, tc.remote)
		}
	}
}

func TestLocalParty(t *testing.T) {
	s := &Session{Sequence: 1, TelephonySessionID: "s-1", Parties: []Party{
		{ID: "p-1", Direction: Outbound, Status: Status{Code: Answered}},
		{ID: "p-2", ExtensionID: "101", Direction: Inbound, Status: Status{Code: Disconnected}},
		{ID: "p-3", ExtensionID: "101", Direction: Inbound, Status: Status{Code: Answered}},
		{ID: "p-4", ExtensionID: "102", Direction: Inbound, Status: Status{Code: Disconnected}},
	}}
	for _, tc := range []struct{ ext, want string }{
		{"101", "p-3"}, // the party still in the call, not the one that left
		{"102", "p-4"}, // the one that left, when none is in the call
		{"103", ""},
		{"", ""}, // p-1 has no extension: not anyone's local party
	} {
		got := ""
		if p := s.LocalParty(tc.ext); p != nil {
			got = p.ID
		}
		if got != tc.want {
			t.Errorf("Session.LocalParty(%q) = %q, want %q", tc.ext, got, tc.want)
		}
	}
	tr := NewTracker()
	tr.Apply(s)
	c, ok := tr.Call("s-1")
	if !ok {
		t.Fatal("call not tracked")
	}
	if p := c.LocalParty("101"); p == nil || p.ID != "p-3" {
		t.Errorf("Call.LocalParty(101) = %+v, want p-3", p)
	}
	if p := c.LocalParty("103"); p != nil {
		t.Errorf("Call.LocalParty(103) = %+v, want nil", p)
	}
}
