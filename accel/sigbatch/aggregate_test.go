package sigbatch_test

import (
	"errors"
	"slices"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// TestAggregateWycheproof: a one-key aggregate item of every Wycheproof
// POP vector gets the vector's verdict, alone and all in one batch.
func TestAggregateWycheproof(t *testing.T) {
	v, _ := sigbatch.New(accel.Go)
	vs := wycheproofVectors(t, "wycheproof_bls_sig_g2_pop_verify_test.json", sigbatch.BLS12381)
	items := make([]sigbatch.Item, len(vs))
	for i, vec := range vs {
		items[i] = vec.item
		items[i].PublicKeys, items[i].PublicKey = [][]byte{vec.item.PublicKey}, nil
	}
	res, err := v.Verify(items)
	if err != nil {
		t.Fatal(err)
	}
	for i, vec := range vs {
		if res.OK[i] != vec.valid {
			t.Errorf("%s as a one-key aggregate: valid = %v, want %v", vec.name, res.OK[i], vec.valid)
		}
	}
}

// TestAggregate: aggregates of many signers on one message verify, in a
// batch with single signatures; an aggregate holding one bad signature or
// a wrong key fails alone; malformed aggregates are refused with reasons.
func TestAggregate(t *testing.T) {
	v, _ := sigbatch.New(accel.Go)
	const n = 150
	good, err := sigbatch.Generate(sigbatch.BLS12381, n, sigbatch.GenerateOptions{SameMessage: true})
	if err != nil {
		t.Fatal(err)
	}
	withBad, err := sigbatch.Generate(sigbatch.BLS12381, n, sigbatch.GenerateOptions{SameMessage: true, Bad: []int{77}})
	if err != nil {
		t.Fatal(err)
	}
	agg, err := sigbatch.Aggregate(good)
	if err != nil {
		t.Fatal(err)
	}
	aggBad, err := sigbatch.Aggregate(withBad)
	if err != nil {
		t.Fatal(err)
	}
	wrongKey := agg
	wrongKey.PublicKeys = append([][]byte{withBad[0].PublicKey}, agg.PublicKeys[1:]...)
	missingKey := agg
	missingKey.PublicKeys = agg.PublicKeys[1:]
	offSubgroup := agg
	offSubgroup.PublicKeys = append(append([][]byte{}, agg.PublicKeys[:n-1]...), g1PointOffSubgroup(t))
	bothKeys := agg
	bothKeys.PublicKey = good[0].PublicKey
	edAgg := agg
	edAgg.Scheme = sigbatch.Ed25519

	items := []sigbatch.Item{agg, good[0], aggBad, wrongKey, good[1], missingKey, offSubgroup, bothKeys, edAgg, withBad[77]}
	res, err := v.Verify(items)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{2, 3, 5, 6, 7, 8, 9}
	if res.Valid != 3 || !slices.Equal(res.Failed, want) {
		t.Errorf("Verify = %d valid, failed %v; want 3 valid, failed %v", res.Valid, res.Failed, want)
	}
	for _, c := range []struct {
		name string
		it   sigbatch.Item
		want bool // malformed
	}{
		{"good", agg, false}, {"off-subgroup key", offSubgroup, true}, {"both key fields", bothKeys, true}, {"ed25519 aggregate", edAgg, true},
	} {
		err := sigbatch.CheckItem(c.it)
		if got := errors.Is(err, sigbatch.ErrMalformed); got != c.want {
			t.Errorf("CheckItem(%s) = %v, want malformed %v", c.name, err, c.want)
		}
	}
	if _, err := sigbatch.Aggregate(nil); err == nil {
		t.Error("Aggregate(nil) = nil error")
	}
	if _, err := sigbatch.Aggregate([]sigbatch.Item{good[0], withBad[1]}); err == nil {
		t.Error("Aggregate of two messages = nil error")
	}
}

// g1PointOffSubgroup returns a compressed point on the BLS12-381 G1 curve
// outside its prime-order subgroup (almost every curve point is: the
// cofactor is about 2^126).
func g1PointOffSubgroup(t *testing.T) []byte {
	t.Helper()
	var x, y, rhs, four fp.Element
	four.SetUint64(4)
	for i := uint64(1); i < 1000; i++ {
		x.SetUint64(i)
		rhs.Square(&x).Mul(&rhs, &x).Add(&rhs, &four)
		if y.Sqrt(&rhs) == nil {
			continue
		}
		p := bls12381.G1Affine{X: x, Y: y}
		if p.IsOnCurve() && !p.IsInSubGroup() {
			b := p.Bytes()
			return b[:]
		}
	}
	t.Fatal("no G1 point off the subgroup found")
	return nil
}
