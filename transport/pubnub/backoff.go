package pubnub

import (
	"math/rand/v2"
	"time"
)

// backoff returns the wait before attempt n (from 1): exponential from
// minDelay, capped at maxDelay, with full jitter over its upper half so that
// many clients do not retry in step.
func backoff(n int, minDelay, maxDelay time.Duration) time.Duration {
	d := minDelay
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	d = min(d, maxDelay)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}
