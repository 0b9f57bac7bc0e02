// Package leakcheck fails a test that leaves goroutines behind. It is
// ringwatch's own small version of goleak: every test that starts something
// calls Check at its start.
package leakcheck

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// ignored are goroutines that are not ours to stop: the test framework's
// own, the runtime's, and the one RequestWorkers.ReadQueue goroutine that
// github.com/pubnub/go/v7 v7.4.0 leaks per PubNub instance even after
// Destroy (the SDK starts it in NewPubNub and never stops it).
var ignored = []string{
	"testing.(*T).Run",
	"testing.(*M).",
	"testing.tRunner",
	"testing.runTests",
	"testing.(*F).",
	"runtime.goexit",
	"runtime/pprof.",
	"os/signal.signal_recv",
	"os/signal.loop",
	"created by runtime.gc",
	"runtime.ensureSigM",
	"github.com/pubnub/go/v7.(*RequestWorkers).ReadQueue",
}

// Check records the goroutines running now and, when the test ends, fails it
// if others are still running after a grace period of up to 5 s (goroutines
// winding down after Close get that long to exit). extra names more
// goroutines to ignore, by a substring of their stack.
func Check(t testing.TB, extra ...string) {
	t.Helper()
	before := ids()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		var left []string
		for {
			left = leaked(before, extra)
			if len(left) == 0 {
				return
			}
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Errorf("leakcheck: %d goroutine(s) left running:\n\n%s", len(left), strings.Join(left, "\n\n"))
	})
}

// Snapshot returns the stacks of the goroutines running now that Check
// would count, for tests that compare counts themselves.
func Snapshot() []string { return leaked(nil, nil) }

func ids() map[string]bool {
	m := map[string]bool{}
	for _, g := range stacks() {
		m[goid(g)] = true
	}
	return m
}

func leaked(before map[string]bool, extra []string) []string {
	var out []string
	self := goid(stacks()[0])
	for _, g := range stacks() {
		id := goid(g)
		if id == self || before[id] || ignore(g, extra) {
			continue
		}
		out = append(out, g)
	}
	return out
}

func ignore(stack string, extra []string) bool {
	for _, s := range slices.Concat(ignored, extra) {
		if strings.Contains(stack, s) {
			return true
		}
	}
	return false
}

func stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		out = append(out, string(g))
	}
	return out
}

// goid returns the "goroutine N" prefix of a stack.
func goid(stack string) string {
	head, _, _ := strings.Cut(stack, " [")
	return head
}
