package notifytest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
)

// A call started with StartCallFor that nobody acts on ends at its
// timeout: a ringing party goes Disconnected with reason NoAnswer, a held
// one with CallFinished, published with the next sequence, and the
// session leaves the model.
func TestStartCallForTimesOut(t *testing.T) {
	p, _ := start(t)
	hook := newScriptHook(t)
	sub := create(t, p, token(t, p, p.Owner().ID), webhookReq(hook.srv.URL, time.Hour,
		subscription.AccountTelephonySessions()))
	exts := p.Extensions()
	s := telephony.Session{TelephonySessionID: "t-1", Parties: []telephony.Party{
		{ID: "t-1-a", AccountID: p.AccountID(), ExtensionID: exts[0].ID, Direction: telephony.Inbound, Status: telephony.Status{Code: telephony.Proceeding}},
		{ID: "t-1-b", AccountID: p.AccountID(), ExtensionID: exts[1].ID, Direction: telephony.Outbound, Status: telephony.Status{Code: telephony.Hold}},
	}}
	if err := p.StartCallFor(context.Background(), s, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	type note struct {
		Party  string
		Seq    int64
		Code   telephony.StatusCode
		Reason string
	}
	var got []note
	for _, ev := range hook.wait(t, 4)[sub.ID] {
		te, ok := ev.(*notify.TelephonyEvent)
		if !ok || len(te.Body.Parties) != 1 {
			t.Fatalf("got %#v", ev)
		}
		pt := te.Body.Parties[0]
		got = append(got, note{pt.ID, te.Body.Sequence, pt.Status.Code, pt.Status.Reason})
	}
	want := []note{
		{"t-1-a", 1, telephony.Proceeding, ""}, // one sequence number per notification
		{"t-1-b", 2, telephony.Hold, ""},
		{"t-1-a", 3, telephony.Disconnected, telephony.ReasonNoAnswer},
		{"t-1-b", 4, telephony.Disconnected, telephony.ReasonCallFinished},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	if _, ok := p.Session("t-1"); ok {
		t.Error("timed-out session still in the model")
	}
	if err := p.StartCallFor(context.Background(), s, 0); !errors.Is(err, notifytest.ErrNoTimeout) {
		t.Errorf("zero timeout: %v", err)
	}
}
