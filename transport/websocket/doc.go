// Package websocket receives RingCentral notifications over the WebSocket
// Gateway, RingCentral's current push transport.
//
// A Transport asks the platform for a single-use gateway token (POST
// /restapi/oauth/wstoken), connects to the gateway, waits for its
// ConnectionDetails and creates one subscription over the socket. It then
// keeps one reader per connection running at all times (so that the
// gateway's pings are answered), hands each ServerNotification envelope to
// the sink, sends a Heartbeat after 30 s of silence, and keeps the newest
// session-recovery token (wsc) of any frame.
//
// When the connection is lost (a read error, a close, an Error frame
// WSG-902 or WSG-903, an unanswered heartbeat) it reconnects with capped
// exponential backoff and jitter, reporting transport.Reconnecting for each
// attempt. Within the session's recoveryTimeout it recovers the session
// with &wsc=: the gateway replays what was missed and the transport reports
// transport.Recovered. If recovery fails, or comes too late, it creates the
// subscription again and reports transport.Resubscribed and a
// transport.Gap, the signal to resynchronise call state.
//
// Frames are parsed tolerantly: their type is compared without regard to
// case ("ERROR" exists), multipart bodies (",--Boundary") are split, and a
// malformed frame is logged and skipped. Frames up to 4 MiB are accepted
// (coder/websocket's own limit is 32 KiB).
//
// Most programs do not call the Transport's methods; they give it to
// notify.Subscribe:
//
//	rc := ringwatch.NewClient(cfg)
//	sub, err := notify.Subscribe(ctx, websocket.New(rc), filters)
//
// Neither tokens nor the gateway URL's query ever reach a log line or an
// error.
package websocket
