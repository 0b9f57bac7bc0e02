package embedded

import (
	"errors"
	"os"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/ringwatch/ringwatch/internal/testkit/leakcheck"
)

func TestRestartKeepsStore(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	srv, err := Start(WithStoreDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	port := srv.Port()
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	js, _ := nc.JetStream()
	if _, err := js.AddStream(&nats.StreamConfig{Name: "KEEP", Subjects: []string{"keep"}}); err != nil {
		t.Fatal(err)
	}
	nc.Close()
	srv.Shutdown()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a given store directory must be kept: %v", err)
	}

	srv, err = Start(WithStoreDir(dir), WithPort(port))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	if srv.Port() != port || srv.StoreDir() != dir {
		t.Fatalf("restarted on %d in %s", srv.Port(), srv.StoreDir())
	}
	nc, err = nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ = nc.JetStream()
	if _, err := js.StreamInfo("KEEP"); err != nil {
		t.Fatalf("stream lost across a restart: %v", err)
	}
}

func TestTempStoreRemoved(t *testing.T) {
	leakcheck.Check(t)
	srv, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.StoreDir()
	srv.Shutdown()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary store %s left behind: %v", dir, err)
	}
}
