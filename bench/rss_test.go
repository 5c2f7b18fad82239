package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestIdleRSS starts the real node, briefly, and checks the reading.
func TestIdleRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts cairn")
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	g := idleRSSGauge(100 * time.Millisecond)
	gs, err := readGauges(ctx, []gaugeCase{g}, newProgress(nil, 1))
	if err != nil {
		t.Fatalf("readGauges(node-idle-rss) = %v", err)
	}
	if len(gs) != 1 || gs[0].Skipped != "" || gs[0].Value < 5 || gs[0].Value > 4000 {
		t.Fatalf("node-idle-rss = %+v, want between 5 and 4000 MB", gs)
	}
}

func TestVmRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	kb, err := vmRSS(os.Getpid())
	if err != nil || kb < 1000 {
		t.Errorf("vmRSS(self) = %d kB, %v; want a few MB at least", kb, err)
	}
}
