package notifytest_test

import (
	"context"
	"testing"

	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
)

// TestPublishDNDAndQueuePresence: the fake platform accepts the DND and the
// agent's call-queue presence filters, delivers what is published to them,
// and the notifications decode to *notify.DNDEvent and
// *notify.QueuePresenceEvent.
func TestPublishDNDAndQueuePresence(t *testing.T) {
	p, _ := start(t)
	alice := token(t, p, "230000101")
	hook := newHookSink(t)
	create(t, p, alice, webhookReq(hook.srv.URL, 0,
		subscription.DNDPresence(""), subscription.ExtensionCallQueuePresence("")))

	ctx := context.Background()
	dnd := presence.DNDEvent{ExtensionID: "230000101", DNDStatus: presence.DoNotAcceptAnyCalls}
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000101/presence/dnd", dnd); err != nil || n != 1 {
		t.Fatalf("Publish DND = %d, %v; want 1", n, err)
	}
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000102/presence/dnd", dnd); err != nil || n != 0 {
		t.Fatalf("Publish another extension's DND = %d, %v; want 0", n, err)
	}
	queue := presence.QueueEvent{ExtensionID: "230000101", CallQueueID: "230000900", AcceptCalls: true}
	if n, err := p.Publish(ctx, "/restapi/v1.0/account/~/extension/230000101/call-queues/presence", queue); err != nil || n != 1 {
		t.Fatalf("Publish queue presence = %d, %v; want 1", n, err)
	}

	got := hook.wait(t, 2)
	d, ok := got[0].event.(*notify.DNDEvent)
	if !ok || d.Body != dnd || d.Event != "/restapi/v1.0/account/230000001/extension/230000101/presence/dnd" {
		t.Errorf("first notification = %#v, want a *notify.DNDEvent of %+v", got[0].event, dnd)
	}
	q, ok := got[1].event.(*notify.QueuePresenceEvent)
	if !ok || q.Body != queue || q.Event != "/restapi/v1.0/account/230000001/extension/230000101/call-queues/presence" {
		t.Errorf("second notification = %#v, want a *notify.QueuePresenceEvent of %+v", got[1].event, queue)
	}
}
