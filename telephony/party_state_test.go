package telephony

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// randomValue fills v (settable) with random values, every field set when
// full, each one left zero with probability 1/3 otherwise.
func randomValue(v reflect.Value, rng *rand.Rand, full bool, depth int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("v%d", rng.IntN(1000)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(1 + rng.IntN(100)))
	case reflect.Pointer:
		if depth < 4 {
			v.Set(reflect.New(v.Type().Elem()))
			randomValue(v.Elem(), rng, true, depth+1)
		}
	case reflect.Slice:
		if depth < 4 {
			s := reflect.MakeSlice(v.Type(), 1, 1)
			randomValue(s.Index(0), rng, true, depth+1)
			v.Set(s)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() || (!full && rng.IntN(3) == 0) {
				continue
			}
			randomValue(v.Field(i), rng, full, depth+1)
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
		randomValue(reflect.ValueOf(&first).Elem(), rng, i%2 == 0, 0)
		randomValue(reflect.ValueOf(&next).Elem(), rng, false, 0)
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
