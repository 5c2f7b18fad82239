//go:build icicle && cgo && icicle_gnark

package msm

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
)

// TestIcicleGnarkG2OnCPU checks the G2 MSM of the icicle-gnark flavour,
// which Cairn builds without one: at SIMDMinPoints points, where the simd
// lanes take it on a CPU with AVX-512 IFMA (gnark-crypto elsewhere), the
// icicle backend's sum equals the go backend's.
func TestIcicleGnarkG2OnCPU(t *testing.T) {
	if icicleG2.msm != nil {
		t.Fatal("icicle-gnark links a G2 MSM now: the CPU fallback in icicleMSM.G2 no longer runs; revisit it and this test")
	}
	m, err := New(accel.Icicle)
	if err != nil {
		t.Skipf("icicle unavailable: %v", err)
	}
	n := SIMDMinPoints
	a := make([]fr.Element, n)
	s := make([]fr.Element, n)
	for i := range a {
		a[i].SetUint64(uint64(i)*0x9e3779b97f4a7c15 + 1)
		s[i].SetUint64(uint64(i)*0xbf58476d1ce4e5b9 + 7)
		s[i].Square(&s[i]) // full-width scalars
	}
	_, _, _, g2 := bn254.Generators()
	p := bn254.BatchScalarMultiplicationG2(&g2, a)
	got, err := m.G2(p, s)
	if err != nil {
		t.Fatal(err)
	}
	want, err := goMSM{}.G2(p, s)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("icicle-gnark G2 of %d points = %s, go backend %s", n, got.String(), want.String())
	}
}
