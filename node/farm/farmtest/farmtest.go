// Package farmtest gives tests of the prover farm and its users a real
// NATS server with JetStream (node/farm/natsembed) on a free loopback port,
// and connections to it, all closed when the test ends.
//
//	url := farmtest.Start(t)
//	js := farmtest.Connect(t, url)
package farmtest

import (
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cairn-node/cairn/node/farm/natsembed"
)

// Start starts an embedded server storing its streams under t.TempDir()
// and returns its client URL. It fails the test if the server does not
// start, and closes it when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	srv, err := natsembed.Start(natsembed.Options{DataDir: filepath.Join(t.TempDir(), "nats"), Port: natsembed.RandomPort})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv.ClientURL()
}

// Connect returns a JetStream context on a new connection to url, closed
// when the test ends.
func Connect(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}
