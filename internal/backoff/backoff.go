// Package backoff computes the capped exponential backoff with jitter that
// every ringwatch retry loop uses.
package backoff

import (
	"math/rand/v2"
	"time"
)

// Ceiling is the longest wait before retry n (from 1): base doubled n-1
// times, capped at maxDelay.
func Ceiling(n int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// Jittered is the wait before retry n (from 1): the Ceiling, with jitter
// over its upper half, so that many clients do not retry in step and the
// wait still grows.
func Jittered(n int, base, maxDelay time.Duration) time.Duration {
	d := Ceiling(n, base, maxDelay)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// Full returns a random wait in [0, d] (full jitter).
func Full(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}
