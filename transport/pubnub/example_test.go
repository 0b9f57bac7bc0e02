package pubnub_test

import (
	"context"
	"fmt"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"

	"github.com/ringwatch/ringwatch/transport/pubnub"
)

// Decrypt turns one RingCentral PubNub message into its notification
// envelope, for programs that run their own PubNub client.
func ExampleDecrypt() {
	key := "e0bMTqmumPfFUbwzppkSbA==" // deliveryMode.encryptionKey
	msg := "gkw8EU4G1SDVa2/hrlv6+0ViIxB7N1i1z5MU/Hu2xkIKzH6yQzhr3vIc27IAN558kTOkacqE5DkLpRdnN1orwtIBsUHmPMkMWTOLDzVr6eRk+2Gcj2Wft7ZKrCD+FCXlKYIoa98tUD2xvoYnRwxiE2QaNywl8UtjaqpTk1+WDImBrt6uabB1WICY/qE0It3DqQ6vdUWISoTfjb+vT5h9kfZxWYUP4ykN2UtUW1biqCjj1Rb6GWGnTx6jPqF77ud0XgV1rk/Q6heSFZWV/GP23/iytDPK1HGJoJqXPx7ErQU="
	envelope, err := pubnub.Decrypt(key, msg)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(envelope))
	// Output: {"timestamp":"2014-03-12T20:47:54.712+0000","body":{"extensionId":402853446008,"telephonyStatus":"OnHold"},"event":"/restapi/v1.0/account/~/extension/402853446008/presence","uuid":"db01e7de-5f3c-4ee5-ab72-f8bd3b77e308"}
}

// A PubNub subscription against the fake platform. Outside tests the
// origin is left at its default.
func Example_subscribe() {
	p := notifytest.NewPlatform()
	defer p.Close()
	owner := p.Owner().ID
	cfg := p.Config()
	rc := ringwatch.NewClient(cfg)

	tr := pubnub.New(rc, pubnub.WithOrigin(p.PubNubOrigin(), false))
	sub, err := notify.Subscribe(context.Background(), tr,
		[]subscription.Filter{subscription.ExtensionPresence(owner, subscription.Detailed())})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *notify.Connected:
			fmt.Println("connected over", ev.Transport)
			_, _ = p.Publish(context.Background(), "/restapi/v1.0/account/~/extension/"+owner+"/presence",
				presence.Event{ExtensionID: owner, TelephonyStatus: presence.Ringing, Sequence: 1})
		case *notify.PresenceEvent:
			fmt.Println("extension", ev.Body.ExtensionID == owner, ev.Body.TelephonyStatus)
			return
		}
	}
	// Output:
	// connected over pubnub
	// extension true Ringing
}
