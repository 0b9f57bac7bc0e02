package websocket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

func TestHeartbeatAfterSilence(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink, WithHeartbeat(40*time.Millisecond))
	sink.waitFor(t, "heartbeats", func() bool { return g.Stats().Heartbeats >= 3 })
	// Answered heartbeats keep the connection.
	if diff := cmp.Diff([]transport.StateKind{transport.Connected}, sink.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if st := g.Stats(); st.Connections != 1 {
		t.Errorf("connections = %d, want 1", st.Connections)
	}
	// Unanswered, they make the transport reconnect (and recover).
	g.MuteHeartbeats(true)
	sink.waitFor(t, "Reconnecting", func() bool { return sink.countKind(transport.Reconnecting) >= 1 })
	g.MuteHeartbeats(false)
	sink.waitFor(t, "Recovered", func() bool { return sink.countKind(transport.Recovered) >= 1 })
	if st := sink.stateList()[1]; !errors.Is(st.Err, ErrHeartbeatTimeout) {
		t.Errorf("Reconnecting cause = %v, want ErrHeartbeatTimeout", st.Err)
	}
	sub := tr.SubscriptionID()
	publishAll(t, g, sub, 0, 1)
	sink.waitDelivered(t, 1)
}

func TestFrameTypesAreCaseInsensitive(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	sub := tr.SubscriptionID()
	g.SendRaw(fmt.Appendf(nil, `[{"type":"SERVERNOTIFICATION","messageId":"n-0"},%s]`, envelope(sub, 0)))
	sink.waitDelivered(t, 1)
	g.SendRaw([]byte(`[{"type":"ERROR","messageId":"x","status":400},{"errorCode":"WSG-903","message":"Absolute timeout expired"}]`))
	sink.waitFor(t, "Recovered", func() bool { return sink.countKind(transport.Recovered) == 1 })
	var ge *GatewayError
	if st := sink.stateList()[1]; st.Kind != transport.Reconnecting || !errors.As(st.Err, &ge) || ge.Code != "WSG-903" {
		t.Errorf("state after ERROR frame = %+v", st)
	}
}

func TestMalformedFramesAreSkipped(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	sub := tr.SubscriptionID()
	junk := []string{
		`not json`, `{}`, `[]`, `[null]`, `[{"type":5}]`, `[1,2]`, `"str"`,
		`[{"type":"ServerNotification"},"a string"]`,
		`[{"type":"ServerNotification"},{"uuid":`,
		`[{"type":"ServerNotification"}]`,
		`[{"type":"ServerNotification"},{"uuid":"x","subscriptionId":{}}]`,
		`[{"type":"Mystery"},{}]`,
		`[{"type":"ClientRequest","messageId":"nobody-asked","status":200},{}]`,
		`[{"type":"Error","messageId":"m"},{"errorCode":"WSG-999","message":"other"}]`,
		`[{"type":"ServerNotification","messageId":"m"},--Boundary_x\r\n\r\nnot json]`,
	}
	for _, j := range junk {
		g.SendRaw([]byte(j))
	}
	// Another subscription's notification is not ours; one without a
	// subscriptionId is; so is a multipart one.
	g.SendRaw(fmt.Appendf(nil, `[{"type":"ServerNotification"},%s]`, envelope("someone-else", 100)))
	g.SendRaw(fmt.Appendf(nil, `[{"type":"ServerNotification"},%s]`, envelope("", 0)))
	g.SendRaw(fmt.Appendf(nil, "[{\"type\":\"ServerNotification\",\"messageId\":\"n-1\"},--Boundary_1\r\nContent-Type: application/json\r\n\r\n%s\r\n--Boundary_1--]", envelope(sub, 1)))
	publishAll(t, g, sub, 2, 3)
	sink.waitDelivered(t, 3)
	if diff := cmp.Diff(seqUUIDs(0, 3), sink.uuids()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]transport.StateKind{transport.Connected}, sink.kinds()); diff != "" {
		t.Errorf("a malformed frame changed the connection (-want +got):\n%s", diff)
	}
}

func TestLargeNotification(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	sub := tr.SubscriptionID()
	pad := strings.Repeat("x", 100<<10)
	env := fmt.Appendf(nil, `{"uuid":"big","event":"/restapi/v1.0/account/1/extension/2/presence","subscriptionId":%q,"body":{"pad":%q}}`, sub, pad)
	g.Publish(sub, env)
	sink.waitDelivered(t, 1)
	sink.mu.Lock()
	got := sink.delivered[0]
	sink.mu.Unlock()
	if !bytes.Equal(got, env) {
		t.Errorf("delivered %d bytes, want the %d-byte envelope verbatim", len(got), len(env))
	}
}

func TestTokenRefusedWhileReconnecting(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	g.setRefuse(3)
	g.Drop("")
	sink.waitFor(t, "Recovered", func() bool { return sink.countKind(transport.Recovered) == 1 })
	var attempts []int
	for _, st := range sink.stateList() {
		if st.Kind == transport.Reconnecting {
			attempts = append(attempts, st.Attempt)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4}, attempts); diff != "" {
		t.Errorf("attempts (-want +got):\n%s", diff)
	}
	if st := sink.stateList()[2]; !errors.Is(st.Err, subscription.ErrUnauthorized) {
		t.Errorf("attempt 2 cause = %v, want ErrUnauthorized", st.Err)
	}
	publishAll(t, g, tr.SubscriptionID(), 0, 1)
	sink.waitDelivered(t, 1)
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	g.open(t, sink, WithMaxAttempts(2))
	g.setRefuse(10)
	g.Drop("")
	sink.waitFor(t, "Fail", func() bool {
		sink.mu.Lock()
		defer sink.mu.Unlock()
		return sink.failed != nil
	})
	if err := sink.failed; !errors.Is(err, subscription.ErrUnauthorized) {
		t.Errorf("Fail(%v), want ErrUnauthorized", err)
	}
	if n := sink.countKind(transport.Reconnecting); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestOpenFailures(t *testing.T) {
	filters := []subscription.Filter{subscription.AccountTelephonySessions()}
	t.Run("error frame first", func(t *testing.T) {
		leakcheck.Check(t)
		g := newGateway(t, fakewsg.Config{})
		g.setPath("/ws-error")
		tr := newWithClient(g.srv.URL, g.client(t), WithDialClient(&http.Client{Transport: g.plain(t)}))
		err := tr.Open(context.Background(), filters, newFakeSink())
		var ge *GatewayError
		if !errors.As(err, &ge) || ge.Code != "WSG-401" || ge.Status != 401 {
			t.Fatalf("Open = %v, want the gateway's WSG-401", err)
		}
		if err := tr.Close(context.Background()); err != nil {
			t.Errorf("Close after a failed Open: %v", err)
		}
	})
	t.Run("subscription refused", func(t *testing.T) {
		leakcheck.Check(t)
		g := newGateway(t, fakewsg.Config{ErrorFrames: true, Handle: func(context.Context, fakewsg.Request) fakewsg.Response {
			return fakewsg.Response{Status: 400, Body: []byte(`{"errorCode":"SUB-406","message":"Event filters are not supported"}`)}
		}})
		tr := newWithClient(g.srv.URL, g.client(t), WithDialClient(&http.Client{Transport: g.plain(t)}))
		defer tr.Close(context.Background())
		err := tr.Open(context.Background(), filters, newFakeSink())
		var ae *ringwatch.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("Open = %v, want an APIError", err)
		}
		want := &ringwatch.APIError{StatusCode: 400, Code: "SUB-406", Message: "Event filters are not supported", Method: "POST", Path: "/restapi/v1.0/subscription/"}
		if diff := cmp.Diff(want, ae); diff != "" {
			t.Errorf("error (-want +got):\n%s", diff)
		}
	})
	t.Run("no token", func(t *testing.T) {
		leakcheck.Check(t)
		g := newGateway(t, fakewsg.Config{})
		g.setRefuse(10)
		tr := newWithClient(g.srv.URL, g.client(t), WithOpenAttempts(2), WithBackoffFunc(noWait))
		err := tr.Open(context.Background(), filters, newFakeSink())
		if !errors.Is(err, subscription.ErrUnauthorized) {
			t.Fatalf("Open = %v, want ErrUnauthorized", err)
		}
		if g.tokens != 0 || len(g.bearers) != 2 {
			t.Errorf("%d tokens, %d requests; want 0 and 2 (401 retried once)", g.tokens, len(g.bearers))
		}
	})
	t.Run("dial errors hold no token", func(t *testing.T) {
		leakcheck.Check(t)
		g := newGateway(t, fakewsg.Config{})
		g.setPath("/nowhere")
		tr := newWithClient(g.srv.URL, g.client(t), WithOpenAttempts(1), WithDialClient(&http.Client{Transport: g.plain(t)}))
		err := tr.Open(context.Background(), filters, newFakeSink())
		var de *DialError
		if !errors.As(err, &de) || de.StatusCode != http.StatusNotFound {
			t.Fatalf("Open = %v, want a DialError with 404", err)
		}
		if strings.Contains(err.Error(), "wstok") || strings.Contains(err.Error(), "access_token") {
			t.Errorf("error leaks the token: %v", err)
		}
	})
	t.Run("closed", func(t *testing.T) {
		tr := newWithClient("http://127.0.0.1:1", nil)
		if err := tr.Close(context.Background()); err != nil {
			t.Fatalf("Close before Open: %v", err)
		}
		if err := tr.Open(context.Background(), filters, newFakeSink()); !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Open after Close = %v, want ErrClosed", err)
		}
		if err := tr.Close(context.Background()); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}
