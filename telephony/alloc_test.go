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
// BenchmarkTrackerMemory), counting the 8-byte header the runtime adds to
// objects over 512 bytes that hold pointers: a call, with room for its
// first two parties, in 1024 bytes, and a summary with its parties in
// 512, 704, 896 and 1152 bytes for one to four parties. A field added to
// call, partyState, CallSummary or PartySummary that crosses a class
// costs every call a whole class more; this test says so when it happens.
func TestAllocationSizes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 || raceEnabled {
		t.Skip("the size classes are those of 64-bit platforms without the race detector")
	}
	if n := unsafe.Sizeof(call{}) + 8; n > 1024 {
		t.Errorf("call is %d bytes with its header, more than the 1024-byte size class", n)
	}
	for n, want := range []uint64{1: 512, 2: 704, 3: 896, 4: 1152} {
		if n == 0 {
			continue
		}
		const runs = 100
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			summarySink = newSummary(n)
		}
		runtime.ReadMemStats(&after)
		if got := (after.TotalAlloc - before.TotalAlloc) / runs; got != want {
			t.Errorf("a summary of %d parties takes %d bytes, want %d", n, got, want)
		}
	}
}

// summarySink keeps TestAllocationSizes' summaries on the heap.
var summarySink *CallSummary

// TestBytesPerLiveCall checks that the heap a tracker keeps per active call
// of two answered parties stays under 1.5 KiB, strings included (the
// figure BenchmarkTrackerMemory reports).
func TestBytesPerLiveCall(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what the heap holds")
	}
	perCall, err := heapPerLiveCall(10_000)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%.0f bytes per live call", perCall)
	if perCall >= 1536 {
		t.Errorf("%.0f bytes per live call, want under 1.5 KiB (1536)", perCall)
	}
}

// heapPerLiveCall applies n calls of two answered parties, with the
// strings a real notification carries, to an uncapped tracker and returns
// the heap the tracker keeps per call. The notifications are made inside
// the measurement, so that the strings the tracker keeps alive are
// counted, as a decoder would have allocated them.
func heapPerLiveCall(n int) (float64, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tr := NewTracker(WithMaxCalls(0))
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
		return 0, fmt.Errorf("%d active calls, want %d", st.Active, n)
	}
	runtime.KeepAlive(tr)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n), nil
}
