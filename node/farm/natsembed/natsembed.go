// Package natsembed runs a NATS server with JetStream inside the process,
// for a prover farm that fits on one box.
//
//	srv, err := natsembed.Start(natsembed.Options{DataDir: dir})
//	if err != nil { … }
//	defer srv.Close()
//	nc, err := nats.Connect(srv.ClientURL())
//
// The server listens on 127.0.0.1 only unless Options.Host says otherwise,
// keeps JetStream's streams in Options.DataDir so that queued jobs survive
// a restart, and installs no signal handlers (the command that embeds it
// owns SIGINT and SIGTERM). A farm that outgrows one box points its
// workers and nodes at an external NATS cluster by URL instead.
package natsembed

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// DefaultHost is where the embedded server listens by default: loopback,
// so a home node never exposes its job queue to the network by accident.
const DefaultHost = "127.0.0.1"

// DefaultPort is the default client port, NATS's usual 4222.
const DefaultPort = 4222

// RandomPort asks for a free port chosen by the kernel (tests, benches).
const RandomPort = -1

// startTimeout bounds the wait for the server to accept clients.
const startTimeout = 10 * time.Second

// ErrStart reports a server that did not start; the wrapped text says why.
var ErrStart = errors.New("natsembed: server did not start")

// Options configures the embedded server. The zero value except DataDir
// is the default: 127.0.0.1:4222, no storage limits.
type Options struct {
	// DataDir holds JetStream's file store (created if missing). Required.
	DataDir string
	// Host is the listen address; empty means DefaultHost.
	Host string
	// Port is the client port; 0 means DefaultPort, RandomPort a free one.
	Port int
	// Name is the server name in logs and JetStream metadata; empty means
	// "cairn-farm".
	Name string
	// MaxStoreBytes caps JetStream's file store; 0 means no cap beyond
	// the disk.
	MaxStoreBytes int64
}

// Server is a running embedded NATS server. Its methods are safe for
// concurrent use.
type Server struct {
	ns        *server.Server
	closeOnce sync.Once
}

// Start starts the server and waits until it accepts clients. Errors wrap
// ErrStart, or name the data directory that could not be created.
func Start(opt Options) (*Server, error) {
	if opt.DataDir == "" {
		return nil, fmt.Errorf("%w: no data directory (set Options.DataDir)", ErrStart)
	}
	if err := os.MkdirAll(opt.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("natsembed: create data directory: %w", err)
	}
	if opt.Host == "" {
		opt.Host = DefaultHost
	}
	if opt.Port == 0 {
		opt.Port = DefaultPort
	}
	if opt.Name == "" {
		opt.Name = "cairn-farm"
	}
	so := &server.Options{
		ServerName:        opt.Name,
		Host:              opt.Host,
		Port:              opt.Port,
		JetStream:         true,
		StoreDir:          opt.DataDir,
		JetStreamMaxStore: opt.MaxStoreBytes,
		NoLog:             true,
		NoSigs:            true,
	}
	ns, err := server.NewServer(so)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(startTimeout) {
		ns.Shutdown()
		addr := net.JoinHostPort(opt.Host, strconv.Itoa(opt.Port))
		return nil, fmt.Errorf("%w: not accepting clients on %s after %v (is the port in use? pick another with --nats-port)", ErrStart, addr, startTimeout)
	}
	return &Server{ns: ns}, nil
}

// ClientURL returns the URL clients connect to, e.g. nats://127.0.0.1:4222.
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Close shuts the server down and waits for it; JetStream data stays in
// the data directory. Safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.ns.Shutdown()
		s.ns.WaitForShutdown()
	})
	return nil
}
