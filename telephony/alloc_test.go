package telephony

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"
	"unsafe"
)

// TestAllocationSizes keeps what a call allocates in the size classes the
// benchmarks were measured with (see BenchmarkTrackerApply and
// BenchmarkTrackerMemory): a call with room for its first two parties in
// one object of at most 1280 bytes, and the summary of a call of two
// parties, with its parties, in one of at most 704. A field added to call,
// partyState, CallSummary or PartySummary that crosses a class costs every
// call a whole class more; this test says so when it happens.
func TestAllocationSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the size classes are those of 64-bit platforms")
	}
	if n := unsafe.Sizeof(call{}); n > 1280 {
		t.Errorf("call is %d bytes, more than the 1280-byte size class", n)
	}
	// newSummary allocates the two together (both are 8-byte aligned)
	if n := unsafe.Sizeof(CallSummary{}) + 2*unsafe.Sizeof(PartySummary{}); n > 704 {
		t.Errorf("a summary of two parties is %d bytes, more than the 704-byte size class", n)
	}
}

// TestBytesPerLiveCall checks that the heap a tracker keeps per active call
// of two answered parties stays under 1.5 KiB, strings included (the
// figure BenchmarkTrackerMemory reports).
func TestBytesPerLiveCall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what the heap holds")
	}
	const n = 10_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := NewTracker(WithMaxCalls(0))
	// the notifications are made here, so that the strings the tracker
	// keeps alive are counted, as a decoder would have allocated them
	for i := range n {
		sid := fmt.Sprintf("s-%032x", i)
		for j, dir := range []string{Outbound, Inbound} {
			tr.Apply(&Session{
				Sequence: int64(j + 1), TelephonySessionID: sid, SessionID: strconv.Itoa(400000000 + i),
				ServerID: "10.13.22.28.TAM", EventTime: time.Unix(1700000000, 0), Origin: Origin{Type: OriginCall},
				Parties: []Party{{
					ID: fmt.Sprintf("p-%032x-%d", i, j+1), AccountID: "809646016", ExtensionID: strconv.Itoa(809646016 + j),
					Direction: dir,
					From:      Endpoint{PhoneNumber: "+14083388064", Name: "Caller Name"},
					To:        Endpoint{PhoneNumber: "+19043014558", Name: "Agent Name", ExtensionID: "809646016"},
					Status:    Status{Code: Answered},
				}},
			})
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if st := tr.Stats(); st.Active != n {
		t.Fatalf("%d active calls, want %d", st.Active, n)
	}
	perCall := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	runtime.KeepAlive(tr)
	t.Logf("%.0f bytes per live call", perCall)
	if perCall >= 1536 {
		t.Errorf("%.0f bytes per live call, want under 1.5 KiB (1536)", perCall)
	}
}
