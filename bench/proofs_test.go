package bench

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
)

// TestStorageProofCasesRun runs the storage-proof rows and the key gauge
// with N = 1 (a setup of a few seconds, into a temporary key directory
// instead of the user's cache) on the go backend, and checks that a
// re-randomised proof verifies, differs from its source and is bound to
// its statement.
func TestStorageProofCasesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up storage-proof keys for N = 1")
	}
	dir := t.TempDir()
	oldDir, oldFixtures := storageKeyDir, storageFixtures
	storageKeyDir = func() (string, error) { return dir, nil }
	storageFixtures = map[int]*storageFixture{}
	t.Cleanup(func() { storageKeyDir, storageFixtures = oldDir, oldFixtures })

	if _, _, err := storageProveSetup(1)(accel.Go); errors.Is(err, accel.ErrUnavailable) {
		t.Logf("storage-prove on go skipped (the router sends the prover elsewhere): %v", err)
	} else {
		runOnGo(t, "storage-prove", storageProveSetup(1), 1, 1)
	}
	op, work, err := storageGnarkPeer(1)()
	if err != nil || work != 1 {
		t.Fatalf("storage-prove gnark peer: work %v, %v", work, err)
	}
	if err := op(); err != nil {
		t.Fatalf("storage-prove gnark peer: %v", err)
	}
	runOnGo(t, "storage-verify", storageVerifySetup(1), 1, 1)
	runOnGo(t, "storage-batch-verify", storageBatchVerifySetup(1, 4), 4, 1)
	if _, _, err := storageProveSetup(1)(accel.SIMD); !errors.Is(err, accel.ErrUnavailable) {
		t.Errorf("storage-prove Setup(simd) = %v, want a skip (msm has no simd backend)", err)
	}
	mb, err := storageKeyGauge(1, true).Read(context.Background())
	if err != nil || mb < 1 || mb > 20 {
		t.Errorf("storage-proving-key N=1 = %v MB, %v; want about 4 MB", mb, err)
	}

	f, err := storageFixtureFor(1)
	if err != nil {
		t.Fatal(err)
	}
	q, err := rerandomize(f.proof, 12345)
	if err != nil {
		t.Fatal(err)
	}
	vk := f.keys.VerifyingKey()
	if err := vk.Verify(q, f.pub); err != nil {
		t.Fatalf("re-randomised proof: %v", err)
	}
	a, _ := f.proof.MarshalBinary()
	b, _ := q.MarshalBinary()
	if bytes.Equal(a, b) {
		t.Error("re-randomised proof equals the original")
	}
	other := f.pub
	other.SlotIndex++
	if err := vk.Verify(q, other); err == nil {
		t.Error("re-randomised proof verifies for another slot index")
	}
}
