// Package ringwatch tells a Go program, in real time, how the calls on a
// RingCentral account change state: ringing, answered, on hold, parked,
// transferred, ended.
//
// This root package holds the credentials (Config) and the OAuth2 plumbing
// every other package uses. The work is done in the sub-packages:
//
//   - notify: Decode one notification into a typed event, or Subscribe and
//     range over a stream of them.
//   - presence and telephony: the typed models of the two notification
//     families that describe calls.
//   - subscription: event filters and the Subscription API client.
//   - transport/websocket, transport/webhook, transport/pubnub: the three
//     ways RingCentral delivers notifications.
//   - notify/notifytest: a fake RingCentral platform for your tests.
//
// Logging in: ConfigFromEnv reads RC_SERVER_URL, RC_APP_CLIENT_ID,
// RC_APP_CLIENT_SECRET and RC_USER_JWT; Config.Client returns an
// *http.Client that authorises every request with a token from
// Config.TokenSource (RingCentral's JWT bearer grant, then the refresh
// token, each token reused until a minute before it expires). Give that
// client to subscription.NewClient, telephony.NewClient and
// presence.NewClient. A failed login is an *AuthError, which never shows
// the client secret, the JWT or a token.
package ringwatch
