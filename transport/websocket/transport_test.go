package websocket

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/fakewsg"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/transport"
)

func TestSubscribeAndReceive(t *testing.T) {
	leakcheck.Check(t)
	g := newGateway(t, fakewsg.Config{})
	sink := newFakeSink()
	tr := g.open(t, sink)
	sub := tr.SubscriptionID()
	if sub == "" {
		t.Fatal("no subscription id after Open")
	}
	if diff := cmp.Diff([]transport.StateKind{transport.Connected}, sink.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	for i := range 5 {
		if !g.Publish(sub, envelope(sub, i)) {
			t.Fatalf("publish %d: no session holds %s", i, sub)
		}
	}
	sink.waitDelivered(t, 5)
	if diff := cmp.Diff(seqUUIDs(0, 5), sink.uuids()); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	reqs := g.Requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/restapi/v1.0/subscription/" {
		t.Fatalf("requests = %+v", reqs)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	reqs = g.Requests()
	if got := reqs[len(reqs)-1]; got.Method != "DELETE" || got.Path != "/restapi/v1.0/subscription/"+sub {
		t.Errorf("last request = %s %s, want DELETE of the subscription", got.Method, got.Path)
	}
	if ids := g.ActiveSubscriptions(); len(ids) != 0 {
		t.Errorf("subscriptions left after Close: %v", ids)
	}
}
