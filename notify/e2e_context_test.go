package notify_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// TestE2ESubscribeContextEndRemovesSubscription runs the natural program
// against the fake platform: one context given to Subscribe and a
// deferred Close. Cancelling the context (Ctrl-C) closes Events, and the
// RingCentral subscription is removed from the platform.
func TestE2ESubscribeContextEndRemovesSubscription(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))

	ctx, cancel := context.WithCancel(t.Context()) // signal.NotifyContext in a program
	defer cancel()
	sub, err := notify.Subscribe(ctx, websocket.New(rc),
		[]subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)},
		notify.WithCallTracking(notify.ResyncREST(rc)), notify.WithCloseTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	defer sub.Close()
	if n := len(p.Subscriptions()); n != 1 {
		t.Fatalf("platform has %d subscriptions after Subscribe, want 1", n)
	}

	cancel()
	timeout := time.After(10 * time.Second)
	for open := true; open; {
		select {
		case _, open = <-sub.Events():
		case <-timeout:
			t.Fatal("Events still open 10 s after the context ended")
		}
	}
	if err := sub.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", err)
	}
	if err := sub.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if subs := p.Subscriptions(); len(subs) != 0 {
		t.Errorf("platform still has %d subscription(s) after Close: %+v", len(subs), subs)
	}
}
