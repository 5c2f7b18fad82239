package cli_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/node/farm"
)

var (
	natsURLRE   = regexp.MustCompile(`listening on (nats://\S+)`)
	statusURLRE = regexp.MustCompile(`farm status on (http://\S+)`)
)

// TestProverEmbeddedFarm runs `cairn prover` with its embedded NATS server
// and two workers, proves three demo RLN messages through it with
// `cairn prover submit-rln`, reads the farm status, and stops the workers
// by cancelling (what SIGINT does in main).
func TestProverEmbeddedFarm(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, cli.Env{Args: []string{"prover", "--nats-listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
			"--workers", "2", "--id", "cli", "--status-addr", "127.0.0.1:0", "--log-level", "warn"},
			Stdout: &stdout, Stderr: &stderr, Getenv: envMap(nil)})
	}()
	defer cancel()
	var natsURL, statusURL string
	deadline := time.After(30 * time.Second)
	for natsURL == "" || statusURL == "" || strings.Count(stdout.String(), "prover worker") < 2 {
		select {
		case code := <-done:
			t.Fatalf("cairn prover exited with %d; stdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
		case <-deadline:
			t.Fatalf("cairn prover did not start two workers within 30s; stdout:\n%s\nstderr:\n%s", &stdout, &stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if m := natsURLRE.FindStringSubmatch(stdout.String()); m != nil {
			natsURL = m[1]
		}
		if m := statusURLRE.FindStringSubmatch(stdout.String()); m != nil {
			statusURL = m[1]
		}
	}

	code, out, errOut := cairn(t, nil, "prover", "submit-rln", "--nats", natsURL, "--count", "3", "--parallel", "3", "--timeout", "60s")
	if code != cli.ExitOK || !strings.Contains(out, "3 RLN proofs verified") {
		t.Fatalf("cairn prover submit-rln = %d, stdout %q, stderr %q; want 3 verified proofs", code, out, errOut)
	}

	var st farm.Status
	if err := json.Unmarshal(httpGet(t, statusURL), &st); err != nil {
		t.Fatal(err)
	}
	var ids []string
	var jobs uint64
	for _, w := range st.Workers {
		if strings.Join(w.Kinds, ",") != "rln-prove,sig-verify" {
			t.Errorf("worker %s advertises kinds %v, want rln-prove and sig-verify", w.ID, w.Kinds)
		}
		ids = append(ids, w.ID)
		jobs += w.JobsDone
	}
	if strings.Join(ids, ",") != "cli-1,cli-2" {
		t.Errorf("status workers = %v, want cli-1,cli-2", ids)
	}
	// Advertisements are refreshed every heartbeat; the count may lag.
	if jobs > 3 {
		t.Errorf("status counts %d jobs done, want at most 3", jobs)
	}

	cancel()
	select {
	case code := <-done:
		if code != cli.ExitOK || !strings.Contains(stdout.String(), "prover stopped") {
			t.Errorf("cairn prover after cancel = %d, stdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("cairn prover did not stop within 20s of cancel")
	}
}

func TestProverUsage(t *testing.T) {
	for _, args := range [][]string{
		{"prover", "--workers", "0"},
		{"prover", "--nats-listen", "nohost"},
		{"prover", "submit-rln"},
		{"prover", "submit-rln", "--nats", "nats://127.0.0.1:1", "--count", "0"},
	} {
		if code, _, stderr := cairn(t, nil, args...); code != cli.ExitUsage {
			t.Errorf("cairn %q = %d (stderr %q), want usage error %d", args, code, stderr, cli.ExitUsage)
		}
	}
}
