package notifytest

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/ringwatch/ringwatch/internal/rcaes"
	"github.com/ringwatch/ringwatch/internal/testkit/fakepubnub"
)

// pubnubDeliverer publishes the notifications of PubNub subscriptions on
// the platform's own fake PubNub origin, served on the platform's listener
// (the SDK's paths /v2/… and /time/0 do not clash with the REST API's).
// Envelopes are encrypted as RingCentral does, with the subscription's
// encryptionKey (AES-128-ECB, PKCS#7, base64).
type pubnubDeliverer struct {
	srv *fakepubnub.Server
}

// installPubNub mounts the fake PubNub origin and registers the deliverer.
func (p *Platform) installPubNub() {
	d := &pubnubDeliverer{srv: fakepubnub.New()}
	p.handle("/v2/subscribe/", d.srv)
	p.handle("/v2/presence/", d.srv)
	p.handle("GET /time/0", d.srv)
	p.onClose(d.srv.Close) // releases held long-polls before the server waits for them
	p.registerDeliverer(transportPubNub, d)
}

func (d *pubnubDeliverer) deliver(_ context.Context, sub *subRecord, envelope []byte) error {
	mode := sub.mode
	if mode.EncryptionKey == "" {
		d.srv.Publish(mode.Address, json.RawMessage(envelope))
		return nil
	}
	ct, err := rcaes.EncryptString(mode.EncryptionKey, envelope)
	if err != nil {
		return err
	}
	d.srv.Publish(mode.Address, ct)
	return nil
}

func (p *Platform) pubnub() *pubnubDeliverer {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, _ := p.deliverers[transportPubNub].(*pubnubDeliverer)
	return d
}

// PubNubOrigin returns the host:port of the platform's fake PubNub origin
// (plain HTTP), to give the PubNub transport:
// pubnub.WithOrigin(p.PubNubOrigin(), false). It is empty if the platform
// failed to start.
func (p *Platform) PubNubOrigin() string {
	u, err := url.Parse(p.URL())
	if err != nil || p.pubnub() == nil {
		return ""
	}
	return u.Host
}

// FailNextPubNubPoll makes the next PubNub long-poll (including one held
// now) fail with status, such as 502: the SDK's subscribe loop stops for
// good on a 5xx, and the transport must resume by itself. Calls queue up.
func (p *Platform) FailNextPubNubPoll(status int) {
	if d := p.pubnub(); d != nil {
		d.srv.FailNextPoll(status)
	}
}

// SetPubNubHoldMax sets how long an idle PubNub long-poll is held before
// the fake answers it empty (2 s by default; real PubNub holds ~280 s).
func (p *Platform) SetPubNubHoldMax(d time.Duration) {
	if pd := p.pubnub(); pd != nil {
		pd.srv.SetHoldMax(d)
	}
}
