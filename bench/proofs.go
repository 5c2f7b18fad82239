package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	gnarklog "github.com/consensys/gnark/logger"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/decompress"
	"github.com/cairn-node/cairn/accel/groth16verify"
	"github.com/cairn-node/cairn/accel/msm"
	"github.com/cairn-node/cairn/accel/ntt"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// The storage-proof rows check issue #6's targets on the 2-core machine:
// prove 5 samples in ≤ 1 s (≥ 1 proof/s) and 100 samples in ≤ 10 s
// (≥ 0.1 proof/s), verify in ≤ 2 ms (≥ 500 proofs/s), batch-verify
// ≥ 1,000 proofs/s, and a proving key for 100 samples of ≤ 300 MB.
const (
	// storageBatch is the batch size of storage-batch-verify.
	storageBatch = 256
	// storageSlotBlocks is the number of 64 KiB blocks of the bench slot:
	// 512 cells of 2 KiB, so that 100 samples mostly hit distinct cells.
	storageSlotBlocks = 16
	// storageSlot is the slot that the rows prove (of K+M = 2).
	storageSlot = 0
)

// storageEntropy is the public entropy of the bench's proofs (any field
// element; fixed so that runs prove the same cells).
var storageEntropy = big.NewInt(0xca1e5eed)

// storageKeyDir returns the directory where proofs.Setup caches the bench's
// keys, so that only the first run on a machine pays for the setup (tens
// of seconds for N = 5, minutes for N = 100). Tests point it elsewhere.
var storageKeyDir = func() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("bench: proving key cache: %w", err)
	}
	return filepath.Join(d, "cairn", "bench-proof-keys"), nil
}

// storageProofCases are the storage-proof rows, in proofs per second:
// proving N = 5 (quick) and N = 100 with Keys.Prove, loading their keys
// as a node starting up does (proofs.LoadKeys, in loads per second: the
// compiled circuit and the key file from the cache), verifying one N = 5
// proof, and verifying a batch of storageBatch N = 5 proofs with the
// accel/groth16verify kernel. The prove rows measure gnark's own prover
// (Keys.ProveGnark) beside Cairn's as the peer "gnark".
func storageProofCases() []Case {
	return []Case{
		{Kernel: "storage-prove", Params: "N=5", Unit: "proofs/s", Quick: true, Setup: storageProveSetup(5),
			Peer: storageGnarkPeer(5), PeerName: "gnark"},
		{Kernel: "storage-prove", Params: "N=100", Unit: "proofs/s", Setup: storageProveSetup(100),
			Peer: storageGnarkPeer(100), PeerName: "gnark"},
		{Kernel: "storage-load-keys", Params: "N=5", Unit: "loads/s", Quick: true, Setup: storageLoadSetup(5)},
		{Kernel: "storage-load-keys", Params: "N=100", Unit: "loads/s", Setup: storageLoadSetup(100)},
		{Kernel: "storage-verify", Params: "N=5,single", Unit: "proofs/s", Quick: true, Setup: storageVerifySetup(5)},
		{Kernel: "storage-batch-verify", Params: fmt.Sprintf("N=5,batch=%d", storageBatch), Unit: "proofs/s", Quick: true,
			Setup: storageBatchVerifySetup(5, storageBatch)},
	}
}

// storageKeyGauges are storage-proving-key for N = 5 (quick) and N = 100,
// whose target is ≤ 300 MB.
func storageKeyGauges() []gaugeCase {
	return []gaugeCase{storageKeyGauge(5, true), storageKeyGauge(100, false)}
}

// storageKeyGauge is storage-proving-key for n samples: the size in MB
// (10^6 bytes) of the key file that proofs.Setup writes (verifying and
// proving key), which a prover loads into memory.
func storageKeyGauge(n int, quick bool) gaugeCase {
	return gaugeCase{Name: "storage-proving-key", Params: fmt.Sprintf("N=%d", n), Unit: "MB", Quick: quick,
		Read: func(context.Context) (float64, error) {
			f, err := storageFixtureFor(n)
			if err != nil {
				return 0, err
			}
			fi, err := os.Stat(f.keyFile)
			if err != nil {
				return 0, err
			}
			return float64(fi.Size()) / 1e6, nil
		}}
}

// storageFixture is what the rows of one N share: the keys, a witness for
// a real slot and one proof of it.
type storageFixture struct {
	keys    *proofs.Keys
	keyFile string
	w       *circuit.Witness
	pub     proofs.PublicInputs
	proof   *proofs.Proof
}

// storageFixtures holds storageFixtureFor's results; like benchMember it
// needs no lock, as Run and the tests set cases up one at a time.
var storageFixtures = map[int]*storageFixture{}

// storageFixtureFor sets up (or loads from storageKeyDir) the keys for n
// samples, builds the witness and proves it once; later calls return the
// same fixture.
func storageFixtureFor(n int) (*storageFixture, error) {
	if f := storageFixtures[n]; f != nil {
		return f, nil
	}
	// gnark logs every compile, proof and verification on stderr (debug
	// and warning lines); in a bench that is noise, and time in the rows.
	gnarklog.Disable()
	dir, err := storageKeyDir()
	if err != nil {
		return nil, err
	}
	p := circuit.DefaultParams(n)
	start := time.Now()
	setupNote("storage proofs: compiling N=%d and loading its keys from %s (a first run generates them: ~10 s for N=5, ~3.5 min and ~270 MB for N=100 on 2 cores)", n, dir)
	k, err := proofs.Setup(context.Background(), dir, p)
	if err != nil {
		return nil, err
	}
	setupNote("storage proofs: N=%d keys ready in %v (from cache: %v)", n, time.Since(start).Round(time.Millisecond), k.FromCache())
	w, err := storageWitness(n)
	if err != nil {
		return nil, err
	}
	proof, err := k.Prove(w)
	if err != nil {
		return nil, err
	}
	pub := proofs.PublicInputs{Entropy: w.Entropy, DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex}
	// A row must never time a prover (or keys) whose proofs fail.
	if err := k.VerifyingKey().Verify(proof, pub); err != nil {
		return nil, fmt.Errorf("bench: storage proofs: the fixture's N=%d proof does not verify: %w", n, err)
	}
	f := &storageFixture{keys: k, keyFile: filepath.Join(dir, proofs.KeyFileName(p, k.Digest())), w: w, proof: proof, pub: pub}
	storageFixtures[n] = f
	return f, nil
}

// setupNote prints a line about a long setup on stderr, under the
// progress bar (on a terminal the bar's line is ended first).
func setupNote(format string, args ...any) {
	nl := ""
	if newProgress(os.Stderr, 0).tty {
		nl = "\n"
	}
	fmt.Fprintf(os.Stderr, nl+"bench: "+format+"\n", args...)
}

// storageWitness builds slot storageSlot of a K=1, M=1 dataset of random
// blocks in memory with package slots, as the node's prover does from its
// store, and returns the witness for n samples of it (prover.Witness: the
// cells that storageEntropy selects, with their paths).
func storageWitness(n int) (*circuit.Witness, error) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(uint64(n), 0x570))
	blocks := make(memBlocks, storageSlotBlocks)
	for i := range blocks {
		blocks[i] = randBytes(rng, shardSize)
	}
	m := manifest.New(cids.Tree(sha256.Sum256([]byte("storage-prove"))), shardSize, uint64(2*storageSlotBlocks*shardSize))
	m.Erasure = &manifest.ErasureInfo{K: 1, M: 1, Strategy: manifest.StrategyStepped}
	ds, err := slots.BuildDataset(ctx, blocks, m, slots.Options{})
	if err != nil {
		return nil, err
	}
	w, _, err := prover.Witness(ctx, ds, storageSlot, storageEntropy, n)
	return w, err
}

// storageProveSetup proves the n-sample witness once per call with
// Keys.Prove, whose MSMs and NTTs follow the process's router. Bench cannot
// force them (ProveAccel and its options are test-only), so the row
// of backend b is measured when the router sends the prover's large MSMs
// and NTTs to b, and skipped with the reason otherwise: go on a machine
// without IFMA and without a GPU, simd with AVX-512 IFMA, icicle where it runs on CUDA or with
// CAIRN_ACCEL_MSM=icicle CAIRN_ACCEL_NTT=icicle.
func storageProveSetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if _, err := msm.New(b); err != nil {
			return nil, 0, fmt.Errorf("bench: storage-prove: %w", err)
		}
		f, err := storageFixtureFor(n)
		if err != nil {
			return nil, 0, err
		}
		if err := proverRoutedTo(b, f.keys.NbConstraints()); err != nil {
			return nil, 0, err
		}
		return func() error { _, err := f.keys.Prove(f.w); return err }, 1, nil
	}
}

// storageLoadSetup loads the keys of n samples per call with
// proofs.LoadKeysWith from the bench's key cache (which the fixture
// fills), the key file's points decoded by backend b.
func storageLoadSetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		d, err := decompress.New(b)
		if err != nil {
			return nil, 0, err
		}
		if _, err := storageFixtureFor(n); err != nil {
			return nil, 0, err
		}
		dir, err := storageKeyDir()
		if err != nil {
			return nil, 0, err
		}
		return func() error { _, err := proofs.LoadKeysWith(dir, circuit.DefaultParams(n), d); return err }, 1, nil
	}
}

// storageGnarkPeer proves the same witness with gnark's own prover
// (Keys.ProveGnark), measured beside Cairn's accel prover in the same run.
func storageGnarkPeer(n int) func() (func() error, float64, error) {
	return func() (func() error, float64, error) {
		f, err := storageFixtureFor(n)
		if err != nil {
			return nil, 0, err
		}
		return func() error { _, err := f.keys.ProveGnark(f.w); return err }, 1, nil
	}
}

// proverRoutedTo returns nil when the router picks b for MSMs of size
// points (the prover's constraint count: its large kernels) and for its
// NTTs where b has an NTT (simd has none: its rows run NTTs on go), else an
// error wrapping accel.ErrUnavailable that says how to measure b.
func proverRoutedTo(b accel.Backend, size int) error {
	m, err := accel.PickDefault(accel.KernelMSM, size, "points")
	if err != nil {
		return err
	}
	t, err := accel.PickDefault(accel.KernelNTT, size, "elements")
	if err != nil {
		return err
	}
	if m == b && (t == b || ntt.Available(b) != nil) {
		return nil
	}
	return fmt.Errorf("bench: storage-prove: the router sends the prover's MSMs to %s and NTTs to %s at %d constraints; "+
		"set CAIRN_ACCEL_MSM=%s CAIRN_ACCEL_NTT=%s to measure %s: %w", m, t, size, b, b, b, accel.ErrUnavailable)
}

// storageVerifySetup verifies one n-sample proof per call with
// VerifyingKey.Verify (gnark's Groth16 verifier). There is one backend: go.
func storageVerifySetup(n int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if err := goOnly(b, "storage-verify"); err != nil {
			return nil, 0, err
		}
		f, err := storageFixtureFor(n)
		if err != nil {
			return nil, 0, err
		}
		vk := f.keys.VerifyingKey()
		return func() error { return vk.Verify(f.proof, f.pub) }, 1, nil
	}
}

// storageBatchVerifySetup verifies size distinct n-sample proofs per call
// with BatchKey.Verify on backend b's accel/groth16verify kernel. The
// proofs are re-randomisations of the fixture's proof (see rerandomize):
// proving size of them would take minutes, and a batch verifier's cost
// does not depend on how its valid proofs were made.
func storageBatchVerifySetup(n, size int) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		v, err := groth16verify.New(b)
		if err != nil {
			return nil, 0, err
		}
		f, err := storageFixtureFor(n)
		if err != nil {
			return nil, 0, err
		}
		bk, err := f.keys.VerifyingKey().BatchKey()
		if err != nil {
			return nil, 0, err
		}
		rng := rand.New(rand.NewPCG(uint64(n), uint64(size)))
		ps := make([]*proofs.Proof, size)
		pubs := make([]proofs.PublicInputs, size)
		for i := range ps {
			if ps[i], err = rerandomize(f.proof, rng.Uint64()|1); err != nil {
				return nil, 0, err
			}
			pubs[i] = f.pub
		}
		return func() error {
			ok, err := bk.Verify(v, ps, pubs)
			if err != nil {
				return err
			}
			for i, valid := range ok {
				if !valid {
					return fmt.Errorf("bench: valid proof %d of the batch did not verify", i)
				}
			}
			return nil
		}, float64(size), nil
	}
}

// rerandomize returns (A/r, r·B, C) for the proof (A, B, C): another valid
// proof of the same statement, since e(A/r, r·B) = e(A, B). It works on
// the binary encoding (compressed A at bytes 0–31, B at 32–95; see
// proofs.ProofSize), as the proof's points are not exported.
func rerandomize(p *proofs.Proof, r uint64) (*proofs.Proof, error) {
	enc, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var a bn254.G1Affine
	var b bn254.G2Affine
	if _, err := a.SetBytes(enc[:32]); err != nil {
		return nil, err
	}
	if _, err := b.SetBytes(enc[32:96]); err != nil {
		return nil, err
	}
	var s, sInv fr.Element
	s.SetUint64(r)
	sInv.Inverse(&s)
	a.ScalarMultiplication(&a, sInv.BigInt(new(big.Int)))
	b.ScalarMultiplication(&b, s.BigInt(new(big.Int)))
	aEnc, bEnc := a.Bytes(), b.Bytes()
	copy(enc[:32], aEnc[:])
	copy(enc[32:96], bEnc[:])
	q := new(proofs.Proof)
	if err := q.UnmarshalBinary(enc); err != nil {
		return nil, fmt.Errorf("bench: re-randomised proof: %w", err)
	}
	return q, nil
}
