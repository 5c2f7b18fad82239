package bench

import (
	"testing"

	"github.com/cairn-node/cairn/accel"
)

// TestFarmCaseRuns sets up the two-worker farm row with real `cairn
// prover` processes and runs one op: 16 proofs, all verified.
func TestFarmCaseRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cairn and proves 16 RLN proofs in two worker processes")
	}
	defer runCaseCleanups()
	op, work, err := farmSetup(farmShape{workers: 2, procs: 1})(accel.Go)
	if err != nil {
		t.Fatalf("farmSetup(2 workers)(go) = %v", err)
	}
	if work != 2*farmJobsPerWorker {
		t.Errorf("work = %v, want %d proofs", work, 2*farmJobsPerWorker)
	}
	if err := op(); err != nil {
		t.Errorf("op = %v", err)
	}
	if _, _, err := farmSetup(farmShape{workers: 1})(accel.Icicle); err == nil {
		t.Error("farmSetup(icicle) = nil error, want the go-only skip")
	}
}
