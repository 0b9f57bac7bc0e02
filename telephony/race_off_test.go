//go:build !race

package telephony

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
