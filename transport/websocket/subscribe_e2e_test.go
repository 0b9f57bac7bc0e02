package websocket_test

import (
	"context"
	"github.com/ringwatch/ringwatch"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/websocket"
)

// Through notify.Subscribe: typed presence and telephony events, a dropped
// connection recovered with nothing lost or repeated, WSG-903, a failed
// recovery (Resubscribed and Gap, then events again), and after Close no
// goroutine and no subscription left.
func TestSubscribeEndToEnd(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	rc := ringwatch.NewClient(p.Config(), ringwatch.WithHTTPClient(&http.Client{Transport: base}))
	tr := websocket.New(rc, websocket.WithReconnectBackoff(time.Millisecond, 5*time.Millisecond))
	sub, err := notify.Subscribe(context.Background(), tr, []subscription.Filter{
		subscription.ExtensionPresence("~", subscription.Detailed()),
		subscription.ExtensionTelephonySessions("~"),
	})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(func() { _ = sub.Close() })

	owner := p.Owner().ID
	seq := int64(0)
	publish := func(n int) {
		t.Helper()
		for range n {
			seq++
			var err error
			var got int
			if seq%2 == 1 {
				got, err = p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true",
					presence.Event{ExtensionID: owner, TelephonyStatus: presence.Ringing, Sequence: seq})
			} else {
				got, err = p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/~/telephony/sessions",
					telephony.Session{TelephonySessionID: "s-1", Sequence: seq, Parties: []telephony.Party{{ID: "p-1", ExtensionID: owner, Status: telephony.Status{Code: telephony.Answered}}}})
			}
			if err != nil || got != 1 {
				t.Fatalf("Publish = %d, %v; want 1 subscription", got, err)
			}
		}
	}
	// record reads events until the predicate holds, as "presence N",
	// "telephony N" or the state event's type.
	var got []string
	read := func(done func() bool) {
		t.Helper()
		for !done() {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					t.Fatalf("events closed: %v", sub.Err())
				}
				switch ev := ev.(type) {
				case *notify.PresenceEvent:
					got = append(got, "presence "+itoa(ev.Body.Sequence))
				case *notify.TelephonyEvent:
					if ev.Body.Parties[0].Status.Code != telephony.Answered {
						t.Errorf("telephony status %s", ev.Body.Parties[0].Status.Code)
					}
					got = append(got, "telephony "+itoa(ev.Body.Sequence))
				case *notify.Connected:
					got = append(got, "connected")
				case *notify.Reconnecting:
					got = append(got, "reconnecting")
				case *notify.Recovered:
					got = append(got, "recovered")
				case *notify.Resubscribed:
					got = append(got, "resubscribed")
				case *notify.Gap:
					got = append(got, "gap")
				default:
					t.Errorf("unexpected %T", ev)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("no event within 10 s; so far %q", got)
			}
		}
	}
	events := func() int {
		n := 0
		for _, g := range got {
			if g[0] == 'p' || g[0] == 't' {
				n++
			}
		}
		return n
	}
	last := func(s string) func() bool { return func() bool { return len(got) > 0 && got[len(got)-1] == s } }

	read(last("connected"))
	publish(4)
	read(func() bool { return events() == 4 })

	p.DropWebSockets()
	publish(4) // kept by the gateway for recovery
	read(func() bool { return events() == 8 })
	if p.SendWebSocketError("WSG-903") != 1 {
		t.Fatal("SendWebSocketError found no connection")
	}
	read(func() bool { return len(got) > 0 && got[len(got)-1] == "recovered" && countOf(got, "recovered") == 2 })
	publish(2)
	read(func() bool { return events() == 10 })

	first := tr.SubscriptionID()
	p.FailNextWebSocketRecovery()
	p.DropWebSockets()
	read(last("gap"))
	publish(2)
	read(func() bool { return events() == 12 })

	want := []string{"connected", "presence 1", "telephony 2", "presence 3", "telephony 4",
		"reconnecting", "recovered", "presence 5", "telephony 6", "presence 7", "telephony 8",
		"reconnecting", "recovered", "presence 9", "telephony 10",
		"reconnecting", "resubscribed", "gap", "presence 11", "telephony 12"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if st := sub.Stats(); st.Duplicates != 0 {
		t.Errorf("subscription stats %+v, want no duplicates", st)
	}
	second := tr.SubscriptionID()
	if subs := p.Subscriptions(); len(subs) != 1 || subs[0].ID != second || second == first {
		t.Errorf("platform subscriptions %v, want only the new %s", subs, second)
	}
	if err := sub.Close(); err != nil {
		t.Fatalf("Close: %v (gateway %+v)", err, p.WebSocketStats())
	}
	if err := sub.Err(); err != nil {
		t.Errorf("Err after Close = %v", err)
	}
	if subs := p.Subscriptions(); len(subs) != 0 {
		t.Errorf("subscriptions left after Close: %v (first %s, second %s)", subs[0].ID, first, second)
	}
}

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func itoa(n int64) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
