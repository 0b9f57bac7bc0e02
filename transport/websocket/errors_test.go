package websocket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// An error that crosses several layers of the transport names the package
// once: "websocket: open: POST /x: connection closed by the gateway (1001)".
func TestErrorPrefixWrittenOnce(t *testing.T) {
	closed := fmt.Errorf("websocket: %w by the gateway (%d)", errConnClosed, 1001)
	for _, err := range []error{
		opErr("open", opErr("POST /restapi/v1.0/subscription", closed)),
		opErr("reconnect", opErr("GET /x", context.DeadlineExceeded)),
		opErr("open", opErr("POST /x", errConnClosed)),
	} {
		if n := strings.Count(err.Error(), "websocket:"); n != 1 {
			t.Errorf("%q names the package %d times, want once", err, n)
		}
	}
	err := opErr("open", opErr("POST /x", closed))
	if want := "websocket: open: POST /x: connection closed by the gateway (1001)"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !errors.Is(err, errConnClosed) {
		t.Errorf("%v does not wrap errConnClosed", err)
	}
}
