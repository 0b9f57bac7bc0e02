package webhook

import rwclock "github.com/ringwatch/ringwatch/internal/clock"

// clock lets the tests drive renewals and checks.
type (
	clock     = rwclock.Clock
	timer     = rwclock.Timer
	realClock = rwclock.Real
)
