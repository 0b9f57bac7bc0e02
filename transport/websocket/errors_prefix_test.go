package websocket_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// An error leaving Open names the package once ("websocket: open: …"),
// never "websocket: open: websocket: POST …"; and the errors of the
// transport template match with errors.Is.
func TestOpenErrorPrefixOnce(t *testing.T) {
	leakcheck.Check(t)
	p := newPlatform(t)
	p.FailNext("POST", "/restapi/oauth/wstoken", http.StatusForbidden, "", 1)
	tr := websocket.New(platformClient(t, p.Config()), websocket.WithOpenAttempts(1))
	defer tr.Close(context.Background())
	err := tr.Open(context.Background(), telephonyFilters, &recorder{})
	if err == nil {
		t.Fatal("Open against a refusing platform succeeded")
	}
	if !strings.HasPrefix(err.Error(), "websocket: open: ") || strings.Count(err.Error(), "websocket:") != 1 {
		t.Errorf("Open error %q: want the prefix \"websocket: open: \" once", err)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A platform that refuses connections.
	down := newPlatform(t)
	rc := platformClient(t, down.Config())
	down.Close()
	tr2 := websocket.New(rc, websocket.WithOpenAttempts(1))
	defer tr2.Close(context.Background())
	err = tr2.Open(context.Background(), telephonyFilters, &recorder{})
	if err == nil || strings.Count(err.Error(), "websocket:") != 1 {
		t.Errorf("Open against a closed port = %v, want the prefix once", err)
	}

	err = tr.Open(context.Background(), telephonyFilters, &recorder{})
	if !errors.Is(err, transport.ErrClosed) || strings.Count(err.Error(), "websocket:") != 1 {
		t.Errorf("Open after Close = %q, want transport.ErrClosed with one prefix", err)
	}
}
