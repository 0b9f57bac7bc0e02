// Package board is a live call board for the browser: an http.Handler that
// shows, as they change, the calls, agents and connection health that a
// notify.Subscription reports.
//
// Start with New, feed the Board the events of a subscription (Run, or
// Observe one event at a time), and mount it on a server:
//
//	b := board.New(board.WithAgent("230000101", "Ada Lovelace", "101"))
//	defer b.Close()
//	go b.Run(ctx, sub.Events())
//	mux.Handle("/board/", http.StripPrefix("/board", b))
//
// The subscription should run with notify.WithCallTracking, so that its
// stream carries *notify.CallChange (with the call summaries) and the
// connection-state events; account presence with the detailed telephony
// state (subscription.AccountPresence(subscription.Detailed())) fills the
// agent grid.
//
// The page is one html/template page with a small embedded script and
// style sheet; it loads nothing from anywhere else (its
// Content-Security-Policy forbids it). It reads the board's server-sent
// event stream (path "events"): first a snapshot of the whole state, then
// one patch per flush interval (WithFlushInterval) holding only the rows
// that changed, which the script applies to the rows in place, keyed by
// call, agent and session id. Ring, talk and hold timers tick in the
// browser from the server's timestamps. A browser that reconnects sends
// Last-Event-ID and gets the patches it missed, or a fresh snapshot when
// they are no longer kept. Each browser has a bounded buffer
// (WithClientBuffer); one that falls behind gets a fresh snapshot instead of
// slowing anything down.
//
// Only GET is served (405 otherwise). Every value that comes from
// RingCentral is escaped: by html/template on the server and by textContent
// in the browser. The Board does not listen on anything itself; where it is
// served is the caller's choice (examples/callmonitor binds to loopback by
// default).
package board
