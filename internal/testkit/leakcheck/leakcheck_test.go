package leakcheck

import (
	"testing"
	"time"
)

type fakeT struct {
	testing.TB
	failed   bool
	cleanups []func()
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Cleanup(fn func())     { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) run() {
	for _, c := range f.cleanups {
		c()
	}
}

func TestCheckCatchesLeak(t *testing.T) {
	stop := make(chan struct{})
	ft := &fakeT{TB: t}
	Check(ft)
	go func() { <-stop }()
	// The cleanup waits up to 5 s before failing; stop the goroutine
	// after the verdict so the real test stays clean.
	ft.run()
	close(stop)
	if !ft.failed {
		t.Fatal("a leaked goroutine was not reported")
	}
}

func TestCheckPassesWhenGoroutineExits(t *testing.T) {
	ft := &fakeT{TB: t}
	Check(ft)
	done := make(chan struct{})
	go func() { time.Sleep(50 * time.Millisecond); close(done) }()
	ft.run()
	<-done
	if ft.failed {
		t.Fatal("a goroutine that exited during the grace period was reported")
	}
}
