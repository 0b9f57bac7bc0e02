package pubnub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ringwatch/ringwatch/internal/leakcheck"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/pubnub"
)

// restAPI is a minimal Subscription API client for the platform, standing
// in for subscription.Client in these tests.
type restAPI struct {
	base, token string
	hc          *http.Client
}

func newRestAPI(p *notifytest.Platform) *restAPI {
	tok, _ := p.AccessToken(p.Owner().ID)
	return &restAPI{base: p.URL() + "/restapi/v1.0/subscription", token: tok, hc: p.HTTPClient()}
}

func (a *restAPI) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct {
			ErrorCode string `json:"errorCode"`
			Message   string `json:"message"`
		}
		_ = json.Unmarshal(b, &e)
		return &subscription.APIError{StatusCode: resp.StatusCode, Code: e.ErrorCode, Message: e.Message, Method: method, Path: req.URL.Path}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (a *restAPI) Create(ctx context.Context, req subscription.CreateRequest) (*subscription.Info, error) {
	var info subscription.Info
	return &info, a.do(ctx, http.MethodPost, "", req, &info)
}

func (a *restAPI) Renew(ctx context.Context, id string) (*subscription.Info, error) {
	var info subscription.Info
	return &info, a.do(ctx, http.MethodPost, "/"+id+"/renew", nil, &info)
}

func (a *restAPI) Delete(ctx context.Context, id string) error {
	return a.do(ctx, http.MethodDelete, "/"+id, nil, nil)
}

// next returns the next event, failing the test after 10 s.
func next(t *testing.T, sub *notify.Subscription) notify.Event {
	t.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatalf("events closed: %v", sub.Err())
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return nil
}

func TestEndToEndOverPlatform(t *testing.T) {
	leakcheck.Check(t)
	p := notifytest.NewPlatform()
	t.Cleanup(p.Close)
	p.SetPubNubHoldMax(time.Second)
	owner := p.Owner().ID
	api := newRestAPI(p)

	tr := pubnub.New(api, pubnub.WithOrigin(p.PubNubOrigin(), false), pubnub.WithBackoff(200*time.Millisecond, time.Second))
	filters := []subscription.Filter{subscription.ExtensionPresence(owner, subscription.Detailed())}
	sub, err := notify.Subscribe(context.Background(), tr, filters)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Close() })
	if c, ok := next(t, sub).(*notify.Connected); !ok || c.Transport != "pubnub" {
		t.Fatalf("first event = %#v, want *notify.Connected from pubnub", c)
	}
	infos := p.Subscriptions()
	if len(infos) != 1 || infos[0].DeliveryMode.TransportType != "PubNub" || infos[0].DeliveryMode.EncryptionKey == "" {
		t.Fatalf("platform subscriptions = %+v", infos)
	}

	resource := "/restapi/v1.0/account/~/extension/" + owner + "/presence"
	publish := func(seq int64, st presence.TelephonyStatus) {
		t.Helper()
		n, err := p.Publish(context.Background(), resource, presence.Event{ExtensionID: owner, TelephonyStatus: st, Sequence: seq})
		if err != nil || n != 1 {
			t.Fatalf("Publish = %d, %v", n, err)
		}
	}
	type got struct {
		Seq    int64
		Status presence.TelephonyStatus
	}
	var events []got
	presenceEvent := func(ev notify.Event) {
		t.Helper()
		pe, ok := ev.(*notify.PresenceEvent)
		if !ok {
			t.Fatalf("event %T, want *notify.PresenceEvent", ev)
		}
		events = append(events, got{pe.Body.Sequence, pe.Body.TelephonyStatus})
	}

	publish(1, presence.Ringing)
	presenceEvent(next(t, sub))

	// A 5xx on a long-poll stops the SDK's loop for good; the transport
	// resumes from the last timetoken and PubNub replays what it missed.
	p.FailNextPubNubPoll(http.StatusBadGateway)
	if r, ok := next(t, sub).(*notify.Reconnecting); !ok || r.Attempt != 1 {
		t.Fatalf("event %#v, want *notify.Reconnecting attempt 1", r)
	}
	publish(2, presence.CallConnected) // during the outage
	var recovered int
	for len(events) < 2 {
		switch ev := next(t, sub).(type) {
		case *notify.Recovered:
			recovered++
		case *notify.Gap, *notify.Resubscribed:
			t.Fatalf("unexpected %T after a resumable failure", ev)
		default:
			presenceEvent(ev)
		}
	}
	publish(3, presence.NoCall)
	for len(events) < 3 {
		switch ev := next(t, sub).(type) {
		case *notify.Recovered:
			recovered++
		default:
			presenceEvent(ev)
		}
	}
	// The Recovered state and the replayed message race inside the SDK.
	for recovered == 0 {
		if _, ok := next(t, sub).(*notify.Recovered); ok {
			recovered++
		}
	}
	want := []got{{1, presence.Ringing}, {2, presence.CallConnected}, {3, presence.NoCall}}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("presence events (-want +got):\n%s", diff)
	}
	if recovered != 1 {
		t.Errorf("recovered events = %d, want 1", recovered)
	}
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	if left := p.Subscriptions(); len(left) != 0 {
		t.Errorf("subscriptions left after Close: %+v", left)
	}
}
