// Package farmtest gives tests of the prover farm and its users a real
// NATS server with JetStream (node/farm/natsembed) on a free loopback port,
// connections to it and workers, all stopped when the test ends.
//
//	url := farmtest.Start(t)
//	js := farmtest.Connect(t, url)
//	w, stop := farmtest.RunWorker(t, js, handlers, farm.WithID("w1"))
package farmtest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cairn-node/cairn/node/farm"
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

// RunWorker runs a farm worker with handlers (and opts) until the
// returned stop is called or the test ends. stop returns the worker's Run
// error; one at the end of the test fails it.
func RunWorker(t testing.TB, js jetstream.JetStream, handlers map[string]farm.Handler, opts ...farm.Option) (w *farm.Worker, stop func() error) {
	t.Helper()
	w, err := farm.NewWorker(js, handlers, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var (
		once   sync.Once
		runErr error
	)
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("worker %s: Run = %v", w.ID(), err)
		}
	})
	return w, stop
}
