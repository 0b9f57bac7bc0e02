package notifytest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// Park hands out the lowest free orbit; pickup frees it and answers on
// the caller's extension; forward, reject and PATCH change the model as
// the platform's doc says; forbidden states answer 409.
func TestControlParkPickupForwardRejectMute(t *testing.T) {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()
	exts := p.Extensions()
	call := func(sid string, code telephony.StatusCode) {
		t.Helper()
		if err := p.SetSession(telephony.Session{TelephonySessionID: sid, Sequence: 1, Parties: []telephony.Party{{
			ID: sid + "-p", AccountID: p.AccountID(), ExtensionID: exts[0].ID, Direction: telephony.Inbound,
			From: telephony.Endpoint{PhoneNumber: "+16505550100"}, Status: telephony.Status{Code: code},
		}}}); err != nil {
			t.Fatal(err)
		}
	}
	c := telephony.NewClient(ringwatch.NewClient(p.Config()))
	want := func(what string, pt *telephony.Party, err error, code telephony.StatusCode, reason string) {
		t.Helper()
		if err != nil || pt.Status.Code != code || pt.Status.Reason != reason {
			t.Errorf("%s: %+v, %v; want %s %q", what, pt, err, code, reason)
		}
	}

	call("a", telephony.Answered)
	call("b", telephony.Hold)
	call("c", telephony.Answered)
	pa, err := c.Park(ctx, "a", "a-p")
	want("park a", pa, err, telephony.Parked, "")
	pb, err := c.Park(ctx, "b", "b-p")
	want("park b", pb, err, telephony.Parked, "")
	if pa.Status.ParkData != "*801" || pb.Status.ParkData != "*802" || pa.Park == nil || pa.Park.ID != "*801" {
		t.Errorf("orbits %q, %q (%+v), want *801, *802", pa.Status.ParkData, pb.Status.ParkData, pa.Park)
	}
	if _, err := c.Park(ctx, "a", "a-p"); !isStatus(err, http.StatusConflict) {
		t.Errorf("parking a parked call: %v, want 409", err)
	}
	if _, err := c.Pickup(ctx, "c", "c-p", "d-1"); !isStatus(err, http.StatusConflict) {
		t.Errorf("pickup of a call not parked: %v, want 409", err)
	}
	up, err := c.Pickup(ctx, "a", "a-p", "d-1")
	want("pickup a", up, err, telephony.Answered, "")
	if up != nil && up.ExtensionID != p.Owner().ID {
		t.Errorf("picked up on %q, want the caller's extension %q", up.ExtensionID, p.Owner().ID)
	}
	if s, _ := p.Session("a"); s.Party("a-p").Status.Reason != telephony.ReasonPickup {
		t.Errorf("parked party after pickup: %+v", s.Party("a-p").Status)
	}
	pc, err := c.Park(ctx, "c", "c-p")
	want("park c", pc, err, telephony.Parked, "")
	if pc != nil && pc.Status.ParkData != "*801" {
		t.Errorf("orbit after the pickup freed *801: %q", pc.Status.ParkData)
	}

	call("r1", telephony.Proceeding)
	pt, err := c.Forward(ctx, "r1", "r1-p", telephony.Target{Voicemail: exts[0].ID})
	want("forward to own voicemail", pt, err, telephony.VoiceMail, "")
	call("r2", telephony.Proceeding)
	pt, err = c.Forward(ctx, "r2", "r2-p", telephony.Target{ExtensionNumber: exts[1].Number})
	want("forward to an extension", pt, err, telephony.Disconnected, telephony.ReasonCallRedirected)
	if s, _ := p.Session("r2"); len(s.Parties) != 2 || s.Parties[1].ExtensionID != exts[1].ID || s.Parties[1].Status.Code != telephony.Proceeding {
		t.Errorf("after forward: %+v", s.Parties)
	}
	if _, err := c.Forward(ctx, "c", "c-p", telephony.Target{ExtensionID: exts[1].ID}); !isStatus(err, http.StatusConflict) {
		t.Errorf("forward of a parked call: %v, want 409", err)
	}
	if _, err := c.Forward(ctx, "r1", "r1-p", telephony.Target{ExtensionID: "nobody"}); !isStatus(err, http.StatusConflict) {
		t.Errorf("forward of a call in voicemail: %v, want 409", err)
	}
	call("r3", telephony.Proceeding)
	if _, err := c.Forward(ctx, "r3", "r3-p", telephony.Target{ExtensionID: "nobody"}); !isStatus(err, http.StatusBadRequest) {
		t.Errorf("forward to an unknown extension: %v, want 400", err)
	}
	if err := c.Reject(ctx, "r3", "r3-p"); err != nil {
		t.Fatal(err)
	}
	if s, _ := p.Session("r3"); s.Party("r3-p").Status.Code != telephony.VoiceMail || s.Sequence != 2 {
		t.Errorf("after reject: %+v, sequence %d", s.Party("r3-p").Status, s.Sequence)
	}
	if err := c.Reject(ctx, "r3", "r3-p"); !isStatus(err, http.StatusConflict) {
		t.Errorf("second reject: %v, want 409", err)
	}

	call("m", telephony.Answered)
	pt, err = c.Mute(ctx, "m", "m-p", true)
	if err != nil || !pt.Muted || pt.Status.Code != telephony.Answered {
		t.Errorf("mute: %+v, %v", pt, err)
	}
	yes := true
	pt, err = c.UpdateParty(ctx, "m", "m-p", telephony.PartyUpdate{StandAlone: &yes})
	if err != nil || !pt.StandAlone || !pt.Muted {
		t.Errorf("stand alone: %+v, %v", pt, err)
	}

	call("v", telephony.Answered)
	pt, err = c.Transfer(ctx, "v", "v-p", telephony.Target{Voicemail: exts[1].ID})
	want("transfer to voicemail", pt, err, telephony.Disconnected, telephony.ReasonBlindTransfer)
	if s, _ := p.Session("v"); len(s.Parties) != 2 || s.Parties[1].Status.Code != telephony.VoiceMail {
		t.Errorf("after a transfer to voicemail: %+v", s.Parties)
	}
	call("o", telephony.Answered)
	pt, err = c.Transfer(ctx, "o", "o-p", telephony.Target{ParkOrbit: "*803"})
	want("transfer to an orbit", pt, err, telephony.Disconnected, telephony.ReasonBlindTransfer)
	call("o2", telephony.Answered)
	if _, err := c.Transfer(ctx, "o2", "o2-p", telephony.Target{ParkOrbit: "*803"}); !isStatus(err, http.StatusConflict) {
		t.Errorf("transfer to a taken orbit: %v, want 409", err)
	}
}
