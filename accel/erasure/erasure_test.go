package erasure_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/erasure"
)

func TestConformance(t *testing.T) {
	for _, b := range accel.Backends {
		t.Run(string(b), func(t *testing.T) { acceltest.RunErasure(t, b) })
	}
}

func TestPlanFollowsCLeopard(t *testing.T) {
	tests := []struct {
		k, m int
		want erasure.Kind
	}{
		{1, 0, erasure.KindNone},
		{1, 1, erasure.KindCopy},
		{7, 1, erasure.KindXOR},
		{4, 2, erasure.KindLeopardGF8},
		{128, 128, erasure.KindLeopardGF8},
		{129, 127, erasure.KindLeopardGF16}, // nextPow2(128)+129 = 257 -> 512
		{200, 50, erasure.KindLeopardGF16},  // K+M = 250 but n = nextPow2(64+200) = 512
		{192, 64, erasure.KindLeopardGF8},   // n = nextPow2(64+192) = 256
		{300, 100, erasure.KindLeopardGF16},
	}
	for _, tt := range tests {
		got, err := erasure.Plan(accel.ErasureParams{DataShards: tt.k, ParityShards: tt.m})
		if err != nil || got != tt.want {
			t.Errorf("Plan(K=%d, M=%d) = %v, %v, want %v", tt.k, tt.m, got, err, tt.want)
		}
	}
}

// leopardVectors is testdata/leopard.json (see testdata/SOURCE).
type leopardVectors struct {
	Cases []struct {
		K, M                int
		ShardBytes          int      `json:"shard_bytes"`
		Field               string   `json:"c_leopard_field"`
		ParityHex           []string `json:"parity_hex"`
		ParityFirstShardHex string   `json:"parity_first_shard_hex"`
		ParityCount         int      `json:"parity_count"`
	} `json:"cases"`
}

// TestCLeopardVectors checks parity against the C leopard library's output.
func TestCLeopardVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/leopard.json")
	if err != nil {
		t.Fatal(err)
	}
	var v leopardVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases in testdata/leopard.json")
	}
	for _, b := range acceltest.CPUBackends() {
		for _, c := range v.Cases {
			shards := encodeVectorCase(t, b, c.K, c.M, c.ShardBytes, c.Field)
			want := c.ParityHex
			if c.ParityFirstShardHex != "" {
				want = []string{c.ParityFirstShardHex}
			}
			for j, w := range want {
				if got := hex.EncodeToString(shards[c.K+j]); got != w {
					t.Errorf("%s (%d,%d) parity %d = %s…, C leopard %s…", b, c.K, c.M, j, got[:16], w[:16])
				}
			}
		}
	}
}

func TestIcicleHasNoErasure(t *testing.T) {
	_, err := erasure.New(accel.ErasureParams{DataShards: 2, ParityShards: 1}, accel.Icicle)
	if !errors.Is(err, accel.ErrUnavailable) {
		t.Fatalf("New(icicle) = %v, want ErrUnavailable", err)
	}
}

// TestCLeopardBoundaryVectors checks the field-choice boundary against the C
// leopard library (testdata/leopard-boundary.json, see testdata/SOURCE):
// codes with K+M <= 256 that C leopard still runs in GF(2^16), and the copy
// and XOR shortcuts.
func TestCLeopardBoundaryVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/leopard-boundary.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct {
			K          int      `json:"K"`
			M          int      `json:"M"`
			ShardBytes int      `json:"shard_bytes"`
			Field      string   `json:"c_leopard_field"`
			ParitySHA  []string `json:"parity_sha256_hex"`
			Parity0    string   `json:"parity0_hex"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) < 8 {
		t.Fatalf("%d cases in testdata/leopard-boundary.json, want 8", len(v.Cases))
	}
	for _, b := range acceltest.CPUBackends() {
		for _, c := range v.Cases {
			shards := encodeVectorCase(t, b, c.K, c.M, c.ShardBytes, c.Field)
			if got := hex.EncodeToString(shards[c.K]); got != c.Parity0 {
				t.Errorf("%s (%d,%d) parity 0 = %.16s…, C leopard %.16s…", b, c.K, c.M, got, c.Parity0)
			}
			for j, want := range c.ParitySHA {
				if sum := sha256.Sum256(shards[c.K+j]); hex.EncodeToString(sum[:]) != want {
					t.Errorf("%s (%d,%d) parity %d sha256 = %x, C leopard %s", b, c.K, c.M, j, sum, want)
				}
			}
		}
	}
}

// encodeVectorCase checks that Plan picks the construction C leopard used
// (cField: "GF8", "GF16", or "copy …"/"xor …" for the shortcuts), then
// encodes the vectors' input with backend b and returns the shards.
func encodeVectorCase(t *testing.T, b accel.Backend, k, m, size int, cField string) [][]byte {
	t.Helper()
	kinds := map[string]erasure.Kind{"GF8": erasure.KindLeopardGF8, "GF16": erasure.KindLeopardGF16, "copy": erasure.KindCopy, "xor": erasure.KindXOR}
	p := accel.ErasureParams{DataShards: k, ParityShards: m}
	field, _, _ := strings.Cut(cField, " ") // "copy (K==1 special case…)" -> "copy"
	if kind, _ := erasure.Plan(p); kind != kinds[field] {
		t.Errorf("Plan(%d,%d) = %s, C leopard used %s", k, m, kind, cField)
	}
	enc, err := erasure.New(p, b)
	if err != nil {
		t.Fatalf("New(%+v, %s) = %v", p, b, err)
	}
	shards := leopardTestShards(k, m, size)
	if err := enc.Encode(shards); err != nil {
		t.Fatalf("%s Encode(%d,%d) = %v", b, k, m, err)
	}
	return shards
}

// leopardTestShards returns the vectors' input: data shard i, byte j =
// (i*131 + j*7 + 1) mod 256, and zeroed parity buffers.
func leopardTestShards(k, m, size int) [][]byte {
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = make([]byte, size)
		if i < k {
			for j := range shards[i] {
				shards[i][j] = byte((i*131 + j*7 + 1) % 256)
			}
		}
	}
	return shards
}
