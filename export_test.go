package ringwatch

import "time"

// SetReauthClock replaces the clock of the forced-refresh rate limit until
// the returned function is called.
func SetReauthClock(now func() time.Time) (restore func()) {
	old := reauthNow
	reauthNow = now
	return func() { reauthNow = old }
}
