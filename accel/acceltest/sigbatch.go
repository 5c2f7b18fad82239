package acceltest

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// RunSigBatch checks backend b of the signature batch kernel against the go
// backend: for every scheme and for mixed batches, valid batches verify;
// batches with bad signatures (well formed but wrong) report exactly those
// indices, whether there are 1, 2 or all of them; malformed items (wrong
// lengths, points off the curve or outside the subgroup, the point at
// infinity, unknown schemes) fail without affecting their neighbours; each
// item's answer is the same alone as in a batch; the accepted and rejected
// indices are identical to the go backend's; inputs are left unmodified;
// concurrent calls agree. It skips when b is unavailable in this build.
func RunSigBatch(t *testing.T, b accel.Backend) {
	t.Helper()
	v, ref := kernelPair(t, b, "sigbatch.New", sigbatch.New)
	rng := rand.NewChaCha8([32]byte{'s', 'i', 'g'})
	for _, s := range sigbatch.Schemes {
		t.Run(string(s), func(t *testing.T) {
			for _, c := range []struct {
				n    int
				same bool
				bad  []int
			}{
				{1, false, nil}, {1, false, []int{0}}, {7, false, []int{3}}, {7, true, []int{0, 6}},
				{40, false, []int{1, 2, 39}}, {40, true, []int{17}}, {5, true, []int{0, 1, 2, 3, 4}},
			} {
				items, err := sigbatch.Generate(s, c.n, sigbatch.GenerateOptions{SameMessage: c.same, Bad: c.bad, Rand: rng})
				if err != nil {
					t.Fatal(err)
				}
				sigWant(t, v, ref, items, c.bad)
			}
		})
	}
	t.Run("empty", func(t *testing.T) {
		r, err := v.Verify(nil)
		if err != nil || len(r.OK) != 0 || r.Valid != 0 || r.Failed == nil || len(r.Failed) != 0 {
			t.Errorf("Verify(nil) = %+v, %v, want an empty result with Failed = []", r, err)
		}
	})
	t.Run("mixed", func(t *testing.T) { sigMixed(t, v, ref, rng) })
	t.Run("malformed", func(t *testing.T) { sigMalformed(t, v, ref, rng) })
	t.Run("concurrent", func(t *testing.T) { sigConcurrent(t, v, rng) })
}

// sigWant verifies items with v and ref and fails unless exactly the items
// in bad fail on both, the inputs are unchanged, and each item alone gets
// its batch answer.
func sigWant(t *testing.T, v, ref sigbatch.Verifier, items []sigbatch.Item, bad []int) {
	t.Helper()
	want := slices.Sorted(slices.Values(bad))
	if want == nil {
		want = []int{}
	}
	before := sigClone(items)
	got, err := v.Verify(items)
	if err != nil {
		t.Fatalf("%s: Verify(%d items) = %v", v.Backend(), len(items), err)
	}
	if !slices.Equal(got.Failed, want) || got.Valid != len(items)-len(want) || len(got.OK) != len(items) {
		t.Errorf("%s: Verify(%d items) = valid %d, failed %v, want valid %d, failed %v", v.Backend(), len(items), got.Valid, got.Failed, len(items)-len(want), want)
	}
	refGot, err := ref.Verify(items)
	if err != nil || !slices.Equal(refGot.OK, got.OK) {
		t.Errorf("%s: Verify answers %v, go backend %v (err %v)", v.Backend(), got.OK, refGot.OK, err)
	}
	if !sigEqual(items, before) {
		t.Errorf("%s: Verify modified its items", v.Backend())
	}
	for i := range items {
		one, err := v.Verify(items[i : i+1])
		if err != nil || one.OK[0] != got.OK[i] {
			t.Errorf("%s: item %d (%s) alone = %v, %v; in the batch %v", v.Backend(), i, items[i].Scheme, one.OK, err, got.OK[i])
		}
	}
}

// sigMixed interleaves the schemes in one batch with bad items of each.
func sigMixed(t *testing.T, v, ref sigbatch.Verifier, rng *rand.ChaCha8) {
	var items []sigbatch.Item
	var bad []int
	for round := range 3 {
		for _, s := range sigbatch.Schemes {
			gen, err := sigbatch.Generate(s, 4, sigbatch.GenerateOptions{SameMessage: round == 1, Bad: []int{round}, Rand: rng})
			if err != nil {
				t.Fatal(err)
			}
			for j, it := range gen {
				if j == round {
					bad = append(bad, len(items))
				}
				items = append(items, it)
			}
		}
	}
	sigWant(t, v, ref, items, bad)
}

// sigMalformed builds one valid item of each scheme and broken variants of
// them; every variant must fail and every valid item must pass.
func sigMalformed(t *testing.T, v, ref sigbatch.Verifier, rng *rand.ChaCha8) {
	var items []sigbatch.Item
	var bad []int
	add := func(it sigbatch.Item, ok bool) {
		if !ok {
			bad = append(bad, len(items))
		}
		items = append(items, it)
	}
	for _, s := range sigbatch.Schemes {
		gen, err := sigbatch.Generate(s, 2, sigbatch.GenerateOptions{SameMessage: true, Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		good := gen[0]
		add(good, true)
		for _, broken := range sigBreak(good) {
			if err := sigbatch.CheckItem(broken); err == nil {
				t.Errorf("CheckItem(%s with a broken key or signature) = nil, want an error", s)
			}
			add(broken, false)
		}
		add(gen[1], true)
	}
	add(sigbatch.Item{Scheme: "rsa", PublicKey: items[0].PublicKey, Message: items[0].Message, Signature: items[0].Signature}, false)
	add(sigbatch.Item{}, false)
	sigWant(t, v, ref, items, bad)
}

// sigBreak returns malformed variants of a valid item: truncated and
// extended keys and signatures, empty fields, and per scheme a key or
// signature that does not decode to a usable point.
func sigBreak(it sigbatch.Item) []sigbatch.Item {
	with := func(pk, sig []byte) sigbatch.Item {
		return sigbatch.Item{Scheme: it.Scheme, PublicKey: pk, Message: it.Message, Signature: sig}
	}
	out := []sigbatch.Item{
		with(it.PublicKey[:len(it.PublicKey)-1], it.Signature),
		with(append(slices.Clone(it.PublicKey), 0), it.Signature),
		with(it.PublicKey, it.Signature[:len(it.Signature)-1]),
		with(it.PublicKey, append(slices.Clone(it.Signature), 0)),
		with(nil, it.Signature),
		with(it.PublicKey, nil),
	}
	switch it.Scheme {
	case sigbatch.Ed25519:
		// y = 2 is not the y-coordinate of a point of edwards25519.
		notOnCurve := make([]byte, 32)
		notOnCurve[0] = 2
		highS := slices.Clone(it.Signature)
		highS[63] = 0xff // S ≥ ℓ
		out = append(out, with(notOnCurve, it.Signature), with(it.PublicKey, highS))
	case sigbatch.BLS12381:
		inf := make([]byte, 48)
		inf[0] = 0xc0
		sigInf := make([]byte, 96)
		sigInf[0] = 0xc0
		uncompressedFlag := slices.Clone(it.PublicKey)
		uncompressedFlag[0] &^= 0x80
		// x = 0 gives (0, ±2) on E1 (y² = x³ + 4), outside G1; x = 2 in
		// G2 gives no point of G2 (none on the twist, or one outside the
		// subgroup): CheckItem says which.
		offG1 := make([]byte, 48)
		offG1[0] = 0x80
		offG2 := make([]byte, 96)
		offG2[0], offG2[95] = 0x80, 2
		out = append(out, with(inf, it.Signature), with(it.PublicKey, sigInf), with(uncompressedFlag, it.Signature),
			with(offG1, it.Signature), with(it.PublicKey, offG2))
	case sigbatch.Secp256k1:
		hybrid := make([]byte, 65)
		hybrid[0] = 0x06
		zeroR := slices.Clone(it.Signature)
		clear(zeroR[:32])
		bigS := slices.Clone(it.Signature)
		for i := 32; i < 64; i++ {
			bigS[i] = 0xff // s ≥ n
		}
		out = append(out, with(hybrid, it.Signature), with(it.PublicKey, zeroR), with(it.PublicKey, bigS))
	}
	return out
}

func sigClone(items []sigbatch.Item) []sigbatch.Item {
	out := make([]sigbatch.Item, len(items))
	for i, it := range items {
		out[i] = sigbatch.Item{Scheme: it.Scheme, PublicKey: slices.Clone(it.PublicKey), Message: slices.Clone(it.Message), Signature: slices.Clone(it.Signature)}
	}
	return out
}

func sigEqual(a, b []sigbatch.Item) bool {
	return slices.EqualFunc(a, b, func(x, y sigbatch.Item) bool {
		return x.Scheme == y.Scheme && bytes.Equal(x.PublicKey, y.PublicKey) && bytes.Equal(x.Message, y.Message) && bytes.Equal(x.Signature, y.Signature)
	})
}

// sigConcurrent runs four Verify calls on one mixed batch at once.
func sigConcurrent(t *testing.T, v sigbatch.Verifier, rng *rand.ChaCha8) {
	var items []sigbatch.Item
	for _, s := range sigbatch.Schemes {
		gen, err := sigbatch.Generate(s, 6, sigbatch.GenerateOptions{Bad: []int{2}, Rand: rng})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, gen...)
	}
	want := []int{2, 8, 14}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			r, err := v.Verify(items)
			if err != nil || !slices.Equal(r.Failed, want) {
				t.Errorf("%s: concurrent Verify = failed %v, %v, want %v", v.Backend(), r.Failed, err, want)
			}
		})
	}
	wg.Wait()
}
