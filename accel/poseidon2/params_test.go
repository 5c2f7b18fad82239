package poseidon2_test

import (
	"math/big"
	"testing"

	"github.com/cairn-node/cairn/accel/poseidon2"
)

// TestRoundConstants checks the exported constants against values copied
// from codex-storage-proofs-circuits circuit/poseidon2/poseidon2_perm.circom
// (first and last of each table) and that every constant is below r.
func TestRoundConstants(t *testing.T) {
	ext, in := poseidon2.RoundConstants()
	if len(ext) != poseidon2.FullRounds || len(in) != poseidon2.PartialRounds {
		t.Fatalf("RoundConstants() lengths = %d, %d, want %d, %d", len(ext), len(in), poseidon2.FullRounds, poseidon2.PartialRounds)
	}
	checks := []struct {
		name string
		got  *big.Int
		want string
	}{
		{"external[0][0]", ext[0][0], "0x2c4c51fd1bb9567c27e99f5712b49e0574178b41b6f0a476cddc41d242cf2b43"},
		{"external[7][2]", ext[7][2], "0x0f81ebce43c47711751fa64d6c007221016d485641c28c507d04fd3dc7fba1d2"},
		{"internal[0]", in[0], "0x15ce7e5ae220e8623a40b3a3b22d441eff0c9be1ae1d32f1b777af84eea7e38c"},
		{"internal[55]", in[55], "0x238d26ca97c691591e929f32199a643550f325f23a85d420080b289d7cecc9d4"},
	}
	for _, c := range checks {
		want, _ := new(big.Int).SetString(c.want, 0)
		if c.got.Cmp(want) != 0 {
			t.Errorf("RoundConstants() %s = %#x, want %s", c.name, c.got, c.want)
		}
	}
	r := poseidon2.Modulus()
	for j := range ext {
		for k := range ext[j] {
			if ext[j][k].Sign() < 0 || ext[j][k].Cmp(r) >= 0 {
				t.Errorf("external[%d][%d] not below r", j, k)
			}
		}
	}
	// The caller owns the copies.
	ext[0][0].SetInt64(0)
	if e2, _ := poseidon2.RoundConstants(); e2[0][0].Sign() == 0 {
		t.Error("RoundConstants() returned shared values")
	}
	iv := new(big.Int).Lsh(big.NewInt(1), 64)
	iv.Add(iv, big.NewInt(0x0302))
	if got := poseidon2.SpongeIV(); got.Cmp(iv) != 0 {
		t.Errorf("SpongeIV() = %v, want %v", got, iv)
	}
}
