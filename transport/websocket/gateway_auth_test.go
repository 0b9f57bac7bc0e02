package websocket_test

import (
	"context"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// headerTransport adds a header to every request, as any authorising
// RoundTripper of the caller's would.
type headerTransport struct {
	base        http.RoundTripper
	name, value string
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return h.base.RoundTrip(r)
}

// The gateway never receives the REST access token. The
// platform's gateway refuses an upgrade that carries an Authorization
// header, as a stricter server would; the transport must connect (and
// reconnect) without one, whatever HTTP client the ringwatch.Client
// wraps.
func TestGatewayGetsNoAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(http.RoundTripper) http.RoundTripper
	}{
		{"default", func(rt http.RoundTripper) http.RoundTripper { return rt }},
		{"caller's own transport", func(rt http.RoundTripper) http.RoundTripper {
			return headerTransport{rt, "X-Caller", "1"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leakcheck.Check(t)
			p := newPlatform(t)
			base := &http.Transport{}
			t.Cleanup(base.CloseIdleConnections)
			rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: tc.wrap(base)}))
			tr := websocket.New(rc, websocket.WithReconnectBackoff(time.Millisecond, 2*time.Millisecond), websocket.WithOpenAttempts(1))
			defer tr.Close(context.Background())
			sink := &recorder{}
			if err := tr.Open(context.Background(), telephonyFilters, sink); err != nil {
				t.Fatalf("Open: %v (gateway %+v)", err, p.WebSocketStats())
			}
			p.DropWebSockets()
			eventually(t, "Recovered", func() bool { return sink.count(transport.Recovered) == 1 })
			st := p.WebSocketStats()
			if st.AuthorizationRefused != 0 || st.Connections != 2 {
				t.Errorf("gateway stats %+v, want 2 connections and no Authorization header", st)
			}
			// The REST token did reach the REST endpoint.
			for _, r := range p.Requests() {
				if r.Path == "/restapi/oauth/wstoken" && r.Header.Get("Authorization") == "" {
					t.Error("wstoken request without Authorization")
				}
			}
		})
	}
}
