package decompress_test

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
)

// FuzzG1 decodes arbitrary bytes as G1 points with every backend: they
// must all fail, or all return the same points.
func FuzzG1(f *testing.F) {
	p1, _ := randomPoints(9, 5)
	f.Add(encodeG1(p1))
	f.Add(make([]byte, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b) / 32
		compare(t, n, func(i int) []bn254.G1Affine { return make([]bn254.G1Affine, n) }, b[:n*32], "G1")
	})
}

// FuzzG2 is FuzzG1 for G2 points.
func FuzzG2(f *testing.F) {
	_, p2 := randomPoints(9, 6)
	f.Add(encodeG2(p2))
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b) / 64
		compare(t, n, func(i int) []bn254.G2Affine { return make([]bn254.G2Affine, n) }, b[:n*64], "G2")
	})
}

func compare[P comparable](t *testing.T, n int, alloc func(int) []P, src []byte, g string) {
	ds := backends(t)
	var ref []P
	var refErr error
	for k, d := range ds {
		out := alloc(n)
		var err error
		switch o := any(out).(type) {
		case []bn254.G1Affine:
			err = d.G1(o, src)
		case []bn254.G2Affine:
			err = d.G2(o, src)
		}
		if k == 0 {
			ref, refErr = out, err
			continue
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%s %s: %v, but %s: %v", g, d.Backend(), err, ds[0].Backend(), refErr)
		}
		if err != nil {
			if err.Error() != refErr.Error() {
				t.Fatalf("%s errors differ: %s: %v; %s: %v", g, d.Backend(), err, ds[0].Backend(), refErr)
			}
			continue
		}
		for i := range out {
			if out[i] != ref[i] {
				t.Fatalf("%s point %d: %s %v, %s %v", g, i, d.Backend(), out[i], ds[0].Backend(), ref[i])
			}
		}
	}
}
