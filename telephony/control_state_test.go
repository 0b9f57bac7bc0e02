package telephony

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// countingControl is a Control over a tracker, and the number of requests
// its server received (every one answered with a party).
func countingControl(t *testing.T) (*Control, *Tracker, *atomic.Int32) {
	t.Helper()
	mux, c := setupClient(t)
	var n atomic.Int32
	mux.HandleFunc("/restapi/v1.0/account/", func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		_, _ = io.WriteString(w, partyJSON)
	})
	tr := NewTracker()
	return c.WithTracker(tr), tr, &n
}

func applyParty(tr *Tracker, seq int64, sid, origin, pid string, code StatusCode) {
	tr.Apply(&Session{TelephonySessionID: sid, Sequence: seq, Origin: Origin{Type: origin},
		Parties: []Party{{ID: pid, Direction: Inbound, Status: Status{Code: code}}}})
}

// An operation the tracked state forbids fails with a *StateError naming
// the state, and sends nothing; one it allows is sent.
func TestControlStateRefusedLocally(t *testing.T) {
	ctl, tr, n := countingControl(t)
	ctx := context.Background()
	applyParty(tr, 1, "s-ring", OriginCall, "p-1", Proceeding)
	applyParty(tr, 1, "s-talk", OriginCall, "p-1", Answered)
	applyParty(tr, 1, "s-park", OriginCall, "p-1", Parked)
	for _, tc := range []struct {
		name string
		call func() error
		want *StateError // nil: allowed, one request
	}{
		{"Transfer ringing", func() error { _, err := ctl.Transfer(ctx, "s-ring", "p-1", Target{PhoneNumber: "+1"}); return err },
			&StateError{Op: "Transfer", TelephonySessionID: "s-ring", PartyID: "p-1", State: Proceeding, Allowed: []StatusCode{Answered, Hold}}},
		{"Transfer answered", func() error { _, err := ctl.Transfer(ctx, "s-talk", "p-1", Target{PhoneNumber: "+1"}); return err }, nil},
		{"Forward answered", func() error { _, err := ctl.Forward(ctx, "s-talk", "p-1", Target{Voicemail: "1"}); return err },
			&StateError{Op: "Forward", TelephonySessionID: "s-talk", PartyID: "p-1", State: Answered, Allowed: []StatusCode{Setup, Proceeding}}},
		{"Forward ringing", func() error { _, err := ctl.Forward(ctx, "s-ring", "p-1", Target{Voicemail: "1"}); return err }, nil},
		{"Reject answered", func() error { return ctl.Reject(ctx, "s-talk", "p-1") },
			&StateError{Op: "Reject", TelephonySessionID: "s-talk", PartyID: "p-1", State: Answered, Allowed: []StatusCode{Setup, Proceeding}}},
		{"Ignore parked", func() error { return ctl.Ignore(ctx, "s-park", "p-1", "d") },
			&StateError{Op: "Ignore", TelephonySessionID: "s-park", PartyID: "p-1", State: Parked, Allowed: []StatusCode{Setup, Proceeding}}},
		{"Pickup answered", func() error { _, err := ctl.Pickup(ctx, "s-talk", "p-1", "d"); return err },
			&StateError{Op: "Pickup", TelephonySessionID: "s-talk", PartyID: "p-1", State: Answered, Allowed: []StatusCode{Parked}}},
		{"Pickup parked", func() error { _, err := ctl.Pickup(ctx, "s-park", "p-1", "d"); return err }, nil},
		{"BringIn into a call", func() error { _, err := ctl.BringIn(ctx, "s-talk", "s-ring", "p-1"); return err },
			&StateError{Op: "BringIn", TelephonySessionID: "s-talk", Origin: OriginCall}},
		{"Transfer unknown call", func() error { _, err := ctl.Transfer(ctx, "s-unknown", "p-1", Target{PhoneNumber: "+1"}); return err }, nil},
		{"Transfer unknown party", func() error { _, err := ctl.Transfer(ctx, "s-ring", "p-9", Target{PhoneNumber: "+1"}); return err }, nil},
	} {
		before := n.Load()
		err := tc.call()
		sent := n.Load() - before
		if tc.want == nil {
			if err != nil || sent != 1 {
				t.Errorf("%s: err = %v, %d requests; want nil, 1", tc.name, err, sent)
			}
			continue
		}
		var se *StateError
		if !errors.As(err, &se) || sent != 0 {
			t.Errorf("%s: err = %v, %d requests; want a *StateError and none", tc.name, err, sent)
			continue
		}
		if d := cmp.Diff(tc.want, se); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	// The party moves on: what was refused is now allowed.
	applyParty(tr, 2, "s-ring", OriginCall, "p-1", Answered)
	if _, err := ctl.Transfer(ctx, "s-ring", "p-1", Target{PhoneNumber: "+1"}); err != nil {
		t.Errorf("Transfer after Answered: %v", err)
	}
	var se *StateError
	_, err := ctl.Forward(ctx, "s-ring", "p-1", Target{Voicemail: "1"})
	if !errors.As(err, &se) || err.Error() != "telephony: Forward: party p-1 of session s-ring is Answered, want Setup or Proceeding" {
		t.Errorf("Forward after Answered: %v", err)
	}
}

// "When this call rings for 20 s, forward it" (with a short ring here):
// a call still ringing when the wait ends is forwarded; one answered in
// time is not.
func TestControlForwardWhenRingingTooLong(t *testing.T) {
	ctl, tr, n := countingControl(t)
	applyParty(tr, 1, "s-1", OriginCall, "p-1", Proceeding)
	applyParty(tr, 1, "s-2", OriginCall, "p-2", Proceeding)
	go func() { applyParty(tr, 2, "s-2", OriginCall, "p-2", Answered) }()

	forwarded, err := forwardIfUnanswered(context.Background(), ctl, tr, "s-1", "p-1", 50*time.Millisecond)
	if !forwarded || err != nil || n.Load() != 1 {
		t.Errorf("ringing call: forwarded %v, %v, %d requests", forwarded, err, n.Load())
	}
	forwarded, err = forwardIfUnanswered(context.Background(), ctl, tr, "s-2", "p-2", 10*time.Second)
	if forwarded || err != nil || n.Load() != 1 {
		t.Errorf("answered call: forwarded %v, %v, %d requests", forwarded, err, n.Load())
	}
}

// forwardIfUnanswered is the policy of ExampleControl_Forward.
func forwardIfUnanswered(ctx context.Context, ctl *Control, tr *Tracker, sid, pid string, ring time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, ring)
	defer cancel()
	_, err := tr.Wait(wctx, sid, pid, Answered, Hold, Parked, Disconnected, Gone, VoiceMail)
	if !errors.Is(err, context.DeadlineExceeded) {
		return false, err // it moved on (or ended) in time
	}
	_, err = ctl.Forward(ctx, sid, pid, Target{Voicemail: "101"})
	var se *StateError
	if errors.As(err, &se) {
		return false, nil // answered between the wait and the forward
	}
	return err == nil, err
}
