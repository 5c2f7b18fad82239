package sigbatch

import (
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// BenchmarkBLSParts splits the cost of a 1,000-signature same-message
// batch: decoding with the batched subgroup checks, against the batch
// equation itself (two MSMs and two Miller loops). The equation part is
// what batching saves on; decoding is the same per-item work single
// verification does, and bounds the batch speed-up.
func BenchmarkBLSParts(b *testing.B) {
	const n = 1000
	items, err := Generate(BLS12381, n, GenerateOptions{SameMessage: true})
	if err != nil {
		b.Fatal(err)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	var (
		pks  []bls12381.G1Affine
		sigs []bls12381.G2Affine
	)
	b.Run("decode+subgroup", func(b *testing.B) {
		for b.Loop() {
			pks, sigs, _ = decodeBLSBatch(items, idx)
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
	h, err := bls12381.HashToG2(items[0].Message, []byte(BLSDST))
	if err != nil {
		b.Fatal(err)
	}
	batch := blsBatch{items: items, pk: map[int]*bls12381.G1Affine{}, sig: map[int]*bls12381.G2Affine{},
		hash: map[string]*bls12381.G2Affine{string(items[0].Message): &h}}
	for i := range idx {
		batch.pk[i], batch.sig[i] = &pks[i], &sigs[i]
	}
	b.Run("equation", func(b *testing.B) {
		for b.Loop() {
			if ok, err := batch.check(idx); !ok || err != nil {
				b.Fatalf("check = %v, %v", ok, err)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
	})
}

// TestKeyCacheBound: the validated-key cache never holds more than
// blsKeyCacheSize keys and keeps answering for the newest one.
func TestKeyCacheBound(t *testing.T) {
	c := keyCache{m: map[[bls12381.SizeOfG1AffineCompressed]byte]bls12381.G1Affine{}}
	_, _, g1, _ := bls12381.Generators()
	var key [bls12381.SizeOfG1AffineCompressed]byte
	for i := range blsKeyCacheSize + 10 {
		key[0], key[1], key[2] = byte(i), byte(i>>8), byte(i>>16)
		c.put(key[:], g1)
		if len(c.m) > blsKeyCacheSize {
			t.Fatalf("cache holds %d keys, bound %d", len(c.m), blsKeyCacheSize)
		}
	}
	if _, ok := c.get(key[:]); !ok {
		t.Error("the newest key is not in the cache")
	}
	if _, ok := c.get(key[:10]); ok {
		t.Error("a 10-byte key hit the cache")
	}
}
