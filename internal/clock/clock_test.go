package clock

import (
	"testing"
	"time"
)

func TestRealTimer(t *testing.T) {
	var c Clock = Real{}
	before := time.Now()
	tm := c.NewTimer(time.Millisecond)
	at := <-tm.C()
	if at.Before(before) || c.Now().Before(at) {
		t.Errorf("timer fired at %v, outside [%v, now]", at, before)
	}
	if tm.Stop() {
		t.Error("Stop of a fired timer reported true")
	}
	if !c.NewTimer(time.Hour).Stop() {
		t.Error("Stop of a pending timer reported false")
	}
}
