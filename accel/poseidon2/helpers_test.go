package poseidon2_test

import (
	"errors"
	"math/big"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// backends returns every backend this binary can run: go and simd always,
// icicle when it is built in and its device loads.
func backends(t testing.TB) []accel.Poseidon2 {
	t.Helper()
	var ps []accel.Poseidon2
	for _, b := range accel.Backends {
		p, err := poseidon2.New(b)
		if errors.Is(err, accel.ErrUnavailable) {
			t.Logf("New(%s) = %v; skipping that backend", b, err)
			continue
		}
		if err != nil {
			t.Fatalf("New(%s) = %v, want nil", b, err)
		}
		ps = append(ps, p)
	}
	return ps
}

// mustNew returns backend b or stops the test.
func mustNew(t testing.TB, b accel.Backend) accel.Poseidon2 {
	t.Helper()
	p, err := poseidon2.New(b)
	if errors.Is(err, accel.ErrUnavailable) {
		t.Skipf("New(%s): %v", b, err)
	}
	if err != nil {
		t.Fatalf("New(%s) = %v, want nil", b, err)
	}
	return p
}

// frDec parses a decimal field element of an upstream vector.
func frDec(t testing.TB, s string) accel.Fr {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad decimal %q", s)
	}
	x, err := poseidon2.FrFromBig(v)
	if err != nil {
		t.Fatalf("FrFromBig(%s) = %v", s, err)
	}
	return x
}

// frHexBE parses a big-endian hexadecimal field element ("0x…").
func frHexBE(t testing.TB, s string) accel.Fr {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 0)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	x, err := poseidon2.FrFromBig(v)
	if err != nil {
		t.Fatalf("FrFromBig(%s) = %v", s, err)
	}
	return x
}

// compress1 is one keyed compression.
func compress1(t testing.TB, p accel.Poseidon2, x, y accel.Fr, key uint64) accel.Fr {
	t.Helper()
	out := make([]accel.Fr, 1)
	if err := p.Compress(out, []accel.Fr{x}, []accel.Fr{y}, key); err != nil {
		t.Fatalf("%s: Compress(%x, %x, %d) = %v", p.Backend(), x, y, key, err)
	}
	return out[0]
}

// merkleRoot is the Logos Storage Poseidon2 Merkle root, written after
// nim-poseidon2 tests/poseidon2/reference.nim and Haskell Merkle.hs
// calcMerkleRoot: pairs compressed with KeyBottomLayer on the first layer and
// KeyNone above, a last odd node compressed with a zero right child and the
// odd key, a single leaf compressed once. Each layer is one batched Compress
// call, so large layers exercise the parallel path.
func merkleRoot(t testing.TB, p accel.Poseidon2, leaves []accel.Fr) accel.Fr {
	t.Helper()
	if len(leaves) == 0 {
		t.Fatalf("merkleRoot of no leaves")
	}
	layer := leaves
	for bottom := true; bottom || len(layer) > 1; bottom = false {
		even, odd := poseidon2.KeyNone, poseidon2.KeyOdd
		if bottom {
			even, odd = poseidon2.KeyBottomLayer, poseidon2.KeyOddAndBottomLayer
		}
		half := len(layer) / 2
		left := make([]accel.Fr, half)
		right := make([]accel.Fr, half)
		for i := range half {
			left[i], right[i] = layer[2*i], layer[2*i+1]
		}
		next := make([]accel.Fr, half, half+1)
		if err := p.Compress(next, left, right, even); err != nil {
			t.Fatalf("%s: Compress(layer of %d) = %v", p.Backend(), half, err)
		}
		if len(layer)%2 == 1 {
			next = append(next, compress1(t, p, layer[len(layer)-1], accel.Fr{}, odd))
		}
		layer = next
	}
	return layer[0]
}

// reconstructRoot walks a Merkle path from leaf index idx of a tree with
// size leaves (Haskell Merkle.hs reconstructMerkleRoot).
func reconstructRoot(t testing.TB, p accel.Poseidon2, leaf accel.Fr, idx, size int, path []accel.Fr) accel.Fr {
	t.Helper()
	h := leaf
	for level, sib := range path {
		even, odd := poseidon2.KeyNone, poseidon2.KeyOdd
		if level == 0 {
			even, odd = poseidon2.KeyBottomLayer, poseidon2.KeyOddAndBottomLayer
		}
		switch {
		case idx&1 == 1:
			h = compress1(t, p, sib, h, even)
		case idx == size-1:
			h = compress1(t, p, h, accel.Fr{}, odd)
		default:
			h = compress1(t, p, h, sib, even)
		}
		idx >>= 1
		size = (size + 1) >> 1
	}
	if idx != 0 {
		t.Fatalf("reconstructRoot: path too short, index left %d", idx)
	}
	return h
}
