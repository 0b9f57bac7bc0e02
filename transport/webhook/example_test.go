package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/presence"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// Receive RingCentral's notifications through a webhook with
// notify.Subscribe, here against the fake platform of notifytest.
func Example() {
	ctx := context.Background()
	platform := notifytest.NewPlatform()
	defer platform.Close()

	// The Transport needs the public address RingCentral posts to; its
	// Handler must be served there before Subscribe, which creates the
	// subscription (RingCentral checks the address while it does).
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	rc := ringwatch.NewClient(platform.Config())
	tr := webhook.New(rc, srv.URL+"/ringcentral")
	mux.Handle("POST /ringcentral", tr.Handler())

	sub, err := notify.Subscribe(ctx, tr, []subscription.Filter{subscription.ExtensionPresence("", subscription.Detailed())})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sub.Close()

	_, _ = platform.Publish(ctx, "/restapi/v1.0/account/~/extension/~/presence",
		presence.Event{TelephonyStatus: presence.Ringing, Sequence: 1})
	for ev := range sub.Events() {
		switch ev := ev.(type) {
		case *notify.Connected:
			fmt.Println("connected over", ev.Transport)
		case *notify.PresenceEvent:
			fmt.Println("presence:", ev.Body.TelephonyStatus)
			return
		}
	}
	// Output:
	// connected over webhook
	// presence: Ringing
}

// A Handler on your own router: it answers the handshake and queues the
// notifications that carry the verification token.
func ExampleNewHandler() {
	h := webhook.NewHandler("my-verification-token")

	handshake := httptest.NewRequest(http.MethodPost, "/hook", nil)
	handshake.Header.Set("Validation-Token", "challenge-1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, handshake)
	fmt.Println("handshake:", w.Code, w.Header().Get("Validation-Token"))

	note := `{"uuid":"1","event":"/restapi/v1.0/account/~/extension/1/presence","timestamp":"2024-01-01T00:00:00Z","body":{"telephonyStatus":"Ringing"}}`
	r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(note))
	r.Header.Set("Verification-Token", "my-verification-token")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println("notification:", w.Code)

	m := <-h.Messages()
	ev, _ := notify.Decode(m.Data)
	fmt.Println(ev.(*notify.PresenceEvent).Body.TelephonyStatus)
	// Output:
	// handshake: 200 challenge-1
	// notification: 200
	// Ringing
}

// ParseRequest verifies and decodes one request inside your own handler.
func ExampleParseRequest() {
	hook := func(w http.ResponseWriter, r *http.Request) {
		ev, err := webhook.ParseRequest(r, "my-verification-token")
		if errors.Is(err, webhook.ErrHandshake) {
			webhook.WriteHandshake(w, r)
			return
		}
		if err != nil {
			fmt.Println("refused:", err)
			w.WriteHeader(webhook.StatusOf(err))
			return
		}
		w.WriteHeader(http.StatusOK)
		fmt.Printf("%T\n", ev)
	}

	note := `{"uuid":"1","event":"/restapi/v1.0/account/~/extension/1/telephony/sessions","timestamp":"2024-01-01T00:00:00Z","body":{"telephonySessionId":"s-1","parties":[]}}`
	for _, token := range []string{"my-verification-token", "a-guess"} {
		r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(note))
		r.Header.Set("Verification-Token", token)
		w := httptest.NewRecorder()
		hook(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// *notify.TelephonyEvent
	// 200
	// refused: webhook: invalid verification token
	// 401
}
