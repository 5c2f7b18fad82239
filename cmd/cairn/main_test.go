//go:build unix

package main

import (
	"bufio"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node"
)

// TestBinary builds cairn, runs it as a process and stops it with a signal,
// as `make run` and a service manager do.
func TestBinary(t *testing.T) {
	bin := buildCairn(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) { runAndSignal(t, bin, sig) })
	}
}

var urlRE = regexp.MustCompile(`listening on (http://\S+)`)

// proc is a cairn process started by startBinary.
type proc struct {
	cmd    *exec.Cmd
	url    string
	stderr *strings.Builder
	exited chan error
	reaped bool // set once exited has been received from
}

// startBinary runs `bin run` on dataDir with a loopback API on a free port
// and waits until it prints its URL. The process is killed at cleanup if
// it is still running.
func startBinary(t *testing.T, bin, dataDir string) *proc {
	t.Helper()
	cmd := exec.Command(bin, "run", "--api-addr", "127.0.0.1:0", "--data-dir", dataDir, "--listen", "/ip4/127.0.0.1/tcp/0")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	p := &proc{cmd: cmd, stderr: &strings.Builder{}, exited: make(chan error, 1)}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		p.exited <- cmd.Wait() // after stdout is drained, as Wait requires
	}()
	t.Cleanup(func() {
		if !p.reaped {
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.url = <-urls:
	case err := <-p.exited:
		p.reaped = true
		t.Fatalf("cairn run exited before listening: %v\n%s", err, p.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("cairn run printed no URL within 10s\n%s", p.stderr)
	}
	return p
}

// buildCairn builds the binary into a temporary directory.
func buildCairn(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the cairn binary; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not in PATH: cannot build the binary")
	}
	bin := filepath.Join(t.TempDir(), "cairn")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runAndSignal(t *testing.T, bin string, sig syscall.Signal) {
	dir := filepath.Join(t.TempDir(), "data")
	p := startBinary(t, bin, dir)
	stderr, exited := p.stderr, p.exited
	waitHealthy(t, p.url+"/healthz")

	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
	select {
	case err := <-exited:
		p.reaped = true
		if err != nil {
			t.Errorf("cairn run after %v: %v, want exit status 0\n%s", sig, err, stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("cairn run still running 5s after %v\n%s", sig, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, node.LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after exit: stat = %v, want not exist", err)
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("cairn run logs lack \"stopped\":\n%s", stderr)
	}
}

// waitHealthy polls url until it answers 200.
func waitHealthy(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: no 200 within 10s (last error %v)", url, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
