package telephony

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/modeltest"
)

// zeroSome leaves each field of the struct v, and of the structs it holds
// by value, zero with probability 1/3.
func zeroSome(v reflect.Value, rng *rand.Rand) {
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case !v.Type().Field(i).IsExported():
		case rng.IntN(3) == 0:
			f.SetZero()
		case f.Kind() == reflect.Struct:
			zeroSome(f, rng)
		}
	}
}

// mergeRef is how the tracker merged a notification's party into the
// party's state before it kept states compact (partyHot): the reference
// the compact form must agree with.
func mergeRef(dst, src *Party) {
	p := *src
	if p.AccountID == "" {
		p.AccountID = dst.AccountID
	}
	if p.ExtensionID == "" {
		p.ExtensionID = dst.ExtensionID
	}
	if p.Direction == "" {
		p.Direction = dst.Direction
	}
	if p.From == (Endpoint{}) {
		p.From = dst.From
	}
	if p.To == (Endpoint{}) {
		p.To = dst.To
	}
	if p.ConferenceRole == "" {
		p.ConferenceRole = dst.ConferenceRole
	}
	if p.SIPData == nil {
		p.SIPData = dst.SIPData
	}
	if p.UICallInfo == nil {
		p.UICallInfo = dst.UICallInfo
	}
	if p.Recordings == nil {
		p.Recordings = dst.Recordings
	}
	p.QueueCall = p.QueueCall || dst.QueueCall
	p.MissedCall = p.MissedCall || dst.MissedCall
	*dst = p
}

// TestTrackerKeepsEveryPartyField applies random parties, with every field
// set and then with random fields left out, and requires the Change, the
// snapshot and Wait to give back every field of the party as the
// reference merge makes it: the compact state loses nothing.
func TestTrackerKeepsEveryPartyField(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 300 {
		var first, next Party
		modeltest.Fill(&first, rng)
		if i%2 == 1 {
			zeroSome(reflect.ValueOf(&first).Elem(), rng)
		}
		modeltest.Fill(&next, rng)
		zeroSome(reflect.ValueOf(&next).Elem(), rng)
		if i%5 == 0 {
			next = Party{} // a party that says nothing but its state
		}
		id := fmt.Sprintf("p-%d", i)
		first.ID, next.ID = id, id
		first.Status.Code, next.Status.Code = Proceeding, Answered
		sid := fmt.Sprintf("s-%d", i)
		tr := NewTracker()
		want := first
		for seq, p := range []Party{first, next} {
			if seq == 1 {
				mergeRef(&want, &p)
			}
			ch := tr.Apply(&Session{Sequence: int64(seq + 1), TelephonySessionID: sid, Parties: []Party{p}})
			if len(ch) != 1 {
				t.Fatalf("%d: %d changes, want 1", i, len(ch))
			}
			if diff := cmp.Diff(want, ch[0].Party); diff != "" {
				t.Fatalf("%d, notification %d: Change.Party (-want +got):\n%s", i, seq+1, diff)
			}
			c, _ := tr.Call(sid)
			if diff := cmp.Diff([]Party{want}, c.Parties); diff != "" {
				t.Fatalf("%d, notification %d: snapshot (-want +got):\n%s", i, seq+1, diff)
			}
		}
		got, err := tr.Wait(t.Context(), sid, id, Answered)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%d: Wait (-want +got):\n%s", i, diff)
		}
	}
}
