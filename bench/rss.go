package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/api"
)

// nodeIdle is how long node-idle-rss lets the node idle after /healthz
// first answers, before reading its resident set.
const nodeIdle = 5 * time.Second

// nodeStartTimeout bounds the node's start, up to its first /healthz.
const nodeStartTimeout = time.Minute

// idleRSSGauge is node-idle-rss: the resident set (VmRSS, in MB of 10^6
// bytes) of a real `cairn run` with the default configuration (no CAIRN_*
// environment variables; discovery off, no bootstrap peers), a fresh data
// directory, the API on 127.0.0.1:0 and libp2p on 127.0.0.1, idle for
// idle after its /healthz first answers. The binary is the running one
// when it is cairn (`cairn bench`, `go run ./cmd/cairn bench`), else one
// built with `go build` from the checkout. Linux only (/proc).
func idleRSSGauge(idle time.Duration) gaugeCase {
	return gaugeCase{
		Name: "node-idle-rss", Params: fmt.Sprintf("cairn run,default config,idle %v", idle), Unit: "MB", Quick: true,
		Read: func(ctx context.Context) (float64, error) { return idleRSS(ctx, idle) },
	}
}

func idleRSS(ctx context.Context, idle time.Duration) (float64, error) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		return 0, fmt.Errorf("bench: node-idle-rss reads /proc (Linux only): %w", accel.ErrUnavailable)
	}
	tmp, err := os.MkdirTemp("", "cairn-bench-rss-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	bin, err := cairnBinary(ctx, tmp)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(bin, "run", "--data-dir", filepath.Join(tmp, "data"), "--api-addr", "127.0.0.1:0",
		"--listen", "/ip4/127.0.0.1/tcp/0", "--log-level", "warn")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("bench: start %s run: %w", bin, err)
	}
	defer stopProcess(cmd)
	url, err := apiURL(ctx, stdout)
	if err != nil {
		return 0, err
	}
	if err := waitHealthy(ctx, url+api.HealthzPath); err != nil {
		return 0, err
	}
	select {
	case <-time.After(idle):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	kb, err := vmRSS(cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	return float64(kb) * 1024 / 1e6, nil
}

// cairnBinary returns the running executable when it is cairn, else builds
// ./cmd/cairn of the checkout into dir.
func cairnBinary(ctx context.Context, dir string) (string, error) {
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == "cairn" {
		return exe, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	if _, err := exec.LookPath("go"); err != nil {
		return "", fmt.Errorf("bench: node-idle-rss needs the cairn binary or the go tool to build it: %w", accel.ErrUnavailable)
	}
	bin := filepath.Join(dir, "cairn")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/cairn")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: go build ./cmd/cairn: %w\n%s", err, out)
	}
	return bin, nil
}

// apiURL reads the node's stdout until it prints its API URL; the rest of
// stdout is drained in the background.
func apiURL(ctx context.Context, stdout io.Reader) (string, error) {
	const prefix = "cairn: API listening on "
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				select {
				case found <- strings.TrimSpace(u):
				default:
				}
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			return "", errors.New("bench: cairn run exited before printing its API URL")
		}
		return u, nil
	case <-time.After(nodeStartTimeout):
		return "", fmt.Errorf("bench: cairn run printed no API URL in %v", nodeStartTimeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// waitHealthy polls url until it answers 200.
func waitHealthy(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, nodeStartTimeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: %s never answered 200: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// vmRSS returns the VmRSS line of /proc/<pid>/status, in kB.
func vmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: read VmRSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("bench: parse VmRSS %q: %w", line, err)
			}
			return kb, nil
		}
	}
	return 0, fmt.Errorf("bench: no VmRSS in /proc/%d/status", pid)
}

// stopProcess stops cmd with SIGTERM, then SIGKILL after 10 s, and waits.
func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
