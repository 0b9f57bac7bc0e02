package fakewsg_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

// The gateway authenticates the token in the URL; an upgrade that also
// carries an Authorization header (a client leaking its REST token to the
// gateway host) is refused.
func TestUpgradeWithAuthorizationRefused(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ws, resp, err := websocket.Dial(ctx, url+"?access_token=tok", &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: tr},
		HTTPHeader: http.Header{"Authorization": {"Bearer rest-token"}},
	})
	if err == nil {
		ws.CloseNow()
		t.Fatal("upgrade with Authorization accepted")
	}
	if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("answer %v, want 400", resp)
	}
	if st := s.Stats(); st.AuthorizationRefused != 1 || st.Connections != 0 {
		t.Errorf("stats %+v", st)
	}
	dial(t, url+"?access_token=tok") // without it: accepted
}

func TestRequestFault(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{})
	s.InjectRequestFault(fakewsg.RequestFault{Method: "POST", PathPrefix: "/restapi/v1.0/subscription", Status: 429, RetryAfter: "12", Count: 2})
	s.InjectRequestFault(fakewsg.RequestFault{Status: 200}) // ignored
	c := dial(t, url+"?access_token=tok")
	c.read() // ConnectionDetails
	post := `[{"type":"ClientRequest","messageId":"r","method":"POST","path":"/restapi/v1.0/subscription/"},{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"WebSocket"}}]`
	for i := range 3 {
		c.send(post)
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var parts []json.RawMessage
		var m struct {
			Status  int
			Headers map[string]string
		}
		if json.Unmarshal(data, &parts) != nil || json.Unmarshal(parts[0], &m) != nil {
			t.Fatalf("frame %s", data)
		}
		want := 429
		if i == 2 {
			want = 200
		}
		if m.Status != want || (want == 429 && m.Headers["Retry-After"] != "12") {
			t.Errorf("answer %d = %s, want status %d", i, data, want)
		}
	}
	if st := s.Stats(); st.FaultsServed != 2 {
		t.Errorf("FaultsServed = %d", st.FaultsServed)
	}
}
