package proofs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// keyDir is shared by the tests of one run, so each N is set up once.
// CAIRN_PROOFS_KEYDIR names a directory to keep them in across runs (for
// example `cairn bench`'s, ~/.cache/cairn/bench-proof-keys, which saves
// N = 100's minutes of setup).
var keyDir string

func TestMain(m *testing.M) {
	if d := os.Getenv("CAIRN_PROOFS_KEYDIR"); d != "" {
		keyDir = d
		os.Exit(m.Run())
	}
	d, err := os.MkdirTemp("", "cairn-proofs-keys")
	if err != nil {
		panic(err)
	}
	keyDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// fixture returns the first n samples of logos-storage-nim's circuit input.
func fixture(t testing.TB, n int) *circuit.Witness { return proofs.FixtureWitness(t, n) }

func public(w *circuit.Witness) proofs.PublicInputs {
	return proofs.PublicInputs{Entropy: w.Entropy, DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex}
}

var (
	setupMu sync.Mutex
	setups  = map[int]*proofs.Keys{}
)

// keysFor sets up N once per run (into keyDir) and logs the cost.
func keysFor(t testing.TB, n int) *proofs.Keys {
	t.Helper()
	setupMu.Lock()
	defer setupMu.Unlock()
	if k := setups[n]; k != nil {
		return k
	}
	start := time.Now()
	k, err := proofs.Setup(context.Background(), keyDir, circuit.DefaultParams(n))
	if err != nil {
		t.Fatalf("Setup(N=%d) = %v", n, err)
	}
	fi, err := os.Stat(filepath.Join(keyDir, proofs.KeyFileName(k.Params(), k.Digest())))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Setup(N=%d): %d constraints, %v, key file %.1f MB, from cache %v", n, k.NbConstraints(),
		time.Since(start).Round(time.Millisecond), float64(fi.Size())/1e6, k.FromCache())
	setups[n] = k
	return k
}

func checkProveVerify(t *testing.T, n int) {
	k := keysFor(t, n)
	w := fixture(t, n)
	start := time.Now()
	proof, err := k.Prove(w)
	if err != nil {
		t.Fatalf("Prove(fixture, N=%d) = %v", n, err)
	}
	t.Logf("Prove(N=%d): %v", n, time.Since(start).Round(time.Millisecond))
	vk := k.VerifyingKey()
	start = time.Now()
	if err := vk.Verify(proof, public(w)); err != nil {
		t.Fatalf("Verify(valid proof, N=%d) = %v", n, err)
	}
	t.Logf("Verify(N=%d): %v", n, time.Since(start).Round(time.Microsecond))

	one := big.NewInt(1)
	bad := map[string]proofs.PublicInputs{
		"entropy":     {Entropy: new(big.Int).Add(w.Entropy, one), DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex},
		"dataSetRoot": {Entropy: w.Entropy, DataSetRoot: new(big.Int).Add(w.DataSetRoot, one), SlotIndex: w.SlotIndex},
		"slotIndex":   {Entropy: w.Entropy, DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex + 1},
	}
	for name, pub := range bad {
		if err := vk.Verify(proof, pub); !errors.Is(err, proofs.ErrInvalidProof) {
			t.Errorf("Verify(proof, wrong %s) = %v, want ErrInvalidProof", name, err)
		}
	}

	// Both encodings round-trip to a proof that still verifies.
	bin, err := proof.MarshalBinary()
	if err != nil || len(bin) != proofs.ProofSize {
		t.Fatalf("MarshalBinary() = %d bytes, %v; want %d", len(bin), err, proofs.ProofSize)
	}
	var fromBin proofs.Proof
	if err := fromBin.UnmarshalBinary(bin); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	js, err := json.Marshal(proof)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON proofs.Proof
	if err := json.Unmarshal(js, &fromJSON); err != nil {
		t.Fatalf("UnmarshalJSON(%s): %v", js, err)
	}
	for name, p := range map[string]*proofs.Proof{"binary": &fromBin, "json": &fromJSON} {
		if err := vk.Verify(p, public(w)); err != nil {
			t.Errorf("Verify(%s round trip) = %v", name, err)
		}
	}
	// Another proof's C does not verify.
	var j map[string]any
	if err := json.Unmarshal(js, &j); err != nil {
		t.Fatal(err)
	}
	j["pi_c"], j["pi_a"] = j["pi_a"], j["pi_c"]
	swapped, _ := json.Marshal(j)
	var sw proofs.Proof
	if err := json.Unmarshal(swapped, &sw); err == nil {
		if err := vk.Verify(&sw, public(w)); !errors.Is(err, proofs.ErrInvalidProof) {
			t.Errorf("Verify(A and C swapped) = %v, want ErrInvalidProof", err)
		}
	}
}

func TestProveVerifyN1(t *testing.T) { checkProveVerify(t, 1) }

// TestProveVerifyN5 sets up N = 5 (86,187 constraints: 10 s on 2 quiet
// cores, up to ~45 s on a busy machine); -short skips it.
func TestProveVerifyN5(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: N = 5 needs a Groth16 setup of 87k constraints")
	}
	checkProveVerify(t, 5)
}

func TestProveRejectsBadWitness(t *testing.T) {
	k := keysFor(t, 1)
	w := fixture(t, 1)
	w.CellData[0][0] = new(big.Int).Add(w.CellData[0][0], big.NewInt(1))
	if _, err := k.Prove(w); !errors.Is(err, proofs.ErrUnsatisfied) {
		t.Errorf("Prove(tampered cell) = %v, want ErrUnsatisfied", err)
	}
	w = fixture(t, 1)
	w.SlotIndex = 2
	if _, err := k.Prove(w); !errors.Is(err, proofs.ErrUnsatisfied) {
		t.Errorf("Prove(wrong slot index) = %v, want ErrUnsatisfied", err)
	}
	if _, err := k.Prove(fixture(t, 2)); !errors.Is(err, circuit.ErrWitness) {
		t.Errorf("Prove(2 samples into N=1) = %v, want ErrWitness", err)
	}
}

func TestSetupCacheAndExport(t *testing.T) {
	k := keysFor(t, 1)
	again, err := proofs.Setup(context.Background(), keyDir, circuit.DefaultParams(1))
	if err != nil {
		t.Fatal(err)
	}
	if !again.FromCache() || again.Digest() != k.Digest() {
		t.Fatalf("second Setup: from cache %v, digest %s vs %s", again.FromCache(), again.Digest(), k.Digest())
	}
	var a, b bytes.Buffer
	k.VerifyingKey().WriteTo(&a)
	again.VerifyingKey().WriteTo(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("cached verifying key differs from the generated one")
	}
	// A proof from the cached proving key verifies with the first key.
	w := fixture(t, 1)
	proof, err := again.Prove(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.VerifyingKey().Verify(proof, public(w)); err != nil {
		t.Errorf("Verify(proof from cached key) = %v", err)
	}

	out := t.TempDir()
	vkPath, solPath, err := k.Export(out)
	if err != nil {
		t.Fatalf("Export = %v", err)
	}
	f, err := os.Open(vkPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vk, err := proofs.ReadVerifyingKey(f)
	if err != nil {
		t.Fatalf("ReadVerifyingKey(exported) = %v", err)
	}
	if err := vk.Verify(proof, public(w)); err != nil {
		t.Errorf("Verify with exported key = %v", err)
	}
	sol, err := os.ReadFile(solPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sol), "pragma solidity") || !strings.Contains(string(sol), "function verifyProof") {
		t.Errorf("Solidity export lacks pragma or verifyProof (%d bytes)", len(sol))
	}
}

// TestSetupRegeneratesCorruptFile: a damaged key file is a cache miss.
func TestSetupRegeneratesCorruptFile(t *testing.T) {
	k := keysFor(t, 1)
	dir := t.TempDir()
	path := filepath.Join(dir, proofs.KeyFileName(k.Params(), k.Digest()))
	if err := os.WriteFile(path, []byte("not keys"), 0o644); err != nil {
		t.Fatal(err)
	}
	k2, err := proofs.Setup(context.Background(), dir, circuit.DefaultParams(1))
	if err != nil {
		t.Fatalf("Setup over a corrupt file = %v", err)
	}
	if k2.FromCache() {
		t.Error("Setup used a corrupt key file")
	}
	k3, err := proofs.Setup(context.Background(), dir, circuit.DefaultParams(1))
	if err != nil || !k3.FromCache() {
		t.Errorf("Setup after regeneration: from cache %v, err %v", k3 != nil && k3.FromCache(), err)
	}
}

func TestSetupCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := proofs.Setup(ctx, "", circuit.DefaultParams(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Setup(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := proofs.Setup(context.Background(), "", circuit.Params{}); !errors.Is(err, circuit.ErrParams) {
		t.Errorf("Setup(zero Params) = %v, want ErrParams", err)
	}
}

// TestProveConcurrent proves with one Keys from two goroutines.
func TestProveConcurrent(t *testing.T) {
	k := keysFor(t, 1)
	w := fixture(t, 1)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := k.Prove(w)
			if err == nil {
				err = k.VerifyingKey().Verify(p, public(w))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
}
