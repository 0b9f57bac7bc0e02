// Package embedded runs a NATS server with JetStream inside the process,
// for the relay's tests, its demo (examples/callmonitor -relay embedded)
// and single-machine deployments that do not want a server of their own.
//
// Start it, give its URL to relay.Connect, and Shutdown when done:
//
//	srv, err := embedded.Start(embedded.WithStoreDir(dir))
//	…
//	defer srv.Shutdown()
//	nc, err := relay.Connect(srv.URL())
//
// It is a separate package so that programs that connect to a NATS server
// of their own do not link the server.
package embedded

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Option configures Start.
type Option func(*config)

type config struct {
	dir   string
	port  int
	ready time.Duration
}

// WithStoreDir keeps JetStream's files in dir (by default a new temporary
// directory, removed by Shutdown). A server started again on the same
// directory finds its streams again.
func WithStoreDir(dir string) Option { return func(c *config) { c.dir = dir } }

// WithPort listens on port (by default a free port chosen by the system).
func WithPort(port int) Option { return func(c *config) { c.port = port } }

// WithReadyTimeout bounds the wait for the server to accept connections
// (5 s by default).
func WithReadyTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.ready = d
		}
	}
}

// ErrNotReady is returned by Start when the server does not accept
// connections in time.
var ErrNotReady = errors.New("embedded: server not ready")

// Server is a running embedded NATS server with JetStream, on loopback.
type Server struct {
	s       *server.Server
	dir     string
	tempDir bool
}

// Start starts a NATS server with JetStream on 127.0.0.1 and returns once
// it accepts connections.
func Start(opts ...Option) (*Server, error) {
	c := config{port: -1, ready: 5 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	temp := false
	if c.dir == "" {
		d, err := os.MkdirTemp("", "ringwatch-nats-")
		if err != nil {
			return nil, fmt.Errorf("embedded: start: %w", err)
		}
		c.dir, temp = d, true
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "ringwatch-embedded",
		Host:       "127.0.0.1",
		Port:       c.port,
		JetStream:  true,
		StoreDir:   c.dir,
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		if temp {
			os.RemoveAll(c.dir)
		}
		return nil, fmt.Errorf("embedded: start: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(c.ready) {
		s.Shutdown()
		s.WaitForShutdown()
		if temp {
			os.RemoveAll(c.dir)
		}
		return nil, ErrNotReady
	}
	return &Server{s: s, dir: c.dir, tempDir: temp}, nil
}

// URL is the address to connect to ("nats://127.0.0.1:port").
func (s *Server) URL() string { return s.s.ClientURL() }

// Port is the port the server listens on.
func (s *Server) Port() int {
	if a, ok := s.s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// StoreDir is the directory of JetStream's files.
func (s *Server) StoreDir() string { return s.dir }

// Shutdown stops the server, waits until it has stopped, and removes the
// store directory if Start made it.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
	if s.tempDir {
		os.RemoveAll(s.dir)
	}
}
