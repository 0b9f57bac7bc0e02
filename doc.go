// Package ringwatch tells a Go program, in real time, how the calls on a
// RingCentral account change state: ringing, answered, held, resumed,
// parked, transferred, sent to voicemail, missed, ended.
//
// It subscribes to RingCentral's telephony-session and presence
// notifications, receives them over the WebSocket Gateway, a webhook or
// (legacy) PubNub, decodes them into typed values, and keeps a model of every
// active call, so that a program ranges over the state changes themselves
// rather than re-deriving them from JSON.
//
// # Where to start
//
// Run the main example from a checkout of the repository. It needs no
// account: it starts a fake RingCentral platform and plays scripted calls on
// it (set the RC_* variables to watch real RingCentral instead).
//
//	go run ./examples/callmonitor
//
// Then write the same in four steps, as the CallStates example shows:
//
//  1. Credentials: a Config, usually from ConfigFromEnv (RC_SERVER_URL,
//     RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET, RC_USER_JWT).
//  2. An authorised client: Config.Client returns an *http.Client whose
//     tokens (JWT bearer grant, then refresh tokens) renew themselves.
//  3. A transport: transport/websocket (RingCentral's current one; nothing to
//     host), transport/webhook (RingCentral posts to your server) or
//     transport/pubnub (deprecated by RingCentral; for existing deployments).
//  4. notify.Subscribe with event filters from package subscription and
//     notify.WithCallTracking; range over Events or All. Each
//     *notify.CallChange is one transition of one party of a call, with its
//     meaning (telephony.ChangeKind) and CallEnded set once per call.
//
// In code:
//
//	cfg, err := ringwatch.ConfigFromEnv()
//	// …
//	rc := ringwatch.NewClient(cfg)
//	sub, err := notify.Subscribe(ctx, websocket.New(rc),
//		[]subscription.Filter{subscription.ExtensionTelephonySessions(subscription.Me)},
//		notify.WithCallTracking(notify.ResyncREST(rc)))
//	// …
//	defer sub.Close() // removes the RingCentral subscription
//	for ev := range sub.Events() {
//		if c, ok := ev.(*notify.CallChange); ok {
//			fmt.Println(c.TelephonySessionID, c.From, "→", c.To, c.Kind)
//		}
//	}
//
// The same stream carries the connection states as their own types
// (*notify.Connected, *notify.Reconnecting, *notify.Recovered,
// *notify.Resubscribed, *notify.Gap): RingCentral can lose notifications, and
// a Gap says when it may have; call tracking then resynchronises from the
// REST API by itself. To block until a call reaches a state, use
// (*notify.Subscription).Calls and telephony.Tracker.Wait.
//
// # Packages
//
//   - ringwatch (this package): Config, ConfigFromEnv, the OAuth2 token
//     source and the authorised client.
//   - notify: Decode one notification into a typed event, or Subscribe and
//     range over a stream of them, with call tracking.
//   - telephony and presence: the typed models of the two notification
//     families that describe calls, their trackers (telephony.Tracker,
//     presence.Diff and presence.Tracker) and the REST clients a resync reads.
//   - subscription: event-filter builders and the Subscription API client.
//   - transport: the interface the three transports implement.
//   - transport/websocket, transport/webhook, transport/pubnub: the
//     transports.
//   - notify/notifytest: a fake RingCentral platform on loopback with
//     scripted calls and fault injection, to test your own code without a
//     sandbox.
//
// Errors are typed (errors.As) or sentinels (errors.Is) and never hold a
// secret; logging goes only to a *slog.Logger you supply; no goroutine
// outlives Close; no input makes ringwatch panic.
package ringwatch
