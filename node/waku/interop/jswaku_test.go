package interop

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
)

// startNode starts a Cairn node on loopback with TCP and WebSocket.
func startNode(t *testing.T, bootstrap ...string) *node.Node {
	t.Helper()
	c := config.Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	c.APIAddr = "127.0.0.1:0"
	c.Listen = []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/tcp/0/ws"}
	c.DHT = "off"
	c.Bootstrap = bootstrap
	n, err := node.New(c, node.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

// debugInfo reads /debug/v1/info.
func debugInfo(t *testing.T, n *node.Node) api.DebugInfo {
	t.Helper()
	resp, err := http.Get(n.URL() + api.WakuDebugInfoPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info api.DebugInfo
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	return info
}

// TestJSWakuLightClients: two js-waku light nodes (npm @waku/sdk, over
// WebSocket and mplex, as browsers connect) use Cairn node A: one
// lightpushes a message, which A relays to node B; the other receives it
// through a filter subscription on A; a store query to A returns it.
func TestJSWakuLightClients(t *testing.T) {
	jsDir(t)
	a := startNode(t)
	var tcp, ws string
	for _, addr := range debugInfo(t, a).ListenAddresses {
		if strings.Contains(addr, "/ws/") {
			ws = addr
		} else {
			tcp = addr
		}
	}
	if ws == "" || tcp == "" {
		t.Fatalf("node A lists no TCP or WebSocket address: %v", debugInfo(t, a).ListenAddresses)
	}
	startNode(t, tcp) // B: a relay peer for A's mesh, so lightpush has somewhere to go

	const ct, text = "/cairn/1/jswaku/proto", "hello from js-waku"
	var out struct {
		Step      string `json:"step"`
		Error     string `json:"error"`
		Lightpush struct {
			Successes []string `json:"successes"`
		} `json:"lightpush"`
		Filter struct {
			Payload, ContentTopic, PubsubTopic string
		} `json:"filter"`
		Store []string `json:"store"`
	}
	// Lightpush needs A's mesh to include B (1 s heartbeats): retry.
	for attempt := 1; ; attempt++ {
		runNode(t, 2*time.Minute, "lightclient.mjs", nil, &out, ws, ct, text)
		if out.Step == "done" || out.Step != "lightpush" || attempt == 10 {
			break
		}
		time.Sleep(time.Second)
	}
	if out.Step != "done" {
		t.Fatalf("js-waku light clients stopped at step %q: %s", out.Step, out.Error)
	}
	if len(out.Lightpush.Successes) != 1 || out.Filter.Payload != text || out.Filter.ContentTopic != ct || out.Filter.PubsubTopic != "/waku/2/rs/1/0" {
		t.Errorf("js-waku results: %+v", out)
	}
	if len(out.Store) != 1 || out.Store[0] != text {
		t.Errorf("store query returned %q, want exactly the pushed message", out.Store)
	}
}
