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

// BenchmarkAggregateVerify verifies one aggregate signature of 1,000
// signers of one message, with the validated-key cache empty (cold: every
// key decompressed and subgroup-checked) and full (warm: a verifier that
// has seen the validator set before); ns/op is per aggregate.
func BenchmarkAggregateVerify(b *testing.B) {
	items, err := Generate(BLS12381, 1000, GenerateOptions{SameMessage: true})
	if err != nil {
		b.Fatal(err)
	}
	agg, err := Aggregate(items)
	if err != nil {
		b.Fatal(err)
	}
	batch := []Item{agg}
	for _, cold := range []bool{true, false} {
		name := map[bool]string{true: "cold", false: "warm"}[cold]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if cold {
					b.StopTimer()
					blsKeys.mu.Lock()
					clear(blsKeys.m)
					blsKeys.mu.Unlock()
					b.StartTimer()
				}
				res, err := goVerifier{}.Verify(batch)
				if err != nil || res.Valid != 1 {
					b.Fatalf("aggregate: %+v, %v", res, err)
				}
			}
		})
	}
	b.Run("single", func(b *testing.B) {
		for b.Loop() {
			res, err := goVerifier{}.Verify(items[:1])
			if err != nil || res.Valid != 1 {
				b.Fatalf("single: %+v, %v", res, err)
			}
		}
	})
}
