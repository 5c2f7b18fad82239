package poseidon2

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// TestSIMDRoundConstants checks that the constants converted from the Go
// backend's Montgomery form equal gnark-crypto's own parsing of constants.go,
// i.e. that both representations use the same R and limb order.
func TestSIMDRoundConstants(t *testing.T) {
	check := func(name string, got *fr.Element, hex string) {
		t.Helper()
		var want fr.Element
		if _, err := want.SetString(hex); err != nil {
			t.Fatalf("fr SetString(%s) = %v", hex, err)
		}
		if !got.Equal(&want) {
			t.Errorf("%s = %s, want %s", name, got.String(), want.String())
		}
	}
	for i, h := range externalRoundConstantsHex {
		check("simdRC.external", &simdRC.external[i], h)
	}
	for i, h := range internalRoundConstantsHex {
		check("simdRC.internal", &simdRC.internal[i], h)
	}
	check("simdRC.iv", &simdRC.iv, "0x10000000000000302")
}
