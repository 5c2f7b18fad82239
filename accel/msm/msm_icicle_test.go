//go:build icicle && cgo && !icicle_gnark

package msm

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ingonyama-zk/icicle/v3/wrappers/golang/core"
	icmsm "github.com/ingonyama-zk/icicle/v3/wrappers/golang/curves/bn254/msm"

	"github.com/cairn-node/cairn/accel/internal/icicle"
)

// TestIcicleCPUIgnoresPointsMontgomeryFlag pins the finding that makes the
// icicle backend convert points itself: on the CPU device of icicle v3.9.2,
// an MSM over gnark-crypto's Montgomery-form points with
// AreBasesMontgomeryForm set does not give Σ s_i·P_i. If this test fails,
// icicle now honours the flag and the conversion in G1/G2 could go.
func TestIcicleCPUIgnoresPointsMontgomeryFlag(t *testing.T) {
	if err := icicle.Init(); err != nil {
		t.Skipf("icicle unavailable: %v", err)
	}
	if d, _ := icicle.Device(); d.Type != "CPU" {
		t.Skipf("finding is about the CPU device; running on %s", d)
	}
	_, _, g1, _ := bn254.Generators()
	var a, b bn254.G1Affine
	a.ScalarMultiplication(&g1, big.NewInt(3))
	b.ScalarMultiplication(&g1, big.NewInt(7))
	points := []bn254.G1Affine{a, b}
	scalars := make([]fr.Element, 2)
	scalars[0].SetUint64(5)
	scalars[1].SetUint64(11)
	var want bn254.G1Affine
	want.ScalarMultiplication(&g1, big.NewInt(3*5+7*11))

	cfg := icmsm.GetDefaultMSMConfig()
	cfg.AreScalarsMontgomeryForm = true
	cfg.AreBasesMontgomeryForm = true
	out := make([]icicleG1Projective, 1)
	if err := icicle.Error("MSM", icmsm.Msm(core.HostSliceFromElements(scalars), core.HostSliceFromElements(points), &cfg, core.HostSliceFromElements(out))); err != nil {
		t.Fatal(err)
	}
	got, err := icicleG1.toAffine(out[0])
	if err == nil && got == want {
		t.Errorf("icicle CPU MSM with AreBasesMontgomeryForm gave the right sum %s: the flag is honoured now", got.String())
	}

	// The backend's own path (canonical points) gets it right.
	m, err := newIcicle()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.G1(points, scalars); err != nil || got != want {
		t.Errorf("icicle G1(3G, 7G; 5, 11) = %s, %v, want %s", got.String(), err, want.String())
	}
}
