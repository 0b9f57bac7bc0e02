package relay_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ringwatch/ringwatch"
	"github.com/ringwatch/ringwatch/notify/notifytest"
	"github.com/ringwatch/ringwatch/relay"
	"github.com/ringwatch/ringwatch/subscription"
	"github.com/ringwatch/ringwatch/transport/webhook"
)

// Every member of a relay group runs an Owner; the one that wins the
// lease creates the RingCentral webhook subscription and keeps it alive,
// the others wait to take over. Here three members share an embedded
// NATS server and a fake RingCentral platform.
func ExampleOwner() {
	// An embedded JetStream server on loopback (a deployment connects to
	// its NATS cluster instead).
	dir, _ := os.MkdirTemp("", "relay-owner-example")
	defer os.RemoveAll(dir)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	ns.Start()
	defer ns.Shutdown()
	ns.ReadyForConnections(10 * time.Second)

	// The fake RingCentral platform, and the receivers' public URL: a
	// webhook Handler checking the group's shared verification token.
	platform := notifytest.NewPlatform()
	defer platform.Close()
	const token = "the-group's-shared-verification-token"
	receivers := httptest.NewServer(webhook.NewHandler(token))
	defer receivers.Close()
	filters := []subscription.Filter{subscription.AccountTelephonySessions()}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var owners []*relay.Owner
	done := make(chan error, 3)
	for i := range 3 {
		nc, err := nats.Connect(ns.ClientURL())
		if err != nil {
			fmt.Println(err)
			return
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		rc := ringwatch.NewClient(platform.Config())
		o := relay.NewOwner(rc, js, receivers.URL, token, filters,
			relay.WithOwnerLeaseOptions(relay.WithLeaseTTL(2*time.Second), relay.WithLeaseHolder(fmt.Sprintf("member-%d", i))))
		owners = append(owners, o)
		go func() { done <- o.Run(ctx) }()
	}

	// Wait (bounded) until one member maintains the subscription.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(platform.Subscriptions()) == 1 && countOwners(owners) == 1 {
			break
		}
	}
	fmt.Println("owners:", countOwners(owners))
	fmt.Println("subscriptions:", len(platform.Subscriptions()))

	// Members stop; the owner steps down. The subscription stays for the
	// group's next owner.
	cancel()
	for range owners {
		<-done
	}
	fmt.Println("subscriptions after the members stopped:", len(platform.Subscriptions()))
	// Output:
	// owners: 1
	// subscriptions: 1
	// subscriptions after the members stopped: 1
}

func countOwners(owners []*relay.Owner) int {
	n := 0
	for _, o := range owners {
		if o.IsOwner() && o.SubscriptionID() != "" {
			n++
		}
	}
	return n
}
