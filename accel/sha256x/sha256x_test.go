package sha256x_test

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/sha256x"
)

func TestConformance(t *testing.T) {
	for _, b := range accel.Backends {
		t.Run(string(b), func(t *testing.T) { acceltest.RunSHA256(t, b) })
	}
}

// TestFIPSVectors checks every backend against the FIPS 180-4 examples
// (NIST CSRC "SHA256.pdf" example values) and the empty string.
func TestFIPSVectors(t *testing.T) {
	vectors := map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		strings.Repeat("a", 1000000):                               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	}
	for _, b := range acceltest.CPUBackends() {
		h, err := sha256x.New(b)
		if err != nil {
			t.Fatal(err)
		}
		for in, want := range vectors {
			out := make([][32]byte, 1)
			if err := h.SumBlocks(out, [][]byte{[]byte(in)}); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(out[0][:]); got != want {
				t.Errorf("%s SumBlocks(%.10q…) = %s, want %s", b, in, got, want)
			}
		}
	}
}

// FuzzSumBlocks compares the pure-Go reference with crypto/sha256, an
// independent implementation, on arbitrary input.
func FuzzSumBlocks(f *testing.F) {
	f.Add([]byte("abc"))
	f.Add(make([]byte, 55))
	f.Add(make([]byte, 64))
	ref, err := sha256x.New(accel.Go)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		out := make([][32]byte, 1)
		if err := ref.SumBlocks(out, [][]byte{p}); err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(p); out[0] != want {
			t.Fatalf("go SumBlocks(%x) = %x, crypto/sha256 %x", p, out[0], want)
		}
	})
}

func BenchmarkSumBlocks(b *testing.B) {
	blocks := make([][]byte, 16)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range blocks {
		blocks[i] = make([]byte, 64<<10)
		for j := range blocks[i] {
			blocks[i][j] = byte(rng.Uint32())
		}
	}
	out := make([][32]byte, len(blocks))
	for _, be := range acceltest.CPUBackends() {
		h, _ := sha256x.New(be)
		b.Run(string(be), func(b *testing.B) {
			b.SetBytes(int64(len(blocks) * len(blocks[0])))
			for b.Loop() {
				if err := h.SumBlocks(out, blocks); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
