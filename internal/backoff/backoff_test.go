package backoff

import (
	"testing"
	"time"
)

func TestCeiling(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {60, time.Second}} {
		if got := Ceiling(c.n, 100*time.Millisecond, time.Second); got != c.want {
			t.Errorf("Ceiling(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

func TestJitteredStaysInUpperHalf(t *testing.T) {
	for n := 1; n <= 8; n++ {
		ceil := Ceiling(n, 100*time.Millisecond, time.Second)
		for range 200 {
			if d := Jittered(n, 100*time.Millisecond, time.Second); d < ceil/2 || d > ceil {
				t.Fatalf("Jittered(%d) = %v, want in [%v, %v]", n, d, ceil/2, ceil)
			}
		}
	}
	if d := Jittered(1, 1, 1); d != 1 {
		t.Errorf("Jittered of 1ns = %v", d)
	}
}

func TestFull(t *testing.T) {
	if Full(0) != 0 || Full(-time.Second) != 0 {
		t.Error("Full of a non-positive wait is not zero")
	}
	for range 200 {
		if d := Full(time.Second); d < 0 || d > time.Second {
			t.Fatalf("Full = %v", d)
		}
	}
}
