package bench

import (
	"bytes"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// ownTestKernels are the cases that TestEveryCaseRunsOnGo leaves to the
// tests of rln_test.go, relay_test.go and proofs_test.go, which run them at
// a tiny size: at full size they prove hundreds of messages first, or set
// up storage-proof keys for tens of seconds.
var ownTestKernels = map[string]bool{"rln-prove": true, "rln-verify": true, "rln-batch-verify": true, "waku-relay-rln": true,
	"storage-prove": true, "storage-verify": true, "storage-batch-verify": true}

// runOnGo sets case setup up for the go backend, checks its work and runs
// its op calls times.
func runOnGo(t *testing.T, name string, setup func(accel.Backend) (func() error, float64, error), wantWork float64, calls int) {
	t.Helper()
	defer runCaseCleanups()
	op, work, err := setup(accel.Go)
	if err != nil {
		t.Fatalf("%s: Setup(go) = %v", name, err)
	}
	if work != wantWork {
		t.Errorf("%s: work = %v, want %v", name, work, wantWork)
	}
	for i := range calls {
		if err := op(); err != nil {
			t.Fatalf("%s: call %d = %v", name, i+1, err)
		}
	}
}

func TestRLNCasesRun(t *testing.T) {
	runOnGo(t, "rln-prove", rlnProveSetup, 1, 1)
	runOnGo(t, "rln-verify", rlnVerifySetup, 1, 1)
	runOnGo(t, "rln-batch-verify", rlnBatchVerifySetup(4), 4, 1)
	if _, _, err := rlnVerifySetup(accel.SIMD); err == nil {
		t.Error("rln-verify Setup(simd) = nil error, want a skip (go only)")
	}
}

// TestProvedMessagesValid checks the pool: every message carries a rate
// limit proof that decodes to its proof values, bound to its own signal.
func TestProvedMessagesValid(t *testing.T) {
	pool, err := provedMessages(2)
	if err != nil {
		t.Fatal(err)
	}
	m, err := member()
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range pool {
		rlp, err := rln.DecodeRateLimitProof(p.msg.RateLimitProof)
		if err != nil {
			t.Fatalf("message %d: DecodeRateLimitProof = %v", i, err)
		}
		pv, err := rlp.ProofValues()
		if err != nil {
			t.Fatalf("message %d: ProofValues = %v", i, err)
		}
		if !pv.Root.Equal(&m.root) || !pv.Nullifier.Equal(&p.pv.Nullifier) {
			t.Errorf("message %d: root or nullifier differ from the proof values", i)
		}
		if x := rln.SignalX(rlnrelay.Signal(p.msg)); !x.Equal(&pv.X) {
			t.Errorf("message %d: x is not the message's signal", i)
		}
	}
	if pool[0].pv.Nullifier.Equal(&pool[1].pv.Nullifier) {
		t.Error("message ids 0 and 1 have one nullifier")
	}
}

// TestSerializedWitnessLayout checks zerokit's layout field by field.
func TestSerializedWitnessLayout(t *testing.T) {
	m, err := member()
	if err != nil {
		t.Fatal(err)
	}
	in := m.input(3, []byte("signal"))
	var limit, id, x fr.Element
	limit.SetUint64(in.UserMessageLimit)
	id.SetUint64(3)
	x = rln.SignalX(in.Signal)
	b := serializedWitness(in, limit, id, x)
	n := rln.TreeDepth
	if want := 3*32 + 8 + 32*n + 8 + n + 2*32; len(b) != want {
		t.Fatalf("serializedWitness is %d bytes, want %d", len(b), want)
	}
	if b[64] != 3 || b[96] != byte(n) || b[96+8+32*n] != byte(n) {
		t.Errorf("message id or the two lengths are misplaced: % x", b[:104])
	}
	if !bytes.Equal(b[96+8+32*n+8:][:n], in.Path.PathIndex) {
		t.Error("path index bits are misplaced")
	}
	var got fr.Element
	got, _ = fr.LittleEndian.Element((*[32]byte)(b[len(b)-32:]))
	if !got.Equal(&in.ExternalNullifier) {
		t.Error("external nullifier is not last")
	}
}
