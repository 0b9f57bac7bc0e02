package fakewsg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

type client struct {
	t  *testing.T
	ws *websocket.Conn
}

type meta struct {
	Type      string
	MessageID string
	Status    int
	WSC       *struct {
		Token    string
		Sequence int64
	}
}

func serve(t *testing.T, cfg fakewsg.Config) (*fakewsg.Server, string) {
	s := fakewsg.New(cfg)
	hs := httptest.NewServer(s)
	t.Cleanup(func() { s.Close(); hs.Close() })
	return s, "ws" + strings.TrimPrefix(hs.URL, "http")
}

func dial(t *testing.T, url string) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &client{t: t, ws: ws}
}

func (c *client) read() (meta, json.RawMessage) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var parts []json.RawMessage
	var m meta
	if err := json.Unmarshal(data, &parts); err != nil || json.Unmarshal(parts[0], &m) != nil {
		c.t.Fatalf("bad frame %s", data)
	}
	if len(parts) > 1 {
		return m, parts[1]
	}
	return m, nil
}

func (c *client) send(frame string) {
	c.t.Helper()
	if err := c.ws.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// subscribe connects and creates a subscription; it returns the client,
// the subscription id and the wsc token.
func subscribe(t *testing.T, url string) (*client, string, string) {
	t.Helper()
	c := dial(t, url+"?access_token=tok")
	m, _ := c.read()
	if m.Type != "ConnectionDetails" || m.WSC == nil {
		t.Fatalf("first frame = %+v", m)
	}
	c.send(`[{"type":"ClientRequest","messageId":"req-1","method":"POST","path":"/restapi/v1.0/subscription/"},{"eventFilters":["/restapi/v1.0/account/~/extension/~/presence"],"deliveryMode":{"transportType":"WebSocket"}}]`)
	r, body := c.read()
	var info struct{ ID string }
	_ = json.Unmarshal(body, &info)
	if r.Type != "ClientRequest" || r.MessageID != "req-1" || r.Status != 200 || info.ID == "" {
		t.Fatalf("answer = %+v %s", r, body)
	}
	return c, info.ID, m.WSC.Token
}

func env(sub string, i int) []byte {
	return fmt.Appendf(nil, `{"uuid":"u%d","subscriptionId":%q,"body":{}}`, i, sub)
}

func TestPublishHeartbeatAndDelete(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{})
	c, sub, _ := subscribe(t, url)
	if !s.Publish(sub, env(sub, 1)) {
		t.Fatal("Publish found no session")
	}
	m, body := c.read()
	if m.Type != "ServerNotification" || m.MessageID != "u1" || string(body) != string(env(sub, 1)) {
		t.Errorf("notification = %+v %s", m, body)
	}
	c.send(`[{"type":"Heartbeat","messageId":"hb"}]`)
	if m, _ := c.read(); m.Type != "Heartbeat" || m.MessageID != "hb" {
		t.Errorf("heartbeat answer = %+v", m)
	}
	c.send(`[{"type":"ClientRequest","messageId":"del","method":"DELETE","path":"/restapi/v1.0/subscription/` + sub + `"}]`)
	if m, _ := c.read(); m.Status != 204 || m.MessageID != "del" {
		t.Errorf("delete answer = %+v", m)
	}
	if s.Publish(sub, env(sub, 2)) {
		t.Error("Publish to a deleted subscription")
	}
	if got := s.ActiveSubscriptions(); len(got) != 0 {
		t.Errorf("store still has %v", got)
	}
}

func TestRecovery(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{RecoveryBufferSize: 3})
	_, sub, wsc := subscribe(t, url)
	s.Drop("")
	waitDisconnected(t, s)
	for i := range 3 {
		s.Publish(sub, env(sub, i))
	}
	c := dial(t, url+"?access_token=tok2&wsc="+wsc)
	m, body := c.read()
	var d struct{ RecoveryState string }
	_ = json.Unmarshal(body, &d)
	if m.Type != "ConnectionDetails" || d.RecoveryState != "Successful" {
		t.Fatalf("recovery answer = %+v %s", m, body)
	}
	var got []string
	for range 3 {
		m, _ := c.read()
		got = append(got, m.MessageID)
	}
	if diff := cmp.Diff([]string{"u0", "u1", "u2"}, got); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}

	// Overflow: one more than the buffer holds makes recovery fail.
	c.ws.CloseNow()
	waitDisconnected(t, s)
	for i := range 4 {
		s.Publish(sub, env(sub, i))
	}
	c = dial(t, url+"?access_token=tok3&wsc="+wsc)
	_, body = c.read()
	var f struct{ RecoveryState, RecoveryErrorCode string }
	_ = json.Unmarshal(body, &f)
	if f.RecoveryState != "Failed" || f.RecoveryErrorCode == "" {
		t.Errorf("after overflow: %s", body)
	}
	if s.Publish(sub, env(sub, 9)) {
		t.Error("the failed session's subscription still receives")
	}
	want := fakewsg.Stats{Connections: 3, Recovered: 1, RecoveryFailed: 1, Sent: 3, Buffered: 7}
	if diff := cmp.Diff(want, s.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestUnknownSessionAndErrors(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{Authorize: func(tok string) (any, bool) { return nil, tok == "good" }})
	ctx := context.Background()
	_, resp, err := websocket.Dial(ctx, url+"?access_token=bad", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %v %v", resp, err)
	}
	c := dial(t, url+"?access_token=good&wsc=nope")
	_, body := c.read()
	if !strings.Contains(string(body), `"recoveryState":"Failed"`) {
		t.Errorf("unknown wsc: %s", body)
	}
	s.SendError("WSG-903")
	m, body := c.read()
	if m.Type != "Error" || !strings.Contains(string(body), "WSG-903") {
		t.Errorf("error frame = %+v %s", m, body)
	}
	_, _, err = c.ws.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after the Error frame: %v, want a close", err)
	}
}

func TestCloseEndsEverything(t *testing.T) {
	leakcheck.Check(t)
	s, url := serve(t, fakewsg.Config{PingInterval: 10 * time.Millisecond})
	c, _, _ := subscribe(t, url)
	done := make(chan error, 1)
	go func() { _, _, err := c.ws.Read(context.Background()); done <- err }() // answers pings
	time.Sleep(50 * time.Millisecond)
	s.Close()
	s.Close()
	if err := <-done; err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("read after Close = %v", err)
	}
}

func waitDisconnected(t *testing.T, s *fakewsg.Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		connected := false
		for _, x := range s.Sessions() {
			connected = connected || x.Connected
		}
		if !connected {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("still connected")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
