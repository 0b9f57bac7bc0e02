package notifytest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/telephony"
)

func testSession(t0 time.Time) telephony.Session {
	return telephony.Session{
		Sequence: 5, SessionID: "1001", TelephonySessionID: "s-a1", ServerID: "10.0.0.1.TAM",
		EventTime: t0, CreationTime: t0, Origin: telephony.Origin{Type: "Call"},
		Parties: []telephony.Party{
			{
				ID: "p-a1-1", Direction: "Outbound",
				From:   telephony.Endpoint{PhoneNumber: "+14155550100", Name: "Caller"},
				To:     telephony.Endpoint{PhoneNumber: "+16505550101", ExtensionID: "230000101"},
				Status: telephony.Status{Code: telephony.Answered},
			},
			{
				ID: "p-a1-2", ExtensionID: "230000101", Direction: "Inbound",
				From:      telephony.Endpoint{PhoneNumber: "+14155550100", Name: "Caller"},
				To:        telephony.Endpoint{PhoneNumber: "+16505550101", ExtensionID: "230000101", Name: "Alice Smith"},
				Status:    telephony.Status{Code: telephony.Hold, Reason: "x"},
				QueueCall: true,
				SIPData:   &telephony.SIPData{CallID: "c1", ToTag: "t", FromTag: "f"},
			},
		},
	}
}

func TestTelephonySessionEndpoints(t *testing.T) {
	p, clk := start(t)
	tok := token(t, p, "230000101")
	sess := testSession(clk.Now())
	if err := p.SetSession(sess); err != nil {
		t.Fatal(err)
	}
	sess.Parties[0].Status.Code = telephony.Disconnected // the platform kept a copy

	r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/telephony/sessions/s-a1", nil)
	if r.status != 200 || r.header.Get("X-Rate-Limit-Group") != "Light" {
		t.Fatalf("GET session: %d %s, group %q", r.status, r.body, r.header.Get("X-Rate-Limit-Group"))
	}
	got, err := telephony.ParseSession(r.body)
	if err != nil {
		t.Fatal(err)
	}
	// The REST form has no sequence, legacy session id, server or event
	// time; the party's account comes from its owner object.
	want := testSession(clk.Now())
	want.Sequence, want.SessionID, want.ServerID, want.EventTime = 0, "", "", time.Time{}
	want.Parties[1].AccountID = "230000001"
	// The REST form's owner and attributes objects are modelled too
	// (telephony.TestPartyRESTSpecFields); this test is about the rest.
	restOnly := cmpopts.IgnoreFields(telephony.Party{}, "Owner", "Attributes")
	if d := cmp.Diff(&want, got, restOnly); d != "" {
		t.Errorf("session (-want +got):\n%s", d)
	}
	var raw struct {
		ID      string `json:"id"`
		Parties []struct {
			Owner       *struct{ AccountID, ExtensionID string } `json:"owner"`
			ExtensionID string                                   `json:"extensionId"`
			Attributes  *struct{ QueueCall bool }                `json:"attributes"`
		} `json:"parties"`
	}
	r.decode(t, &raw)
	if raw.ID != "s-a1" || raw.Parties[0].Owner != nil || raw.Parties[1].Owner == nil ||
		raw.Parties[1].Owner.AccountID != "230000001" || raw.Parties[1].Owner.ExtensionID != "230000101" ||
		raw.Parties[1].ExtensionID != "230000101" || raw.Parties[1].Attributes == nil || !raw.Parties[1].Attributes.QueueCall {
		t.Errorf("REST form: %s", r.body)
	}

	r = do(t, p, tok, "GET", "/restapi/v1.0/account/230000001/telephony/sessions/s-a1/parties/p-a1-2", nil)
	party, err := telephony.ParseParty(r.body)
	if err != nil || r.status != 200 {
		t.Fatalf("GET party: %d %s %v", r.status, r.body, err)
	}
	if d := cmp.Diff(&want.Parties[1], party, restOnly); d != "" {
		t.Errorf("party (-want +got):\n%s", d)
	}

	for _, path := range []string{
		"/restapi/v1.0/account/~/telephony/sessions/s-nope",
		"/restapi/v1.0/account/~/telephony/sessions/s-a1/parties/p-nope",
		"/restapi/v1.0/account/999/telephony/sessions/s-a1",
	} {
		if st, code := do(t, p, tok, "GET", path, nil).code(t); st != 404 || code != "CMN-102" {
			t.Errorf("GET %s: %d %s, want 404 CMN-102", path, st, code)
		}
	}

	if !p.EndSession("s-a1") || p.EndSession("s-a1") {
		t.Errorf("EndSession reports wrongly")
	}
	if st, _ := do(t, p, tok, "GET", "/restapi/v1.0/account/~/telephony/sessions/s-a1", nil).code(t); st != 404 {
		t.Errorf("ended session: %d, want 404", st)
	}
	if err := p.SetSession(telephony.Session{}); err == nil {
		t.Errorf("SetSession without id accepted")
	}
}

func ringing(t0 time.Time) presence.Event {
	return presence.Event{
		TelephonyStatus: presence.Ringing, PresenceStatus: presence.StatusBusy, UserStatus: presence.StatusAvailable,
		DNDStatus: presence.TakeAllCalls, MeetingStatus: presence.MeetingDisconnected, AllowSeeMyPresence: true,
		Sequence: 7, TotalActiveCalls: 1,
		ActiveCalls: []presence.ActiveCall{{
			ID: "c-1", Direction: "Inbound", From: "+14155550100", To: "102", ToName: "Bob Brown",
			TelephonyStatus: presence.Ringing, TelephonySessionID: "s-b1", PartyID: "p-b1-2", SessionID: "2002",
			StartTime: t0, SIPData: &presence.SIPData{ToTag: "tt", FromTag: "ft", RemoteURI: "r", LocalURI: "l"},
		}},
	}
}

func TestExtensionPresenceEndpoint(t *testing.T) {
	p, clk := start(t)
	tok := token(t, p, "230000101")
	if err := p.SetPresence("230000102", ringing(clk.Now())); err != nil {
		t.Fatal(err)
	}
	if err := p.SetPresence("999", presence.Event{}); err == nil {
		t.Errorf("SetPresence of an unknown extension accepted")
	}
	base := p.URL() + "/restapi/v1.0/account/230000001/extension/230000102"
	full := ringing(clk.Now())
	full.ExtensionID, full.Sequence, full.TotalActiveCalls = "230000102", 0, 0
	noSIP := full
	noSIP.ActiveCalls = []presence.ActiveCall{full.ActiveCalls[0]}
	noSIP.ActiveCalls[0].SIPData = nil
	simple := full
	simple.ActiveCalls = nil
	idle := presence.Event{ExtensionID: "230000101", TelephonyStatus: presence.NoCall, PresenceStatus: "Available",
		UserStatus: "Available", DNDStatus: "TakeAllCalls", MeetingStatus: "Disconnected", AllowSeeMyPresence: true}

	tests := []struct {
		name, path string
		want       presence.Info
	}{
		{"simple", "/restapi/v1.0/account/~/extension/230000102/presence",
			presence.Info{Event: simple, URI: base + "/presence", ExtensionURI: base, ExtensionNumber: "102"}},
		{"detailed", "/restapi/v1.0/account/~/extension/230000102/presence?detailedTelephonyState=true",
			presence.Info{Event: noSIP, URI: base + "/presence", ExtensionURI: base, ExtensionNumber: "102"}},
		{"detailed with SIP", "/restapi/v1.0/account/230000001/extension/230000102/presence?detailedTelephonyState=true&sipData=true",
			presence.Info{Event: full, URI: base + "/presence", ExtensionURI: base, ExtensionNumber: "102"}},
		{"me, idle", "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true&sipData=true",
			presence.Info{Event: idle, URI: p.URL() + "/restapi/v1.0/account/230000001/extension/230000101/presence", ExtensionURI: p.URL() + "/restapi/v1.0/account/230000001/extension/230000101", ExtensionNumber: "101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, p, tok, "GET", tt.path, nil)
			if r.status != 200 || r.header.Get("X-Rate-Limit-Group") != "Light" {
				t.Fatalf("%d %s group %q", r.status, r.body, r.header.Get("X-Rate-Limit-Group"))
			}
			var got presence.Info
			r.decode(t, &got)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if !strings.Contains(string(r.body), `"id":`+got.ExtensionID) {
				t.Errorf("extension id is not a JSON number: %s", r.body)
			}
		})
	}
	if st, code := do(t, p, tok, "GET", "/restapi/v1.0/account/~/extension/424242/presence", nil).code(t); st != 404 || code != "CMN-102" {
		t.Errorf("unknown extension: %d %s", st, code)
	}
}

func TestAccountPresencePaging(t *testing.T) {
	p, clk := start(t)
	tok := token(t, p, "230000101")
	if err := p.SetPresence("230000102", ringing(clk.Now())); err != nil {
		t.Fatal(err)
	}
	type page struct {
		URI     string          `json:"uri"`
		Records []presence.Info `json:"records"`
		Nav     map[string]struct {
			URI string `json:"uri"`
		} `json:"navigation"`
		Paging struct {
			Page, TotalPages, PerPage, TotalElements int
			PageStart, PageEnd                       *int
		} `json:"paging"`
	}
	get := func(query string) page {
		t.Helper()
		r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence?"+query, nil)
		if r.status != 200 || r.header.Get("X-Rate-Limit-Group") != "Heavy" {
			t.Fatalf("%s: %d %s group %q", query, r.status, r.body, r.header.Get("X-Rate-Limit-Group"))
		}
		var pg page
		r.decode(t, &pg)
		return pg
	}
	ids := func(pg page) []string {
		var out []string
		for _, r := range pg.Records {
			out = append(out, r.ExtensionID)
		}
		return out
	}
	navs := func(pg page) []string {
		var out []string
		for _, k := range []string{"firstPage", "previousPage", "nextPage", "lastPage"} {
			if n, ok := pg.Nav[k]; ok {
				out = append(out, k+" "+strings.TrimPrefix(n.URI, p.URL()))
			}
		}
		return out
	}
	const q = "detailedTelephonyState=true&sipData=true"
	pre := "/restapi/v1.0/account/230000001/presence?detailedTelephonyState=true&"

	one := get(q + "&perPage=2")
	if d := cmp.Diff([]string{"230000101", "230000102"}, ids(one)); d != "" {
		t.Errorf("page 1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{
		"firstPage " + pre + "page=1&perPage=2&sipData=true",
		"nextPage " + pre + "page=2&perPage=2&sipData=true",
		"lastPage " + pre + "page=2&perPage=2&sipData=true",
	}, navs(one)); d != "" {
		t.Errorf("page 1 navigation (-want +got):\n%s", d)
	}
	if pg := one.Paging; pg.Page != 1 || pg.TotalPages != 2 || pg.PerPage != 2 || pg.TotalElements != 3 || *pg.PageStart != 0 || *pg.PageEnd != 1 {
		t.Errorf("page 1 paging: %+v", pg)
	}
	if calls := one.Records[1].ActiveCalls; len(calls) != 1 || calls[0].SIPData == nil {
		t.Errorf("detailed account presence lost the active call: %+v", calls)
	}

	two := get(q + "&perPage=2&page=2")
	if d := cmp.Diff([]string{"230000103"}, ids(two)); d != "" {
		t.Errorf("page 2 (-want +got):\n%s", d)
	}
	if _, ok := two.Nav["nextPage"]; ok || two.Paging.PageStart == nil || *two.Paging.PageStart != 2 {
		t.Errorf("page 2: nav %v paging %+v", two.Nav, two.Paging)
	}
	if _, ok := two.Nav["previousPage"]; !ok {
		t.Errorf("page 2 has no previousPage")
	}

	three := get("perPage=2&page=3")
	if len(three.Records) != 0 || three.Paging.PageStart != nil {
		t.Errorf("page 3: %+v", three)
	}

	all := get("")
	if len(all.Records) != 3 || all.Paging.PerPage != 100 || all.Records[1].ActiveCalls != nil {
		t.Errorf("default page: %d records, perPage %d, simple presence calls %v", len(all.Records), all.Paging.PerPage, all.Records[1].ActiveCalls)
	}

	for _, bad := range []string{"perPage=0", "perPage=1001", "page=0", "page=x"} {
		r := do(t, p, tok, "GET", "/restapi/v1.0/account/~/presence?"+bad, nil)
		if st, code := r.code(t); st != http.StatusBadRequest || code != "CMN-101" {
			t.Errorf("%s: %d %s, want 400 CMN-101", bad, st, code)
		}
	}
}
