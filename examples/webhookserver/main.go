// Webhookserver is a production-shaped receiver of RingCentral's webhook
// notifications: it serves the webhook transport's http.Handler, creates
// (and renews, and repairs) the webhook subscription with notify.Subscribe,
// logs every call state change through log/slog as JSON, and shuts down
// gracefully on SIGINT or SIGTERM: it first removes the subscription, while
// the server can still answer, then drains the HTTP server.
//
// RingCentral must be able to reach it: give the public https address
// that forwards to -listen, and RingCentral's credentials in RC_*:
//
//	RC_SERVER_URL=https://platform.ringcentral.com RC_APP_CLIENT_ID=… \
//	RC_APP_CLIENT_SECRET=… RC_USER_JWT=… \
//	go run ./examples/webhookserver -listen :8443 -public-url https://hooks.example.com/ringcentral \
//	    -tls-cert cert.pem -tls-key key.pem
//
// Without credentials it explains what it needs and exits 2; -demo runs it
// against ringwatch's embedded fake platform instead, which posts scripted
// calls to it on loopback:
//
//	go run ./examples/webhookserver -demo -duration 10s
//
// GET /healthz answers 200 while the server runs.
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
