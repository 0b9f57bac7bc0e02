package pubnub

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/ringwatch/ringwatch"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
	"github.com/ringwatch/ringwatch/internal/testkit/fixture"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport"
)

var filters = []subscription.Filter{"/restapi/v1.0/account/~/extension/~/presence?detailedTelephonyState=true"}

func open(t *testing.T, e *env, opts ...Option) (*Transport, *fakeSink) {
	t.Helper()
	tr := e.transport(opts...)
	s := newSink()
	if err := tr.Open(context.Background(), filters, s); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) }) // after a failure too
	return tr, s
}

func closeAndCheck(t *testing.T, e *env, tr *Transport, before int) {
	t.Helper()
	if err := tr.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if live := e.api.live(); len(live) != 0 {
		t.Errorf("subscriptions left after Close: %v", live)
	}
	if n, max := readQueues()-before, int(tr.Stats().Instances); n > max {
		t.Errorf("%d ReadQueue goroutines left, want at most %d (one per SDK instance)", n, max)
	}
}

func TestReceiveEncryptedAndPlain(t *testing.T) {
	e := newEnv(t)
	before := readQueues()
	tr, s := open(t, e)
	s.waitState(t, transport.Connected, 1)

	// The SDK's logger is the discard one it makes itself for a nil
	// Config.Log: it would print the keys otherwise.
	if w := tr.sess.pn.Config.Log.Writer(); w != io.Discard {
		t.Errorf("SDK logger writes to %T, want io.Discard", w)
	}
	want := []subscription.CreateRequest{{
		EventFilters: filters,
		DeliveryMode: subscription.DeliveryMode{TransportType: "PubNub", Encryption: true},
	}}
	if diff := cmp.Diff(want, e.api.creates); diff != "" {
		t.Errorf("create requests (-want +got):\n%s", diff)
	}

	e.publish(t, "sub-1", envelope("enc-1"))
	// A plain JSON object on the same channel (an unencrypted subscription).
	e.pn.Publish("channel-1", map[string]any{"uuid": "plain-1", "body": map[string]any{"extensionId": 402853446008, "sequence": 7}})
	got := s.waitMessages(t, 2)
	slices.Sort(got) // the SDK does not keep the order
	wantMsgs := []string{`{"body":{"extensionId":402853446008,"sequence":7},"uuid":"plain-1"}`, envelope("enc-1")}
	if diff := cmp.Diff(wantMsgs, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	subs := e.subscribes()
	if len(subs) == 0 || subs[0].Query.Get("uuid") != "rw-test" || !strings.Contains(subs[0].Path, "/sub-c-test/channel-1/") {
		t.Errorf("first subscribe request = %+v", subs)
	}
	// Subscribed from PubNub's time taken before the subscription was
	// created, so nothing published before the first poll is missed.
	if tt := subs[len(subs)-1].Query.Get("tt"); tt == "" || tt == "0" {
		t.Errorf("polls carry tt=%q", tt)
	}
	closeAndCheck(t, e, tr, before)
	if diff := cmp.Diff([]transport.StateKind{transport.Connected}, s.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	if st := tr.Stats(); st.Delivered != 2 || st.Dropped != 0 || st.Instances != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestFixtureVector(t *testing.T) {
	var v struct {
		Key, Ciphertext, PlaintextRaw string
	}
	if err := json.Unmarshal(fixture.Read(t, "rcjs-subscriptions-deprecated-encrypted-presence-1.json"), &struct {
		Key          *string `json:"encryptionKey"`
		Ciphertext   *string `json:"ciphertext"`
		PlaintextRaw *string `json:"plaintextRaw"`
	}{&v.Key, &v.Ciphertext, &v.PlaintextRaw}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.api.key = v.Key
	tr, s := open(t, e)
	s.waitState(t, transport.Connected, 1)
	// A message that is not valid ciphertext is skipped, and counted.
	e.pn.Publish("channel-1", "bm90IGEgYmxvY2s=")
	e.pn.Publish("channel-1", v.Ciphertext)
	got := s.waitMessages(t, 1)
	if diff := cmp.Diff([]string{v.PlaintextRaw}, got); diff != "" {
		t.Errorf("decrypted (-want +got):\n%s", diff)
	}
	s.waitFor(t, "dropped count", func() bool { return tr.Stats().Dropped == 1 })
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDecrypt(t *testing.T) {
	var f struct {
		Key  string `json:"encryptionKey"`
		CT   string `json:"ciphertext"`
		Want string `json:"plaintextRaw"`
	}
	if err := json.Unmarshal(fixture.Read(t, "rcjs-subscriptions-deprecated-encrypted-presence-1.json"), &f); err != nil {
		t.Fatal(err)
	}
	got, err := Decrypt(f.Key, f.CT)
	if err != nil || string(got) != f.Want {
		t.Fatalf("Decrypt = %q, %v", got, err)
	}
	for _, bad := range []string{"", "!!", f.CT[:len(f.CT)-4] + "AAA="} {
		if _, err := Decrypt(f.Key, bad); !errors.Is(err, ErrDecrypt) {
			t.Errorf("Decrypt(%q) err = %v, want ErrDecrypt", bad, err)
		}
	}
}

func TestPoll5xxResumesFromTimetoken(t *testing.T) {
	e := newEnv(t)
	before := readQueues()
	tr, s := open(t, e, WithReconnectBackoff(300*time.Millisecond, time.Second))
	s.waitState(t, transport.Connected, 1)
	e.publish(t, "sub-1", envelope("m1"))
	s.waitMessages(t, 1)

	e.pn.FailNextPoll(502)
	s.waitState(t, transport.Reconnecting, 1)
	// Published while the transport waits to re-subscribe.
	tt2 := e.publish(t, "sub-1", envelope("m2"))
	s.waitState(t, transport.Recovered, 1)
	s.waitMessages(t, 2)
	e.publish(t, "sub-1", envelope("m3"))
	got := s.waitMessages(t, 3)

	if diff := cmp.Diff([]string{envelope("m1"), envelope("m2"), envelope("m3")}, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	// The poll after the re-subscription's handshake resumed before m2.
	var failedAt, resumed int = -1, -1
	subs := e.subscribes()
	for i, r := range subs {
		if r.Status == 502 {
			failedAt = i
		}
		if failedAt >= 0 && i > failedAt && r.Query.Get("tt") != "" && resumed < 0 {
			resumed = i
		}
	}
	if failedAt < 0 || resumed < 0 {
		t.Fatalf("no failed poll followed by a resumed one: %+v", subs)
	}
	if tt, _ := strconv.ParseInt(subs[resumed].Query.Get("tt"), 10, 64); tt >= tt2 {
		t.Errorf("resumed from tt %d, not before m2's %d", tt, tt2)
	}
	closeAndCheck(t, e, tr, before)
	wantKinds := []transport.StateKind{transport.Connected, transport.Reconnecting, transport.Recovered}
	if diff := cmp.Diff(wantKinds, s.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	st := s.stateList()[1]
	var se *StatusError
	if st.Attempt != 1 || !errors.As(st.Err, &se) || se.Category != "Disconnected Unexpectedly" {
		t.Errorf("reconnecting state = %+v", st)
	}
}

func TestRenewalChangesChannelAndKey(t *testing.T) {
	e := newEnv(t)
	before := readQueues()
	clk := newFakeClock()
	tr := e.transport()
	tr.opts.clock = clk
	s := newSink()
	if err := tr.Open(context.Background(), filters, s); err != nil {
		t.Fatal(err)
	}
	closeOnCleanup(t, tr)
	s.waitState(t, transport.Connected, 1)
	<-clk.made // the first renewal timer

	// 1. A renewal that changes nothing.
	if d := clk.fire(t); d != 899*time.Second*2/3 {
		t.Errorf("renewal set for %v, want 2/3 of 899 s", d)
	}
	// 2. A renewal that moves the subscription to another channel, with a
	// new encryption key.
	e.api.onRenew = func(i *subscription.Info) {
		i.DeliveryMode.Address = "channel-1-renewed"
		i.DeliveryMode.EncryptionKey = "AAAAAAAAAAAAAAAAAAAAAA=="
	}
	clk.fire(t)
	e.publish(t, "sub-1", envelope("after-channel-change"))
	s.waitMessages(t, 1)
	if n := tr.Stats().Instances; n != 2 {
		t.Errorf("instances after a channel change = %d, want 2 (a new channel takes a new SDK instance)", n)
	}
	// 3. A renewal with a new subscribe key: a new SDK instance.
	e.api.onRenew = func(i *subscription.Info) { i.DeliveryMode.SubscriberKey = "sub-c-other" }
	clk.fire(t)
	e.publish(t, "sub-1", envelope("after-key-change"))
	// Delivery is at least once: the new SDK instance resumes from the
	// last timetoken it was given, and may deliver the message before the
	// key change again (notify drops repeats by uuid). So wait for the new
	// message, then compare the distinct messages in order.
	s.waitFor(t, "the message after the key change", func() bool {
		return slices.Contains(s.messages(), envelope("after-key-change"))
	})
	got := distinct(s.messages())
	if diff := cmp.Diff([]string{envelope("after-channel-change"), envelope("after-key-change")}, got); diff != "" {
		t.Errorf("distinct messages (-want +got):\n%s", diff)
	}
	if n := tr.Stats().Instances; n != 3 {
		t.Errorf("instances after a key change = %d, want 3", n)
	}
	// The new instance polls the renewed channel with the new key. (The
	// old instance may still send a poll it had started before Destroy,
	// after the new one's first: the SDK's loop re-polls as soon as it
	// delivers a message, concurrently with the renewal. So the test looks
	// at the new key's polls, not at the last request overall.)
	var last *fakepubnub.Request
	s.waitFor(t, "a poll with the new key", func() bool {
		for _, r := range e.subscribes() {
			if strings.HasPrefix(r.Path, "/v2/subscribe/sub-c-other/") {
				last = &r
			}
		}
		return last != nil
	})
	if last == nil || !strings.Contains(last.Path, "/sub-c-other/channel-1-renewed/") {
		t.Errorf("last subscribe with the new key = %+v; all: %+v", last, e.subscribes())
	}
	closeAndCheck(t, e, tr, before)
	if e.api.renews != 3 {
		t.Errorf("renews = %d, want 3", e.api.renews)
	}
	if diff := cmp.Diff([]transport.StateKind{transport.Connected}, s.kinds()); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
}

func TestRenew404RecreatesWithGap(t *testing.T) {
	e := newEnv(t)
	before := readQueues()
	clk := newFakeClock()
	tr := e.transport()
	tr.opts.clock = clk
	s := newSink()
	if err := tr.Open(context.Background(), filters, s); err != nil {
		t.Fatal(err)
	}
	closeOnCleanup(t, tr)
	s.waitState(t, transport.Connected, 1)
	<-clk.made
	opened := time.Now()

	e.api.expire("sub-1")
	clk.fire(t)
	s.waitState(t, transport.Gap, 1)
	if tr.SubscriptionID() != "sub-2" {
		t.Fatalf("subscription = %q, want sub-2", tr.SubscriptionID())
	}
	e.publish(t, "sub-2", envelope("after-recreate"))
	// At least once: after a re-subscribe pubnub/go may poll twice and
	// announce the message twice (notify drops the repeat by uuid).
	got := distinct(s.waitMessages(t, 1))
	if diff := cmp.Diff([]string{envelope("after-recreate")}, got); diff != "" {
		t.Errorf("distinct messages (-want +got):\n%s", diff)
	}
	closeAndCheck(t, e, tr, before)

	states := s.stateList()
	if diff := cmp.Diff([]transport.StateKind{transport.Connected, transport.Resubscribed, transport.Gap}, s.kinds()); diff != "" {
		t.Fatalf("states (-want +got):\n%s", diff)
	}
	gap := states[2]
	if gap.SubscriptionID != "sub-2" || gap.Since.After(opened) || gap.Until.Before(gap.Since) || states[1].Reason != "expired" {
		t.Errorf("resubscribed %+v, gap %+v", states[1], gap)
	}
	if diff := cmp.Diff([]string{"sub-2"}, e.api.deletes); diff != "" {
		t.Errorf("deletes (-want +got):\n%s", diff)
	}
}

func TestRecreateFailsForGood(t *testing.T) {
	e := newEnv(t)
	clk := newFakeClock()
	tr := e.transport()
	tr.opts.clock = clk
	s := newSink()
	if err := tr.Open(context.Background(), filters, s); err != nil {
		t.Fatal(err)
	}
	closeOnCleanup(t, tr)
	<-clk.made
	e.api.expire("sub-1")
	e.api.mu.Lock()
	e.api.createErr = &ringwatch.APIError{StatusCode: 403, Code: "SUB-505", Message: "Subscriptions limit exceeded"}
	e.api.mu.Unlock()
	clk.fireNoWait(t)
	s.waitFor(t, "Fail", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.err != nil })
	var ae *ringwatch.APIError
	if !errors.As(s.err, &ae) || ae.Code != "SUB-505" {
		t.Errorf("Fail(%v)", s.err)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Errorf("Close after Fail: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	e := newEnv(t)
	e.api.createErr = &ringwatch.APIError{StatusCode: 429, RetryAfter: time.Second}
	tr := e.transport()
	err := tr.Open(context.Background(), filters, newSink())
	if !errors.Is(err, subscription.ErrRateLimited) {
		t.Fatalf("Open err = %v, want ErrRateLimited", err)
	}
	e.api.createErr = nil
	e.api.subKey = "" // an answer without a PubNub delivery mode
	if err := tr.Open(context.Background(), filters, newSink()); !errors.Is(err, ErrDeliveryMode) {
		t.Fatalf("Open err = %v, want ErrDeliveryMode", err)
	}
	if live := e.api.live(); len(live) != 0 {
		t.Errorf("unusable subscription not deleted: %v", live)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := tr.Open(context.Background(), filters, newSink()); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Open after Close = %v, want ErrClosed", err)
	}
	if n := tr.Stats().Instances; n != 0 {
		t.Errorf("instances = %d, want 0", n)
	}
}

// distinct returns ms without repeats, in order: the transport delivers at
// least once, and the tests check what arrived, not how often.
func distinct(ms []string) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}
