package pubnub_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/telephony"
	"github.com/ringwatch/ringwatch/transport/pubnub"
)

// faultRow is one line of the fault table: what was published and what
// the subscriber saw.
type faultRow struct {
	fault                                  string
	published, delivered, duplicated, gaps int
}

// silentLoss is what was published but neither delivered nor covered by a
// Gap event.
func (r faultRow) silentLoss() int {
	if r.gaps > 0 {
		return 0
	}
	return r.published - r.delivered
}

// TestFaultTable injects each fault the fake platform offers for PubNub,
// publishes sessions before, during and after it, and counts what the
// subscriber got: no silent loss is allowed.
func TestFaultTable(t *testing.T) {
	type fault struct {
		name  string
		opts  []pubnub.Option
		setup func(p *notifytest.Platform) // before Subscribe
		fire  func(t *testing.T, p *notifytest.Platform) (wait func())
	}
	renewals := func(p *notifytest.Platform) int {
		n := 0
		for _, r := range p.Requests() {
			if strings.HasSuffix(r.Path, "/renew") {
				n++
			}
		}
		return n
	}
	waitFor := func(t *testing.T, what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s within 10 s", what)
			}
		}
	}
	faults := []fault{
		{name: "502 on the long-poll, then resume", fire: func(t *testing.T, p *notifytest.Platform) func() {
			p.FailNextPubNubPoll(http.StatusBadGateway)
			return func() {}
		}},
		{name: "429 on create (Retry-After)", setup: func(p *notifytest.Platform) {
			p.FailNext(http.MethodPost, "/restapi/v1.0/subscription", http.StatusTooManyRequests, "1", 1)
		}, fire: func(*testing.T, *notifytest.Platform) func() { return func() {} }},
		{name: "token expiry at renewal (401 OAU-128, refresh)", opts: []pubnub.Option{pubnub.WithExpiresIn(3 * time.Second)},
			fire: func(t *testing.T, p *notifytest.Platform) func() {
				p.ResetRequests()
				p.ExpireTokens()
				return func() {
					waitFor(t, "renewal with a refreshed token", func() bool {
						s := sentAfterExpiry(p)
						return len(s) >= 3 && s[2] == "renew with token 2"
					})
				}
			}},
		{name: "renewal changing the subscribe key (new SDK instance)", opts: []pubnub.Option{pubnub.WithExpiresIn(6 * time.Second)},
			fire: func(t *testing.T, p *notifytest.Platform) func() {
				subs := p.Subscriptions()
				if len(subs) != 1 {
					t.Fatalf("subscriptions = %+v", subs)
				}
				info := subs[0]
				info.DeliveryMode.SubscriberKey = "sub-c-renewed-" + info.ID
				body, err := json.Marshal(info)
				if err != nil {
					t.Fatal(err)
				}
				before := renewals(p)
				p.InjectFault(notifytest.Fault{Method: http.MethodPost, PathPrefix: "/restapi/v1.0/subscription/" + info.ID + "/renew",
					Status: http.StatusOK, Body: body})
				return func() { waitFor(t, "renewal", func() bool { return renewals(p) > before }) }
			}},
	}
	var table []faultRow
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			leakcheck.Check(t)
			p := notifytest.NewPlatform()
			t.Cleanup(p.Close)
			p.SetPubNubHoldMax(time.Second)
			if f.setup != nil {
				f.setup(p)
			}
			sub := subscribeOwner(t, p, platformAPI(p, &fakeSleep{}), f.opts...)
			row := faultRow{fault: f.name}
			seen := map[string]int{}
			publish := func() {
				row.published++
				publishSession(t, p, fmt.Sprintf("s-%d", row.published), telephony.Setup)
			}
			publish() // before
			wait := f.fire(t, p)
			publish() // during
			publish()
			wait()
			publish() // after
			publish()
			timeout := time.After(10 * time.Second)
		collect:
			for len(seen) < row.published {
				select {
				case ev, ok := <-sub.Events():
					if !ok {
						break collect
					}
					switch e := ev.(type) {
					case *notify.TelephonyEvent:
						seen[e.Body.TelephonySessionID]++
					case *notify.Gap:
						row.gaps++
					}
				case <-timeout:
					break collect
				}
			}
			// Anything late (a duplicate) arrives within a poll.
			for drain := time.After(300 * time.Millisecond); ; {
				select {
				case ev := <-sub.Events():
					switch e := ev.(type) {
					case *notify.TelephonyEvent:
						seen[e.Body.TelephonySessionID]++
					case *notify.Gap:
						row.gaps++
					}
					continue
				case <-drain:
				}
				break
			}
			row.delivered = len(seen)
			for _, n := range seen {
				row.duplicated += n - 1
			}
			table = append(table, row)
			if l := row.silentLoss(); l != 0 {
				t.Errorf("%s: %d published, %d delivered, no Gap: %d lost silently", f.name, row.published, row.delivered, l)
			}
			closeAndCheckGone(t, p, sub)
		})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-55s %9s %9s %10s %4s %12s\n", "PubNub fault", "published", "delivered", "duplicated", "Gap", "silent loss")
	for _, r := range table {
		fmt.Fprintf(&b, "%-55s %9d %9d %10d %4d %12d\n", r.fault, r.published, r.delivered, r.duplicated, r.gaps, r.silentLoss())
	}
	t.Log(b.String())
}
