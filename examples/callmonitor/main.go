// Callmonitor prints every state change of the calls on a RingCentral
// extension (or, with -account, the whole account) as it happens: ringing,
// answered, held, resumed, parked, transferred, sent to voicemail, missed,
// ended, one line each, and every few seconds a table of the active calls.
//
// With no configuration it starts ringwatch's embedded fake platform
// (notify/notifytest) and plays a continuous mix of scripted calls on it,
// so that it runs anywhere:
//
//	go run ./examples/callmonitor
//
// With RC_SERVER_URL, RC_APP_CLIENT_ID, RC_APP_CLIENT_SECRET and
// RC_USER_JWT set it watches real RingCentral instead, with the same
// output. The first line always says which.
//
// Either way it goes through ringwatch as any program would: a Config,
// its authorised HTTP client, a transport (-transport websocket, webhook
// or pubnub), and notify.Subscribe with call tracking. Ctrl-C removes the
// RingCentral subscription and exits 0; so does the end of -duration.
//
// Flags:
//
//	-transport websocket|webhook|pubnub   how notifications arrive (default websocket)
//	-duration 30s                         run that long, then exit
//	-json                                 one JSON object per line
//	-account                              every call of the account, not only yours
//	-presence                             also watch presence
//	-table 3s                             how often to print the active calls (0: never)
//	-public-url https://…/hook            webhook: the public address (real RingCentral)
//	-listen :8080                         webhook: the local address to serve on
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
