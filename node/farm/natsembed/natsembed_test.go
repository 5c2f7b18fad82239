package natsembed_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/cairn-node/cairn/node/farm/natsembed"
)

// TestStartServesLoopbackJetStream starts a server on a random loopback
// port and checks that a client gets JetStream there.
func TestStartServesLoopbackJetStream(t *testing.T) {
	srv, err := natsembed.Start(natsembed.Options{DataDir: t.TempDir(), Port: natsembed.RandomPort})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.ClientURL(), "nats://127.0.0.1:") {
		t.Errorf("ClientURL() = %q, want nats://127.0.0.1:<port>", srv.ClientURL())
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Request("$JS.API.INFO", nil, 5e9); err != nil {
		t.Errorf("JetStream account info: %v, want JetStream enabled", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

func TestStartNeedsDataDir(t *testing.T) {
	if _, err := natsembed.Start(natsembed.Options{}); !errors.Is(err, natsembed.ErrStart) {
		t.Errorf("Start(no data dir) = %v, want ErrStart", err)
	}
}
