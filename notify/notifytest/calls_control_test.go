package notifytest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
)

// The platform's calls obey the Call Control API: answer, hold, unhold,
// a blind transfer to another extension and drop change the model as
// RingCentral does, each bumping the sequence; an operation the state
// forbids answers 409, and a dropped call is gone.
func TestControlChangesTheModel(t *testing.T) {
	p := notifytest.NewPlatform()
	defer p.Close()
	ctx := context.Background()
	exts := p.Extensions()
	if len(exts) < 2 {
		t.Fatalf("%d extensions", len(exts))
	}
	if err := p.SetSession(telephony.Session{TelephonySessionID: "s-1", Sequence: 1, Parties: []telephony.Party{{
		ID: "p-1", AccountID: p.AccountID(), ExtensionID: exts[0].ID, Direction: telephony.Inbound,
		Status: telephony.Status{Code: telephony.Proceeding},
	}}}); err != nil {
		t.Fatal(err)
	}
	c := telephony.NewClient(ringwatch.NewClient(p.Config()))

	if _, err := c.Hold(ctx, "s-1", "p-1"); !isStatus(err, http.StatusConflict) {
		t.Errorf("hold while ringing: %v, want 409", err)
	}
	steps := []struct {
		name string
		call func() (*telephony.Party, error)
		want telephony.StatusCode
	}{
		{"answer", func() (*telephony.Party, error) { return c.Answer(ctx, "s-1", "p-1", "d-1") }, telephony.Answered},
		{"hold", func() (*telephony.Party, error) { return c.Hold(ctx, "s-1", "p-1") }, telephony.Hold},
		{"unhold", func() (*telephony.Party, error) { return c.Unhold(ctx, "s-1", "p-1") }, telephony.Answered},
		{"transfer", func() (*telephony.Party, error) {
			return c.Transfer(ctx, "s-1", "p-1", telephony.Target{ExtensionNumber: exts[1].Number})
		}, telephony.Disconnected},
	}
	// One sequence number per notification: the transfer notifies two
	// parties (the target ringing, then the transferring party leaving).
	wantSeq := []int64{2, 3, 4, 6}
	for i, st := range steps {
		pt, err := st.call()
		if err != nil || pt.Status.Code != st.want {
			t.Fatalf("%s: %+v, %v", st.name, pt, err)
		}
		s, _ := p.Session("s-1")
		if s.Sequence != wantSeq[i] {
			t.Errorf("%s: sequence %d, want %d", st.name, s.Sequence, wantSeq[i])
		}
	}
	s, _ := p.Session("s-1")
	if len(s.Parties) != 2 || s.Parties[0].Status.Reason != telephony.ReasonBlindTransfer ||
		s.Parties[1].ExtensionID != exts[1].ID || s.Parties[1].Status.Code != telephony.Proceeding {
		t.Errorf("after the transfer: %+v", s.Parties)
	}
	if err := c.Drop(ctx, "s-1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Session("s-1"); ok {
		t.Error("dropped session still in the model")
	}
	if err := c.Drop(ctx, "s-1"); !errors.Is(err, telephony.ErrSessionNotFound) {
		t.Errorf("second drop: %v", err)
	}
}

func isStatus(err error, status int) bool {
	var ae *ringwatch.APIError
	return errors.As(err, &ae) && ae.StatusCode == status
}
