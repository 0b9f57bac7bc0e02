package embedded_test

import (
	"fmt"
	"log"

	"github.com/nats-io/nats.go"

	"github.com/ringwatch/ringwatch/relay/embedded"
)

// Start a server on a free loopback port, in a temporary directory, and
// connect to it.
func Example() {
	srv, err := embedded.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		log.Fatal(err)
	}
	defer nc.Close()
	fmt.Println(nc.IsConnected(), srv.Port() > 0)
	// Output: true true
}
