package archive_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

// crashDirEnv names the archive directory of TestCrashChild.
const crashDirEnv = "ARCHIVE_CRASH_DIR"

// TestCrashChild is the process TestKill9 kills: it adds messages, with
// pruning by capacity going on, and prints each hash once Add returned.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestKill9")
	}
	a, err := archive.Open(archive.Options{Dir: dir, MaxClockDrift: -1, Logger: quiet, Retention: archive.Retention{Capacity: 200}})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	a.Start()
	for i := 0; ; i++ {
		h, err := a.Add(context.Background(), topicA, message.Message{Payload: []byte(fmt.Sprint(i)), Timestamp: int64(i)})
		if err != nil {
			fmt.Println("add:", err)
			os.Exit(2)
		}
		fmt.Println(hex.EncodeToString(h[:]))
	}
}

// TestKill9 kills an archive while it adds and prunes, then checks that
// the reopened archive holds the newest acknowledged messages, and that its
// count, its message index and its hash index agree.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(acked) < 600 {
		if len(sc.Text()) != 64 {
			t.Fatalf("child: %s", sc.Text())
		}
		acked = append(acked, sc.Text())
	}
	cmd.Process.Kill() // SIGKILL
	// The child went on adding while we read; what it printed before the
	// kill is still in the pipe, and all of it was acknowledged.
	for sc.Scan() {
		if len(sc.Text()) == 64 {
			acked = append(acked, sc.Text())
		}
	}
	cmd.Wait()
	if len(acked) < 600 {
		t.Fatalf("child acknowledged %d messages before stopping, want 600", len(acked))
	}

	a := open(t, dir, &clock{time.Now()}, archive.Options{MaxClockDrift: -1})
	n, _ := a.Count()
	all := walk(t, a, archive.Query{Forward: true, PageSize: 100}, 100)
	if uint64(len(all)) != n {
		t.Fatalf("Count() = %d, but %d entries are stored", n, len(all))
	}
	// Pruning runs beside the adds and may lag behind them on a busy
	// machine, so the count is only bounded by what was added (the
	// acknowledged messages and at most one in flight).
	if n < 100 || n > uint64(len(acked))+1 {
		t.Errorf("Count() = %d, want between 100 and the %d acknowledged messages (+1 in flight)", n, len(acked))
	}
	var have []string
	for _, h := range all {
		have = append(have, hex.EncodeToString(h[:]))
	}
	// Messages are stamped 0, 1, 2, …: the stored ones are the newest
	// acknowledged ones (and perhaps one not yet acknowledged).
	newest := acked[len(acked)-int(min(n, 100)):]
	for _, h := range newest {
		if !slices.Contains(have, h) {
			t.Fatalf("acknowledged message %s lost", h)
		}
	}
	p, err := a.Query(context.Background(), archive.Query{Hashes: all, PageSize: 100})
	if err != nil || len(p.Entries) != min(len(all), 100) {
		t.Errorf("hash lookup of the stored entries = %d entries, %v, want %d", len(p.Entries), err, min(len(all), 100))
	}
}
