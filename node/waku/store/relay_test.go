package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

// TestRelayToStore wires a relay, the archive and the server as the node
// will: a message published on the relay is archived by Run and served to
// another host; an ephemeral one is not.
func TestRelayToStore(t *testing.T) {
	h, client := newHost(t), newHost(t)
	r, err := relay.New(context.Background(), h, relay.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	a, err := archive.Open(archive.Options{Dir: t.TempDir(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	sub, err := r.Subscribe(topicA)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sub) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run() = %v, want context.Canceled", err)
		}
	})
	srv, err := store.NewServer(h, a, store.ServerOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	if _, err := r.Publish(ctx, topicA, message.Message{Payload: []byte("gone"), ContentTopic: ctChat, Ephemeral: true}); err != nil {
		t.Fatal(err)
	}
	kept, err := r.Publish(ctx, topicA, message.Message{Payload: []byte("kept"), ContentTopic: ctChat})
	if err != nil {
		t.Fatal(err)
	}
	client.Peerstore().AddAddrs(h.ID(), h.Addrs(), time.Hour)
	req := store.Request{IncludeData: true, PubsubTopic: ptr(topicA), ContentTopics: []string{ctChat}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := store.Query(ctx, client, h.ID(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) > 0 {
			if len(resp.Messages) != 1 || resp.Messages[0].MessageHash != kept || string(resp.Messages[0].Message.Payload) != "kept" {
				t.Fatalf("store has %+v, want only the non-ephemeral message %x", resp.Messages, kept)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("published message not archived within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
