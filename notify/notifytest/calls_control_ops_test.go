package notifytest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// opsFixture is a platform with a helper that puts a one-party call in the
// model.
type opsFixture struct {
	p    *notifytest.Platform
	c    *telephony.Client
	exts []notifytest.Extension
}

func newOpsFixture(t *testing.T) *opsFixture {
	t.Helper()
	p := notifytest.NewPlatform()
	t.Cleanup(func() { p.Close() })
	exts := p.Extensions()
	if len(exts) < 2 {
		t.Fatalf("%d extensions", len(exts))
	}
	return &opsFixture{p: p, c: telephony.NewClient(ringwatch.NewClient(p.Config())), exts: exts}
}

// call puts session sid in the model with one party sid+"-p" of the
// first extension in state code; origin is its origin type.
func (f *opsFixture) call(t *testing.T, sid string, code telephony.StatusCode, origin string) {
	t.Helper()
	s := telephony.Session{TelephonySessionID: sid, Sequence: 1, Origin: telephony.Origin{Type: origin}}
	if code != "" {
		s.Parties = []telephony.Party{{
			ID: sid + "-p", AccountID: f.p.AccountID(), ExtensionID: f.exts[0].ID, Direction: telephony.Inbound,
			From: telephony.Endpoint{PhoneNumber: "+16505550100"}, Status: telephony.Status{Code: code},
		}}
	}
	if err := f.p.SetSession(s); err != nil {
		t.Fatal(err)
	}
}

func (f *opsFixture) session(t *testing.T, sid string) telephony.Session {
	t.Helper()
	s, ok := f.p.Session(sid)
	if !ok {
		t.Fatalf("session %s not in the model", sid)
	}
	return s
}

// Each remaining Call Control operation changes the model as the
// platform's doc says, bumps the sequence only when a party changed, and
// answers 409 in a state it forbids, 404 for an unknown session and 400
// for a bad body.
func TestControlMoreOperations(t *testing.T) {
	ctx := context.Background()
	text := telephony.Reply{Text: "busy"}
	tests := []struct {
		name    string
		state   telephony.StatusCode // the party's state before
		origin  string
		op      func(f *opsFixture, sid string) error
		status  int                  // 0: success
		want    telephony.StatusCode // the party's state after a success
		reason  string
		seq     int64 // the session's sequence after
		parties int   // parties in the session after
	}{
		{name: "ignore", state: telephony.Proceeding, op: func(f *opsFixture, sid string) error {
			return f.c.Ignore(ctx, sid, sid+"-p", "d-1")
		}, want: telephony.Disconnected, reason: telephony.ReasonRejected, seq: 2, parties: 1},
		{name: "ignore answered", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			return f.c.Ignore(ctx, sid, sid+"-p", "d-1")
		}, status: http.StatusConflict},
		{name: "ignore unknown session", state: telephony.Proceeding, op: func(f *opsFixture, sid string) error {
			return f.c.Ignore(ctx, "nope", sid+"-p", "d-1")
		}, status: http.StatusNotFound},
		{name: "flip", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			return f.c.Flip(ctx, sid, sid+"-p", "1")
		}, want: telephony.Answered, seq: 1, parties: 1},
		{name: "flip ringing", state: telephony.Proceeding, op: func(f *opsFixture, sid string) error {
			return f.c.Flip(ctx, sid, sid+"-p", "1")
		}, status: http.StatusConflict},
		{name: "reply", state: telephony.Proceeding, op: func(f *opsFixture, sid string) error {
			pt, err := f.c.Reply(ctx, sid, sid+"-p", text)
			if err == nil && (pt.ID != sid+"-p" || pt.Status.Code != telephony.Proceeding) {
				t.Errorf("reply answered %+v", pt)
			}
			return err
		}, want: telephony.Proceeding, seq: 1, parties: 1},
		{name: "reply answered", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			_, err := f.c.Reply(ctx, sid, sid+"-p", text)
			return err
		}, status: http.StatusConflict},
		{name: "remove party", state: telephony.Parked, op: func(f *opsFixture, sid string) error {
			return f.c.RemoveParty(ctx, sid, sid+"-p")
		}, seq: 2, parties: 0},
		{name: "remove unknown party", state: telephony.Parked, op: func(f *opsFixture, sid string) error {
			return f.c.RemoveParty(ctx, sid, "nope")
		}, status: http.StatusNotFound},
		{name: "record", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			r, err := f.c.StartRecording(ctx, sid, sid+"-p")
			if err != nil {
				return err
			}
			if !r.Active || r.ID == "" {
				t.Errorf("recording %+v", r)
			}
			if r2, err := f.c.PauseRecording(ctx, sid, sid+"-p", r.ID); err != nil || r2.Active || r2.ID != r.ID {
				t.Errorf("pause: %+v, %v", r2, err)
			}
			if _, err := f.c.ResumeRecording(ctx, sid, sid+"-p", "nope"); !isStatus(err, http.StatusNotFound) {
				t.Errorf("resume an unknown recording: %v", err)
			}
			ms := f.session(t, sid)
			recs := ms.Party(sid + "-p").Recordings
			if len(recs) != 1 || recs[0].ID != r.ID || recs[0].Active {
				t.Errorf("recordings %+v", recs)
			}
			return nil
		}, want: telephony.Answered, seq: 3, parties: 1},
		{name: "record ringing", state: telephony.Proceeding, op: func(f *opsFixture, sid string) error {
			_, err := f.c.StartRecording(ctx, sid, sid+"-p")
			return err
		}, status: http.StatusConflict},
		{name: "record a conference", state: telephony.Answered, origin: telephony.OriginConference, op: func(f *opsFixture, sid string) error {
			_, err := f.c.StartRecording(ctx, sid, sid+"-p")
			return err
		}, status: http.StatusConflict},
		{name: "supervise session", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			pt, err := f.c.SuperviseSession(ctx, sid, telephony.SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionNumber: f.exts[0].Number})
			if err == nil && (pt.Status.Code != telephony.Answered || pt.Direction != telephony.Outbound || pt.To.ExtensionID != f.exts[0].ID) {
				t.Errorf("supervisor %+v", pt)
			}
			return err
		}, want: telephony.Answered, seq: 2, parties: 2},
		{name: "supervise party", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			_, err := f.c.SuperviseParty(ctx, sid, sid+"-p", telephony.SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionID: f.exts[0].ID})
			return err
		}, want: telephony.Answered, seq: 2, parties: 2},
		{name: "supervise an agent not on the call", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			_, err := f.c.SuperviseSession(ctx, sid, telephony.SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionID: f.exts[1].ID})
			return err
		}, status: http.StatusConflict},
		{name: "supervise an unknown extension", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			_, err := f.c.SuperviseSession(ctx, sid, telephony.SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionID: "nobody"})
			return err
		}, status: http.StatusBadRequest},
		{name: "supervise an unknown session", state: telephony.Answered, op: func(f *opsFixture, sid string) error {
			_, err := f.c.SuperviseSession(ctx, "nope", telephony.SuperviseRequest{SupervisorDeviceID: "d-9", AgentExtensionID: f.exts[0].ID})
			return err
		}, status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOpsFixture(t)
			f.call(t, "s", tt.state, tt.origin)
			err := tt.op(f, "s")
			if tt.status != 0 {
				if !isStatus(err, tt.status) {
					t.Fatalf("err %v, want status %d", err, tt.status)
				}
				if s := f.session(t, "s"); s.Sequence != 1 || s.Parties[0].Status.Code != tt.state {
					t.Errorf("a refused request changed the model: %+v", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := f.session(t, "s")
			if s.Sequence != tt.seq || len(s.Parties) != tt.parties {
				t.Fatalf("sequence %d, %d parties (%+v); want %d, %d", s.Sequence, len(s.Parties), s.Parties, tt.seq, tt.parties)
			}
			if tt.parties > 0 {
				if st := s.Parties[0].Status; st.Code != tt.want || st.Reason != tt.reason {
					t.Errorf("party %+v, want %s %q", st, tt.want, tt.reason)
				}
			}
		})
	}
}

// Bridge and bring-in move a party into another session: it goes Gone
// with a peerId naming its new party, Answered there; bring-in wants a
// conference session.
func TestControlBridgeAndBringIn(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		fromState   telephony.StatusCode
		targetOrig  string
		op          func(f *opsFixture) (*telephony.Party, error)
		status      int
		wantRole    string
		targetParts int // parties in the target after
	}{
		{name: "bridge", fromState: telephony.Answered, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.Bridge(ctx, "a", "a-p", "b", "b-p")
		}, targetParts: 2},
		{name: "bridge ringing", fromState: telephony.Proceeding, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.Bridge(ctx, "a", "a-p", "b", "b-p")
		}, status: http.StatusConflict},
		{name: "bridge to an unknown session", fromState: telephony.Answered, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.Bridge(ctx, "a", "a-p", "nope", "b-p")
		}, status: http.StatusNotFound},
		{name: "bridge to an unknown party", fromState: telephony.Answered, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.Bridge(ctx, "a", "a-p", "b", "nope")
		}, status: http.StatusNotFound},
		{name: "bring in", fromState: telephony.Hold, targetOrig: telephony.OriginConference, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.BringIn(ctx, "b", "a", "a-p")
		}, wantRole: "Participant", targetParts: 2},
		{name: "bring in to a call", fromState: telephony.Answered, targetOrig: telephony.OriginCall, op: func(f *opsFixture) (*telephony.Party, error) {
			return f.c.BringIn(ctx, "b", "a", "a-p")
		}, status: http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newOpsFixture(t)
			f.call(t, "a", tt.fromState, telephony.OriginCall)
			f.call(t, "b", telephony.Answered, tt.targetOrig)
			pt, err := tt.op(f)
			if tt.status != 0 {
				if !isStatus(err, tt.status) {
					t.Fatalf("err %v, want status %d", err, tt.status)
				}
				if a := f.session(t, "a"); a.Sequence != 1 || a.Parties[0].Status.Code != tt.fromState {
					t.Errorf("a refused request changed the model: %+v", a)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a, b := f.session(t, "a"), f.session(t, "b")
			st := a.Party("a-p").Status
			if st.Code != telephony.Gone || st.PeerID == nil || st.PeerID.TelephonySessionID != "b" || st.PeerID.PartyID != pt.ID {
				t.Errorf("moved party %+v (peer %+v), answer %+v", st, st.PeerID, pt)
			}
			np := b.Party(pt.ID)
			if len(b.Parties) != tt.targetParts || np == nil || np.Status.Code != telephony.Answered ||
				np.ExtensionID != f.exts[0].ID || np.ConferenceRole != tt.wantRole {
				t.Errorf("target session %+v", b.Parties)
			}
			if a.Sequence != 2 || b.Sequence != 2 {
				t.Errorf("sequences %d, %d; want 2, 2", a.Sequence, b.Sequence)
			}
		})
	}
}

// Call-out and conference start sessions in the model and answer the
// CallSession shape the client decodes.
func TestControlCallOutAndConference(t *testing.T) {
	ctx := context.Background()
	f := newOpsFixture(t)
	s, err := f.c.CallOut(ctx, telephony.CallOutRequest{From: telephony.CallOutFrom{DeviceID: "d-1"},
		To: telephony.CallOutTo{ExtensionNumber: f.exts[1].Number}})
	if err != nil {
		t.Fatal(err)
	}
	m := f.session(t, s.TelephonySessionID)
	if s.Origin.Type != telephony.OriginCall || len(s.Parties) != 2 || len(m.Parties) != 2 {
		t.Fatalf("call-out answered %+v; model %+v", s, m)
	}
	if c := m.Parties[0]; c.ExtensionID != f.p.Owner().ID || c.Direction != telephony.Outbound || c.Status.Code != telephony.Proceeding {
		t.Errorf("caller %+v", c)
	}
	if c := m.Parties[1]; c.ExtensionID != f.exts[1].ID || c.Direction != telephony.Inbound || c.Status.Code != telephony.Proceeding {
		t.Errorf("callee %+v", c)
	}
	if _, err := f.c.Answer(ctx, s.TelephonySessionID, m.Parties[1].ID, "d-2"); err != nil {
		t.Errorf("answering the callee: %v", err)
	}

	s, err = f.c.CallOut(ctx, telephony.CallOutRequest{From: telephony.CallOutFrom{DeviceID: "d-1"},
		To: telephony.CallOutTo{PhoneNumber: "+16505550199"}})
	if err != nil || len(s.Parties) != 1 || s.Parties[0].To.PhoneNumber != "+16505550199" {
		t.Errorf("call-out to a number: %+v, %v", s, err)
	}
	if _, err := f.c.CallOut(ctx, telephony.CallOutRequest{From: telephony.CallOutFrom{DeviceID: "d-1"},
		To: telephony.CallOutTo{ExtensionNumber: "999999"}}); !isStatus(err, http.StatusBadRequest) {
		t.Errorf("call-out to an unknown extension: %v, want 400", err)
	}

	conf, err := f.c.StartConference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if conf.Origin.Type != telephony.OriginConference || len(conf.Parties) != 0 || conf.VoiceCallToken == "" {
		t.Errorf("conference %+v", conf)
	}
	f.call(t, "a", telephony.Answered, telephony.OriginCall)
	if _, err := f.c.BringIn(ctx, conf.TelephonySessionID, "a", "a-p"); err != nil {
		t.Errorf("bring-in to the new conference: %v", err)
	}
}

// A bridge publishes the moved party's new party (in the target session)
// before its Gone one, each with its session's next sequence; a call-out
// publishes its parties; a flip publishes nothing.
func TestControlMoreNotifications(t *testing.T) {
	p, _ := start(t)
	hook := newScriptHook(t)
	sub := create(t, p, token(t, p, p.Owner().ID), webhookReq(hook.srv.URL, time.Hour,
		subscription.AccountTelephonySessions()))
	f := &opsFixture{p: p, c: telephony.NewClient(ringwatch.NewClient(p.Config())), exts: p.Extensions()}
	ctx := context.Background()
	f.call(t, "a", telephony.Answered, telephony.OriginCall)
	f.call(t, "b", telephony.Answered, telephony.OriginCall)
	if err := f.c.Flip(ctx, "a", "a-p", "1"); err != nil {
		t.Fatal(err)
	}
	np, err := f.c.Bridge(ctx, "a", "a-p", "b", "b-p")
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.c.CallOut(ctx, telephony.CallOutRequest{From: telephony.CallOutFrom{DeviceID: "d-1"},
		To: telephony.CallOutTo{ExtensionNumber: f.exts[1].Number}})
	if err != nil {
		t.Fatal(err)
	}
	type note struct {
		Session, Party string
		Seq            int64
		Code           telephony.StatusCode
	}
	var got []note
	for _, ev := range hook.wait(t, 4)[sub.ID] {
		te, ok := ev.(*notify.TelephonyEvent)
		if !ok || len(te.Body.Parties) != 1 {
			t.Fatalf("got %#v", ev)
		}
		got = append(got, note{te.Body.TelephonySessionID, te.Body.Parties[0].ID, te.Body.Sequence, te.Body.Parties[0].Status.Code})
	}
	want := []note{
		{"b", np.ID, 2, telephony.Answered},
		{"a", "a-p", 2, telephony.Gone},
		{out.TelephonySessionID, out.Parties[0].ID, 1, telephony.Proceeding},
		{out.TelephonySessionID, out.Parties[1].ID, 2, telephony.Proceeding}, // one sequence number per notification
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}
