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
	if testing.Short() {
		t.Skip("builds the cairn binary; skipped with -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not in PATH: cannot build the binary")
	}
	bin := filepath.Join(t.TempDir(), "cairn")
	build := exec.Command(gobin, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) { runAndSignal(t, bin, sig) })
	}
}

var urlRE = regexp.MustCompile(`listening on (http://\S+)`)

func runAndSignal(t *testing.T, bin string, sig syscall.Signal) {
	dir := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(bin, "run", "--api-addr", "127.0.0.1:0", "--data-dir", dir, "--listen", "/ip4/127.0.0.1/tcp/0")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	reaped := false // set once exited has been received from
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		exited <- cmd.Wait() // after stdout is drained, as Wait requires
	}()
	t.Cleanup(func() {
		if !reaped {
			cmd.Process.Kill()
			<-exited
		}
	})

	var url string
	select {
	case url = <-urls:
	case err := <-exited:
		reaped = true
		t.Fatalf("cairn run exited before listening: %v\n%s", err, &stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("cairn run printed no URL within 10s\n%s", &stderr)
	}
	waitHealthy(t, url+"/healthz")

	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v: %v", sig, err)
	}
	select {
	case err := <-exited:
		reaped = true
		if err != nil {
			t.Errorf("cairn run after %v: %v, want exit status 0\n%s", sig, err, &stderr)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("cairn run still running 5s after %v\n%s", sig, &stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, node.LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after exit: stat = %v, want not exist", err)
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("cairn run logs lack \"stopped\":\n%s", &stderr)
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
