package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes and reads of
// a command running in another goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// cairn runs one command in-process to completion.
func cairn(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	code = cli.Main(t.Context(), cli.Env{Args: args, Stdout: &out, Stderr: &errb, Getenv: envMap(env)})
	return code, out.String(), errb.String()
}

// running is a `cairn run` in a goroutine.
type running struct {
	cancel         context.CancelFunc
	done           chan int
	stdout, stderr *syncBuffer
	url            string
}

var urlRE = regexp.MustCompile(`listening on (http://\S+)`)

// startRun starts `cairn run args...` and waits until it prints its URL.
func startRun(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan int, 1), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	go func() {
		r.done <- cli.Main(ctx, cli.Env{Args: append([]string{"run"}, args...), Stdout: r.stdout, Stderr: r.stderr, Getenv: envMap(env)})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Errorf("cairn run did not stop within 10s of cancel")
		}
	})
	deadline := time.After(10 * time.Second)
	for {
		if m := urlRE.FindStringSubmatch(r.stdout.String()); m != nil {
			r.url = m[1]
			return r
		}
		select {
		case code := <-r.done:
			t.Fatalf("cairn run %q exited with %d before listening; stderr:\n%s", args, code, r.stderr)
		case <-deadline:
			t.Fatalf("cairn run %q printed no URL within 10s; stdout:\n%s\nstderr:\n%s", args, r.stdout, r.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// stop cancels the run and returns its exit code.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case code := <-r.done:
		r.done <- code // for the cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatalf("cairn run did not stop within 10s of cancel")
		return -1
	}
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s, %v; want 200 OK", url, resp.Status, err)
	}
	return body
}

func TestRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := startRun(t, nil, "--api-addr", "127.0.0.1:0", "--data-dir", dir, "--listen", "/ip4/127.0.0.1/tcp/0")
	if !strings.HasPrefix(r.url, "http://127.0.0.1:") || strings.HasSuffix(r.url, ":0") {
		t.Errorf("cairn run printed URL %q, want http://127.0.0.1:<actual port>", r.url)
	}

	var h api.Health
	if err := json.Unmarshal(httpGet(t, r.url+"/healthz"), &h); err != nil || h.Status != "ok" {
		t.Errorf("GET /healthz = %+v, %v; want status ok", h, err)
	}
	if m := string(httpGet(t, r.url+"/metrics")); !strings.Contains(m, "cairn_build_info") || !strings.Contains(m, "go_goroutines") {
		t.Errorf("GET /metrics lacks cairn_build_info or go_goroutines")
	}
	// The API serves the very document `cairn accel info --json` prints.
	served := string(httpGet(t, r.url+api.AccelPath))
	if _, printed, _ := cairn(t, nil, "accel", "info", "--json"); served != printed {
		t.Errorf("GET %s =\n%s\nwant the output of cairn accel info --json:\n%s", api.AccelPath, served, printed)
	}
	lock := filepath.Join(dir, node.LockFile)
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("lock file while running: %v", err)
	}

	// A second node on the same data dir is refused with a clear message.
	code, _, stderr := cairn(t, nil, "run", "--api-addr", "127.0.0.1:0", "--data-dir", dir)
	if code != cli.ExitError || !strings.Contains(stderr, "held by another cairn node") {
		t.Errorf("second cairn run on %s = %d, stderr %q; want %d and a data dir in use error", dir, code, stderr, cli.ExitError)
	}

	if code := r.stop(t); code != cli.ExitOK {
		t.Errorf("cairn run after cancel exited %d, want 0; stderr:\n%s", code, r.stderr)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after exit: stat = %v, want not exist", err)
	}
	if !strings.Contains(r.stderr.String(), "msg=stopped") {
		t.Errorf("cairn run logs lack \"stopped\":\n%s", r.stderr)
	}
}

// TestRunSettingsFromEnvAndFile checks that `cairn run` takes its settings
// from CAIRN_* and the config file, and the XDG default data dir.
func TestRunSettingsFromEnvAndFile(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "cairn.toml")
	if err := os.WriteFile(file, []byte("api_addr = \"127.0.0.1:0\"\nmetrics_path = \"/prom\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		args    []string
		wantDir string
	}{
		{
			name:    "env",
			env:     map[string]string{"CAIRN_CONFIG": file, "CAIRN_DATA_DIR": filepath.Join(tmp, "env"), "CAIRN_LISTEN": "/ip4/127.0.0.1/tcp/0"},
			wantDir: filepath.Join(tmp, "env"),
		},
		{
			name:    "xdg default and --config",
			env:     map[string]string{"XDG_DATA_HOME": filepath.Join(tmp, "xdg")},
			args:    []string{"--config", file},
			wantDir: filepath.Join(tmp, "xdg", "cairn"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := startRun(t, tc.env, tc.args...)
			if _, err := os.Stat(filepath.Join(tc.wantDir, node.LockFile)); err != nil {
				t.Errorf("lock file in %s: %v", tc.wantDir, err)
			}
			httpGet(t, r.url+"/prom")
			if code := r.stop(t); code != cli.ExitOK {
				t.Errorf("exit code %d, want 0; stderr:\n%s", code, r.stderr)
			}
		})
	}
}

func TestAccelInfoJSON(t *testing.T) {
	code, stdout, stderr := cairn(t, map[string]string{"CAIRN_ACCEL": "go", "CAIRN_ACCEL_ERASURE": "simd"}, "accel", "info", "--json")
	if code != cli.ExitOK {
		t.Fatalf("cairn accel info --json = %d, stderr %q", code, stderr)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("cairn accel info --json: output is not JSON: %v\n%s", err, stdout)
	}
	for _, k := range []string{"caps", "policy", "routes"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("cairn accel info --json lacks key %q", k)
		}
	}
	var ai api.AccelInfo
	if err := json.Unmarshal([]byte(stdout), &ai); err != nil {
		t.Fatal(err)
	}
	if ai.Caps.Arch != runtime.GOARCH || ai.Policy.Force != "go" || ai.Policy.Kernels["erasure"] != "simd" || ai.Routes == nil {
		t.Errorf("cairn accel info --json = %+v, want this arch, policy go with erasure=simd, and a routes list", ai)
	}
}

func TestAccelInfoText(t *testing.T) {
	code, stdout, stderr := cairn(t, map[string]string{"CAIRN_ACCEL_MERKLE": "icicle"}, "accel", "info")
	if code != cli.ExitOK {
		t.Fatalf("cairn accel info = %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"Machine", "CPU", runtime.GOARCH, "Cores", "Memory", "Features", "GPU", "Policy", "merkle=icicle", "Routing"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("cairn accel info output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"unknown command", nil, []string{"frobnicate"}, cli.ExitUsage, "unknown command"},
		{"unknown flag", nil, []string{"run", "--bogus"}, cli.ExitUsage, "unknown flag"},
		{"extra argument", nil, []string{"version", "x"}, cli.ExitUsage, "takes no arguments"},
		{"bad env", map[string]string{"CAIRN_ACCEL": "cuda"}, []string{"accel", "info"}, cli.ExitError, "(from CAIRN_ACCEL)"},
		{"bad flag value", nil, []string{"run", "--api-addr", "nowhere", "--data-dir", t.TempDir()}, cli.ExitError, "(from --api-addr)"},
		{"missing config", nil, []string{"config", "--config", "/nonexistent.toml"}, cli.ExitError, "--config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cairn(t, tc.env, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.want) || !strings.HasPrefix(stderr, "cairn: ") {
				t.Errorf("cairn %q = %d, stderr %q; want %d and \"cairn: ...%s...\"", tc.args, code, stderr, tc.wantCode, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := cairn(t, nil, "version")
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "cairn ") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("cairn version = %d, %q; want 0 and \"cairn <version> (... %s ...)\"", code, stdout, runtime.Version())
	}
}

func TestConfig(t *testing.T) {
	code, stdout, _ := cairn(t, nil, "config", "--default")
	if code != cli.ExitOK || stdout != string(config.DefaultTOML()) {
		t.Errorf("cairn config --default = %d, output differs from config.DefaultTOML()", code)
	}
	code, stdout, stderr := cairn(t, map[string]string{"CAIRN_API_ADDR": "127.0.0.1:9", "XDG_DATA_HOME": "/x"}, "config")
	if code != cli.ExitOK {
		t.Fatalf("cairn config = %d, stderr %q", code, stderr)
	}
	c, err := config.Parse([]byte(stdout))
	if err != nil || c.APIAddr != "127.0.0.1:9" || c.DataDir != "/x/cairn" {
		t.Errorf("cairn config printed %q (parsed %+v, %v), want api_addr 127.0.0.1:9 and data_dir /x/cairn", stdout, c, err)
	}
}

// TestBenchCommand runs one tiny case of the suite in-process and checks the
// table and the files it writes.
func TestBenchCommand(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), cli.Env{
		Args:   []string{"bench", "--filter", "sha256-blocks 64x64KiB,1-core", "--backend", "go,simd", "--duration", "1ms", "--rounds", "1", "--out", out},
		Stdout: &stdout, Stderr: &stderr,
	})
	if code != cli.ExitOK {
		t.Fatalf("cairn bench = %d, stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "sha256-blocks") || !strings.Contains(stdout.String(), "results: ") {
		t.Errorf("cairn bench stdout lacks the table or results line:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "2/2") {
		t.Errorf("cairn bench stderr lacks the progress bar:\n%s", stderr.String())
	}
	for _, pat := range []string{"*.json", "*.svg"} {
		if m, _ := filepath.Glob(filepath.Join(out, pat)); len(m) != 1 {
			t.Errorf("cairn bench wrote %v for %s, want one file", m, pat)
		}
	}
	if code := cli.Main(context.Background(), cli.Env{Args: []string{"bench", "--backend", "gpu"}}); code != cli.ExitUsage {
		t.Errorf("cairn bench --backend gpu = %d, want %d", code, cli.ExitUsage)
	}
}
