package ringwatch

import (
	"net/http"
	"testing"
	"time"
)

// SetReauthClock replaces the clock of the forced-refresh rate limit until
// the returned function is called.
func SetReauthClock(now func() time.Time) (restore func()) {
	old := reauthNow
	reauthNow = now
	return func() { reauthNow = old }
}

// NewTokenServerForTest starts the package's test token server and returns
// the Config it accepts and its mux, for tests outside the package (the
// ones that use internal/rest, which imports this package).
func NewTokenServerForTest(t *testing.T) (Config, *http.ServeMux) {
	ts := newTokenServer(t)
	return ts.config(), ts.Config.Handler.(*http.ServeMux)
}
