package node_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
)

// testConfig returns a valid config on loopback, a free port and a fresh
// data dir.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	c := config.Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	c.APIAddr = "127.0.0.1:0"
	c.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	return c
}

func newNode(t *testing.T, cfg config.Config) *node.Node {
	t.Helper()
	n, err := node.New(cfg, node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatalf("node.New(%+v): %v", cfg, err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// get fetches url and returns the body; it fails the test unless the
// status is 200.
func get(t *testing.T, client *http.Client, url string) []byte {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s, want 200 OK; body: %s", url, resp.Status, body)
	}
	return body
}

// checkNoNodeGoroutines fails if a goroutine of package node is left.
func checkNoNodeGoroutines(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "cairn/node.(*Node)") && !strings.Contains(g, "_test.") {
			t.Errorf("goroutine left after Close:\n%s", g)
		}
	}
}

func TestServe(t *testing.T) {
	cfg := testConfig(t)
	n := newNode(t, cfg)
	if got := n.URL(); got != "" {
		t.Errorf("URL() before Start = %q, want \"\"", got)
	}
	if err := n.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := n.Start(t.Context()); err == nil {
		t.Errorf("second Start = nil, want an error")
	}
	url := n.URL()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:<port>", url)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	var h api.Health
	if err := json.Unmarshal(get(t, client, url+api.HealthzPath), &h); err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	if h.Status != "ok" || h.Version == "" || h.UptimeS < 0 {
		t.Errorf("GET /healthz = %+v, want status ok, a version and uptime >= 0", h)
	}

	metrics := string(get(t, client, url+"/metrics"))
	for _, want := range []string{"cairn_build_info{", "go_goroutines ", "process_resident_memory_bytes "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("GET /metrics lacks %q", want)
		}
	}

	var info api.AccelInfo
	if err := json.Unmarshal(get(t, client, url+api.AccelPath), &info); err != nil {
		t.Fatalf("GET %s: %v", api.AccelPath, err)
	}
	if info.Caps.Arch != runtime.GOARCH || info.Caps.LogicalCores < 1 || info.Routes == nil {
		t.Errorf("GET %s = %+v, want this machine's probe and a routes list", api.AccelPath, info)
	}

	lock := filepath.Join(cfg.DataDir, node.LockFile)
	if b, err := os.ReadFile(lock); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file = %q, %v; want our PID %d", b, err, os.Getpid())
	}
	if fi, err := os.Stat(cfg.DataDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, %v; want 0700", fi.Mode(), err)
	}

	client.CloseIdleConnections()
	if err := n.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after Close: stat = %v, want not exist", err)
	}
	if err := n.Start(t.Context()); !errors.Is(err, node.ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	if _, err := client.Get(url + api.HealthzPath); err == nil {
		t.Errorf("GET /healthz after Close succeeded, want connection refused")
	}
	if n.Err() != nil {
		t.Errorf("Err() = %v, want nil", n.Err())
	}
	checkNoNodeGoroutines(t)
}

func TestDataDirLocked(t *testing.T) {
	cfg := testConfig(t)
	first := newNode(t, cfg)

	_, err := node.New(cfg)
	if !errors.Is(err, node.ErrLocked) {
		t.Fatalf("second node.New on %s = %v, want ErrLocked", cfg.DataDir, err)
	}
	for _, want := range []string{cfg.DataDir, "pid " + strconv.Itoa(os.Getpid()), "--data-dir"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("second node.New error = %q, want it to mention %q", err, want)
		}
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	second := newNode(t, cfg)
	if err := second.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestStartAddrInUse(t *testing.T) {
	a := newNode(t, testConfig(t))
	if err := a.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	cfg := testConfig(t)
	cfg.APIAddr = a.Addr().String()
	b := newNode(t, cfg)
	err := b.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "api_addr") {
		t.Errorf("Start on busy %s = %v, want an error naming api_addr", cfg.APIAddr, err)
	}
}

func TestMetricsPath(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsPath = "/debug/prom"
	n := newNode(t, cfg)
	if err := n.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	if body := string(get(t, client, n.URL()+"/debug/prom")); !strings.Contains(body, "cairn_build_info") {
		t.Errorf("GET /debug/prom lacks cairn_build_info")
	}
	resp, err := client.Get(n.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics with metrics_path /debug/prom = %s, want 404", resp.Status)
	}
}

func TestNewErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*config.Config)
		opts   []node.Option
		want   string
	}{
		{name: "invalid config", mutate: func(c *config.Config) { c.APIAddr = "nope" }, want: "api_addr"},
		{name: "data dir is a file", mutate: func(c *config.Config) { c.DataDir = file }, want: "data dir"},
		{name: "nil logger", mutate: func(*config.Config) {}, opts: []node.Option{node.WithLogger(nil)}, want: "WithLogger"},
		{name: "bad timeout", mutate: func(*config.Config) {}, opts: []node.Option{node.WithShutdownTimeout(0)}, want: "WithShutdownTimeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.mutate(&cfg)
			n, err := node.New(cfg, tc.opts...)
			if err == nil {
				n.Close()
				t.Fatalf("node.New = nil error, want one mentioning %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("node.New error = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestForcedBackendUnavailable checks that a policy forcing a backend that
// cannot run is refused at New rather than failing on the first call.
func TestForcedBackendUnavailable(t *testing.T) {
	// Registrations are process-wide; these stand in for a kernel package
	// whose icicle backend is not built.
	accel.Register(accel.Registration{
		Kernel: accel.KernelPoseidon2, Backend: accel.Go, Unit: "hashes",
		Available: func() error { return nil },
		MinSize:   func(accel.Caps) int { return 0 },
	})
	accel.Register(accel.Registration{
		Kernel: accel.KernelPoseidon2, Backend: accel.Icicle, Unit: "hashes",
		Available: func() error { return fmt.Errorf("test: %w; rebuild with -tags icicle", accel.ErrUnavailable) },
		MinSize:   func(accel.Caps) int { return accel.Never },
	})
	for _, tc := range []struct {
		name    string
		policy  accel.Policy
		wantErr bool
	}{
		{"auto", accel.Policy{}, false},
		{"go", accel.Policy{Force: accel.Go}, false},
		{"icicle for all", accel.Policy{Force: accel.Icicle}, true},
		{"icicle for poseidon2", accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelPoseidon2: accel.Icicle}}, true},
		{"go for every kernel with an icicle backend wins", accel.Policy{Force: accel.Icicle, Kernels: map[accel.Kernel]accel.Backend{
			accel.KernelPoseidon2: accel.Go, accel.KernelMerkle: accel.Go, accel.KernelMSM: accel.Go, accel.KernelNTT: accel.Go}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Accel = tc.policy
			n, err := node.New(cfg)
			if err == nil {
				n.Close()
			}
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("node.New with policy %+v = %v, want error %v", tc.policy, err, tc.wantErr)
			}
			if err != nil && (!errors.Is(err, accel.ErrUnavailable) || !strings.Contains(err.Error(), "rebuild with -tags icicle")) {
				t.Errorf("node.New error = %q, want it to wrap accel.ErrUnavailable and keep the fix", err)
			}
		})
	}
}
