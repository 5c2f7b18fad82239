package proofs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// TestKeyFileVersions writes the keys of N = 1 in the version 1 layout by
// hand and expects LoadKeys to read it, Setup to rewrite it as version 2
// (the same compressed points in another order), the
// rewritten file to load with equal keys, and damaged or mismatched
// version 2 files to be ErrKeyFile.
func TestKeyFileVersions(t *testing.T) {
	p := circuit.DefaultParams(1)
	k, err := Setup(context.Background(), "", p)
	if err != nil {
		t.Fatal(err)
	}
	var vk bytes.Buffer
	if _, err := k.vk.vk.WriteTo(&vk); err != nil {
		t.Fatal(err)
	}
	v1 := []byte(keysMagicV1)
	v1 = binary.BigEndian.AppendUint64(v1, uint64(vk.Len()))
	v1 = append(v1, vk.Bytes()...)
	var pk bytes.Buffer
	if _, err := k.pk.WriteTo(&pk); err != nil {
		t.Fatal(err)
	}
	v1 = append(v1, pk.Bytes()...)

	dir := t.TempDir()
	path := filepath.Join(dir, KeyFileName(p, k.Digest()))
	if err := os.WriteFile(path, v1, 0o600); err != nil {
		t.Fatal(err)
	}
	// A decoy: newer, named for p but for another circuit. The prefetch
	// reads it; Setup must still use the right file.
	decoy := filepath.Join(dir, KeyFileName(p, "0123456789abcdef"))
	if err := os.WriteFile(decoy, []byte("not keys"), 0o600); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(decoy, future, future); err != nil {
		t.Fatal(err)
	}

	fromV1, err := LoadKeys(dir, p)
	if err != nil {
		t.Fatalf("LoadKeys(version 1) = %v", err)
	}
	sameKeys(t, "version 1", k, fromV1)
	if b, _ := os.ReadFile(path); !bytes.Equal(b, v1) {
		t.Fatal("LoadKeys rewrote the key file; only Setup may")
	}

	migrated, err := Setup(context.Background(), dir, p)
	if err != nil || !migrated.FromCache() {
		t.Fatalf("Setup over version 1: from cache %v, %v", migrated != nil && migrated.FromCache(), err)
	}
	v2, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Version 2 adds the five empty slices' counts to version 1's bytes.
	if !bytes.HasPrefix(v2, []byte(keysMagicV2)) || len(v2) != len(v1)+5*4 {
		t.Fatalf("Setup left %d bytes starting %q; want version 2 of %d + 20 bytes", len(v2), v2[:len(keysMagicV2)], len(v1))
	}
	fromV2, err := LoadKeys(dir, p)
	if err != nil {
		t.Fatalf("LoadKeys(version 2) = %v", err)
	}
	sameKeys(t, "version 2", k, fromV2)

	for _, c := range []struct {
		name string
		edit func([]byte) []byte
	}{
		{"truncated in the points", func(b []byte) []byte { return b[:len(b)-100] }},
		{"a count beyond the file", func(b []byte) []byte {
			// The last slice is G2 B: its count precedes its points.
			at := len(b) - len(k.pk.G2.B)*64 - 4
			binary.BigEndian.PutUint32(b[at:], 1<<30)
			return b
		}},
		{"a point without the compressed flag", func(b []byte) []byte { b[len(b)-64] &^= 0xc0; return b }},
		{"unknown version", func(b []byte) []byte { b[len(keysMagicPrefix)] = 9; return b }},
	} {
		bad := c.edit(bytes.Clone(v2))
		if err := os.WriteFile(path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeys(dir, p); !errors.Is(err, ErrKeyFile) {
			t.Errorf("LoadKeys(%s) = %v, want ErrKeyFile", c.name, err)
		}
	}
}

// sameKeys checks that got holds want's keys, point for point.
func sameKeys(t *testing.T, what string, want, got *Keys) {
	t.Helper()
	if got.Digest() != want.Digest() {
		t.Fatalf("%s: digest %s, want %s", what, got.Digest(), want.Digest())
	}
	var a, b bytes.Buffer
	if _, err := want.pk.WriteTo(&a); err != nil {
		t.Fatal(err)
	}
	if _, err := got.pk.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("%s: the proving key differs from the generated one", what)
	}
	a.Reset()
	b.Reset()
	want.vk.WriteTo(&a)
	got.vk.WriteTo(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("%s: the verifying key differs", what)
	}
}

// TestCircuitCache: Setup caches the compiled circuit per executable and
// reads it back; a damaged cache, or one holding another circuit (which
// names no key file), costs a compile, never new keys.
func TestCircuitCache(t *testing.T) {
	if executableID() == "" {
		t.Skip("the test binary cannot read itself")
	}
	p := circuit.DefaultParams(1)
	dir := t.TempDir()
	k, err := Setup(context.Background(), dir, p)
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, circuitFileName(p, executableID()))
	stale := filepath.Join(dir, circuitFileName(p, "0000000000000000"))
	if err := os.WriteFile(stale, []byte("an older executable's circuit"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cache); err != nil {
		t.Fatalf("no cached circuit after Setup: %v", err)
	}
	ccs, digest, cached, err := compileCached(dir, p)
	if err != nil || !cached || digest != k.Digest() || ccs.GetNbConstraints() != k.NbConstraints() {
		t.Fatalf("compileCached = cached %v, digest %s (want %s), %v", cached, digest, k.Digest(), err)
	}

	// A cached circuit for N = 2 under N = 1's name: its digest names no
	// key file, so Setup compiles N = 1 and finds its keys.
	other, _, err := Compile(circuit.DefaultParams(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(cache, func(w io.Writer) error { _, err := other.WriteTo(w); return err }); err != nil {
		t.Fatal(err)
	}
	again, err := Setup(context.Background(), dir, p)
	if err != nil || !again.FromCache() || again.Digest() != k.Digest() {
		t.Fatalf("Setup over another circuit's cache: from cache %v, digest %v, %v", again != nil && again.FromCache(), again != nil && again.Digest() == k.Digest(), err)
	}
	if _, digest, cached, err := compileCached(dir, p); err != nil || !cached || digest != k.Digest() {
		t.Fatalf("compileCached after the distrusted cache: cached %v, right digest %v, %v; want it rewritten", cached, digest == k.Digest(), err)
	}
	w := fixtureWitness(t, 1)
	proof, err := again.Prove(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.VerifyingKey().Verify(proof, PublicInputs{Entropy: w.Entropy, DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex}); err != nil {
		t.Errorf("Verify(proof under the cached circuit) = %v", err)
	}

	// Another circuit's cache and no key file: the keys Setup generates
	// must be those of N = 1's circuit.
	if err := writeAtomic(cache, func(w io.Writer) error { _, err := other.WriteTo(w); return err }); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, KeyFileName(p, k.Digest()))); err != nil {
		t.Fatal(err)
	}
	fresh, err := Setup(context.Background(), dir, p)
	if err != nil || fresh.FromCache() || fresh.Digest() != k.Digest() {
		t.Fatalf("Setup over another circuit's cache without keys: from cache %v, right digest %v, %v", fresh != nil && fresh.FromCache(), fresh != nil && fresh.Digest() == k.Digest(), err)
	}
	proof, err = fresh.Prove(w)
	if err != nil {
		t.Fatal(err)
	}
	if err := fresh.VerifyingKey().Verify(proof, PublicInputs{Entropy: w.Entropy, DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex}); err != nil {
		t.Errorf("Verify(proof under keys generated after a distrusted cache) = %v", err)
	}

	// Truncated: read fails, Compile runs, the cache is rewritten.
	if err := os.Truncate(cache, 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeys(dir, p); err != nil {
		t.Fatalf("LoadKeys over a truncated cached circuit = %v", err)
	}
	if _, _, cached, err := compileCached(dir, p); err != nil || !cached {
		t.Errorf("compileCached after a compile: cached %v, %v; want the rewritten cache", cached, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("another executable's cached circuit is still there (%v)", err)
	}
}

// fixtureWitness returns the first n samples of logos-storage-nim's
// circuit input (the package's tests share it: FixtureWitness).
func fixtureWitness(t testing.TB, n int) *circuit.Witness {
	t.Helper()
	f, err := os.Open("../../../accel/poseidon2/testdata/logos-storage-circuit-input.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := circuit.ParseInputJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	w.CellData, w.MerklePaths = w.CellData[:n], w.MerklePaths[:n]
	return w
}
