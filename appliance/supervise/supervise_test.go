package supervise_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/supervise"
)

func TestRingKeepsLastLines(t *testing.T) {
	r := supervise.NewRing(3)
	fmt.Fprint(r, "a\nb\nc")
	if got, want := r.Lines(), []string{"a", "b"}; !slices.Equal(got, want) {
		t.Fatalf("Lines() = %q, want %q", got, want)
	}
	fmt.Fprint(r, "\nd\ne\n")
	if got, want := r.Lines(), []string{"c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("Lines() = %q, want %q", got, want)
	}
	if got := r.Total(); got != 5 {
		t.Errorf("Total() = %d, want 5", got)
	}
	fmt.Fprint(r, "tail")
	r.Flush()
	if got, want := r.Lines(), []string{"d", "e", "tail"}; !slices.Equal(got, want) {
		t.Errorf("Lines() after Flush = %q, want %q", got, want)
	}
}

func TestRingCutsLongLines(t *testing.T) {
	r := supervise.NewRing(2)
	fmt.Fprintf(r, "%s\n", strings.Repeat("x", 10000))
	lines := r.Lines()
	if len(lines) != 1 || len(lines[0]) != 4096 {
		t.Fatalf("Lines() = %d lines of %d bytes, want 1 of 4096", len(lines), len(lines[0]))
	}
}

func TestBackoff(t *testing.T) {
	b := supervise.Backoff{Min: time.Second, Max: 5 * time.Second, StableAfter: time.Minute}
	var got []time.Duration
	for range 5 {
		got = append(got, b.Next(time.Millisecond))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("Next(quick crash) x5 = %v, want %v", got, want)
	}
	if d := b.Next(2 * time.Minute); d != time.Second {
		t.Errorf("Next(after a stable run) = %v, want 1s", d)
	}
	var zero supervise.Backoff
	if d := zero.Next(0); d != supervise.DefaultMinDelay {
		t.Errorf("zero Backoff Next(0) = %v, want %v", d, supervise.DefaultMinDelay)
	}
}

// syncBuffer is a bytes.Buffer safe for the supervisor's copy goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func shell(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh to supervise")
	}
	return "/bin/sh"
}

func TestRestartsUntilDontRestart(t *testing.T) {
	sh := shell(t)
	dir := t.TempDir()
	// Crashes twice (exit 3), then exits with DontRestart on the third run.
	script := fmt.Sprintf(`n=$(cat %[1]s/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s/n
echo "run $n first=$%[2]s"; [ $n -ge 3 ] && exit %[3]d; exit 3`, dir, supervise.FirstStartEnv, supervise.DontRestart)
	var console syncBuffer
	s := supervise.New(supervise.Service{Name: "t", Path: sh, Args: []string{"-c", script}},
		supervise.WithBackoff(supervise.Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}),
		supervise.WithConsole(&console))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatalf("Run() = %v, want nil", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run returned only after the deadline; DontRestart was ignored")
	}
	if got := s.Starts(); got != 3 {
		t.Errorf("Starts() = %d, want 3", got)
	}
	want := []string{"run 1 first=1", "run 2 first=", "run 3 first="}
	if got := s.Ring().Lines(); !slices.Equal(got, want) {
		t.Errorf("Ring().Lines() = %q, want %q", got, want)
	}
	if got := console.String(); !strings.Contains(got, "t: run 1 first=1\n") {
		t.Errorf("console = %q, want it to contain %q", got, "t: run 1 first=1\n")
	}
}

func TestStopKillsStubbornChild(t *testing.T) {
	sh := shell(t)
	s := supervise.New(supervise.Service{Name: "t", Path: sh, Args: []string{"-c", `trap "" TERM; echo up; while :; do sleep 0.05; done`}},
		supervise.WithStopTimeout(200*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Ring().Lines()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return 10 s after cancel: the process group was not killed")
	}
}

func TestStartFailure(t *testing.T) {
	s := supervise.New(supervise.Service{Name: "t", Path: "/nonexistent/cairn"})
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "supervise: start t") {
		t.Errorf("Run() = %v, want a start error", err)
	}
}
