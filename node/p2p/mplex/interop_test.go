package mplex_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/p2p/transport/websocket"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/p2p/mplex"
)

// jsDir holds the npm project with js-libp2p (node/waku/interop/js).
var jsDir = filepath.Join("..", "..", "waku", "interop", "js")

// skipOrFail skips the test, or fails it where CI=true, since CI installs
// Node.js and the npm project.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// TestJSInterop runs mplex_echo.mjs: js-libp2p with only WebSockets, Noise
// and @libp2p/mplex dials a Go host that has only this mplex, pings it and
// echoes 3 MiB through it (js sends frames of 1 MiB, MaxFrameSize; Go
// answers in frames of MaxWriteFrame).
func TestJSInterop(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node not in PATH (install Node.js 20+ to run the js-libp2p interop test)")
	}
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "@libp2p", "mplex")); err != nil {
		skipOrFail(t, "js-libp2p not installed: run npm ci in node/waku/interop/js (%v)", err)
	}
	h := newHost(t, "/ip4/127.0.0.1/tcp/0/ws", libp2p.Transport(websocket.New))
	var ws multiaddr.Multiaddr
	for _, a := range h.Addrs() {
		if _, err := a.ValueForProtocol(multiaddr.P_WS); err == nil {
			ws = a
		}
	}
	if ws == nil {
		t.Fatalf("no WebSocket address in %v", h.Addrs())
	}
	const size = 3<<20 + 7
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--import", "./polyfill.mjs", "mplex_echo.mjs",
		fmt.Sprintf("%s/p2p/%s", ws, h.ID()), fmt.Sprint(size))
	cmd.Dir = jsDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var res struct {
		Step   string  `json:"step"`
		OK     bool    `json:"ok"`
		Error  string  `json:"error"`
		Muxer  string  `json:"muxer"`
		Peer   string  `json:"peer"`
		PingMs float64 `json:"pingMs"`
		Echo   struct {
			Sent, Received int
			Equal          bool
		} `json:"echo"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &res); err != nil {
		t.Fatalf("mplex_echo.mjs: %v; output %q, stderr:\n%s", runErr, out, stderr.Bytes())
	}
	if runErr != nil || !res.OK {
		t.Fatalf("mplex_echo.mjs failed at step %q: %s (%v); stderr:\n%s", res.Step, res.Error, runErr, stderr.Bytes())
	}
	if res.Muxer != mplex.ID || res.Peer != h.ID().String() {
		t.Errorf("js connection muxer, peer = %q, %q; want %q, %q", res.Muxer, res.Peer, mplex.ID, h.ID())
	}
	if res.PingMs < 0 {
		t.Errorf("ping RTT = %v ms", res.PingMs)
	}
	if res.Echo.Sent != size || res.Echo.Received != size || !res.Echo.Equal {
		t.Errorf("echo = %+v, want %d bytes sent and received equal", res.Echo, size)
	}
	t.Logf("js-libp2p over mplex: ping %.1f ms, echoed %d bytes", res.PingMs, res.Echo.Received)
}
