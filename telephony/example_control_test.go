package telephony_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/telephony"
)

// When a call rings for too long (20 s in a real policy; 100 ms here),
// forward it to voicemail. The tracker is the one a notify.Subscription
// keeps (Subscription.Calls); here it is fed by hand. Wait ends with the
// context's error while the call is still ringing; the Control then
// refuses the forward locally, with a *StateError, if the call was
// answered in between.
func ExampleControl_Forward() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/restapi/oauth/token":
			_, _ = io.WriteString(w, `{"access_token":"t","token_type":"bearer","expires_in":3600}`)
		case "/restapi/v1.0/account/~/telephony/sessions/s-1/parties/p-1/forward":
			_, _ = io.WriteString(w, `{"id":"p-1","status":{"code":"Disconnected","reason":"CallRedirected"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rc := ringwatch.NewClient(ringwatch.Config{ServerURL: srv.URL, ClientID: "id", ClientSecret: "secret", JWT: "jwt"})

	tracker := telephony.NewTracker()
	tracker.Apply(&telephony.Session{TelephonySessionID: "s-1", Sequence: 1, Parties: []telephony.Party{
		{ID: "p-1", Direction: telephony.Inbound, Status: telephony.Status{Code: telephony.Proceeding}},
	}})
	ctl := telephony.NewClient(rc).WithTracker(tracker)

	const ringFor = 100 * time.Millisecond
	ctx := context.Background()
	wctx, cancel := context.WithTimeout(ctx, ringFor)
	defer cancel()
	p, err := tracker.Wait(wctx, "s-1", "p-1", telephony.Answered, telephony.Disconnected, telephony.Gone)
	if !errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("moved on in time:", p.Status.Code, err)
		return
	}
	fwd, err := ctl.Forward(ctx, "s-1", "p-1", telephony.Target{Voicemail: "101"})
	var se *telephony.StateError
	switch {
	case errors.As(err, &se):
		fmt.Println("not forwarded:", se.State)
	case err != nil:
		fmt.Println("forward failed:", err)
	default:
		fmt.Println("forwarded:", fwd.Status.Code, fwd.Status.Reason)
	}
	// Output:
	// forwarded: Disconnected CallRedirected
}
