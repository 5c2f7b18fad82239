package accelprove

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// repeatedScalars returns n scalars of which about three in five repeat
// one of a few values (0, 1 and random ones), plus two scalars that share
// their first Montgomery word but differ in the others.
func repeatedScalars(rng *rand.Rand, n int) []fr.Element {
	pool := make([]fr.Element, 8)
	pool[1].SetOne()
	for i := 2; i < len(pool); i++ {
		pool[i].SetUint64(rng.Uint64())
		pool[i].Square(&pool[i])
	}
	s := make([]fr.Element, n)
	for i := range s {
		if rng.IntN(5) < 3 {
			s[i] = pool[rng.IntN(len(pool))]
		} else {
			s[i].SetUint64(rng.Uint64())
			s[i].Square(&s[i])
		}
	}
	s[n-2] = fr.Element{12345, 1, 2, 3}
	s[n-1] = fr.Element{12345, 4, 5, 6}
	return s
}

// groupScalars groups scalars on their own: valueGroups, then
// firstGroups.
func groupScalars(s []fr.Element) (firsts, group []int32, ok bool) {
	return firstGroups(valueGroups(s))
}

func TestGroupScalars(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := repeatedScalars(rng, 5000)
	firsts, group, ok := groupScalars(s)
	if !ok {
		t.Fatal("groupScalars: not ok on inputs with 60% repeats")
	}
	distinct := map[fr.Element]bool{}
	for _, x := range s {
		distinct[x] = true
	}
	if len(firsts) != len(distinct) {
		t.Errorf("%d groups, want %d distinct scalars", len(firsts), len(distinct))
	}
	if !slices.IsSorted(firsts) {
		t.Error("firsts are not in order of first occurrence")
	}
	for i, g := range group {
		if f := firsts[g]; s[f] != s[i] || f > int32(i) {
			t.Fatalf("scalar %d is in the group of %d, which differs or comes later", i, f)
		}
	}
	if group[len(s)-1] == group[len(s)-2] {
		t.Error("two scalars sharing their first word only were grouped together")
	}

	// 100 distinct scalars sharing a first word, 50 copies each in a row:
	// each copy finds its group among the last maxLeaders.
	for i := range s {
		s[i] = fr.Element{777, uint64(i / 50), 1, 1}
	}
	firsts, group, ok = groupScalars(s)
	if !ok || len(firsts) != 100 {
		t.Fatalf("colliding words, copies in a row: %d groups (ok %v), want 100", len(firsts), ok)
	}
	for i, g := range group {
		if f := firsts[g]; s[f] != s[i] || f > int32(i) {
			t.Fatalf("colliding words: scalar %d is in the group of %d, which differs or comes later", i, f)
		}
	}
	// Cycling through them, each copy is too far from its group: one
	// group per scalar, so nothing is worth merging (but nothing wrong).
	for i := range s {
		s[i] = fr.Element{777, uint64(i % 100), 1, 1}
	}
	if _, _, ok := groupScalars(s); ok {
		t.Error("colliding words, cycling: ok, want one group per scalar (not worth merging)")
	}

	for i := range s {
		s[i].SetUint64(uint64(i) + 1)
	}
	if _, _, ok := groupScalars(s); ok {
		t.Error("groupScalars: ok on distinct scalars, want not worth it")
	}
	if _, _, ok := groupScalars(nil); ok {
		t.Error("groupScalars(nil): ok, want nothing to merge")
	}
}

// TestFirstGroups restricts one grouping of all the values to a subset,
// as Prove does for each MSM: the subset's groups are numbered by first
// occurrence within it, and hold equal values only.
func TestFirstGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	all := repeatedScalars(rng, 4000)
	ids, n := valueGroups(all)
	var sub []fr.Element
	var subIDs []int32
	for i := 0; i < len(all); i += 3 {
		sub = append(sub, all[i])
		subIDs = append(subIDs, ids[i])
	}
	firsts, group, ok := firstGroups(subIDs, n)
	if !ok {
		t.Fatal("firstGroups: not ok on a subset with 60% repeats")
	}
	wantFirsts, _, _ := groupScalars(sub)
	if !slices.Equal(firsts, wantFirsts) {
		t.Errorf("restricted groups start at %d firsts, grouping the subset alone %d", len(firsts), len(wantFirsts))
	}
	for i, g := range group {
		if f := firsts[g]; sub[f] != sub[i] || f > int32(i) {
			t.Fatalf("subset scalar %d is in the group of %d, which differs or comes later", i, f)
		}
	}
}

func TestMergeRepeats(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 3000
	s := repeatedScalars(rng, n)
	a := make([]fr.Element, n)
	for i := range a {
		a[i].SetUint64(rng.Uint64())
	}
	_, _, g1, g2 := bn254.Generators()
	p1 := bn254.BatchScalarMultiplicationG1(&g1, a)
	p2 := bn254.BatchScalarMultiplicationG2(&g2, a)
	p1[7], p2[7] = bn254.G1Affine{}, bn254.G2Affine{} // at infinity
	p1[8].Neg(&p1[9])                                 // P and -P under one scalar
	p2[8].Neg(&p2[9])
	s[8] = s[9]

	var want1, got1 bn254.G1Affine
	var want2, got2 bn254.G2Affine
	cfg := ecc.MultiExpConfig{}
	ids, groups := valueGroups(s)
	mp1, ms1 := mergeRepeatsG1(p1, s, ids, groups)
	mp2, ms2 := mergeRepeatsG2(p2, s, ids, groups)
	if len(ms1) >= n/2 || len(ms2) != len(ms1) || len(mp1) != len(ms1) || len(mp2) != len(ms2) {
		t.Fatalf("merged to %d/%d G1 and %d/%d G2 points and scalars, want the same count, under half of %d", len(mp1), len(ms1), len(mp2), len(ms2), n)
	}
	for _, err := range []error{
		first(want1.MultiExp(p1, s, cfg)), first(got1.MultiExp(mp1, ms1, cfg)),
		first(want2.MultiExp(p2, s, cfg)), first(got2.MultiExp(mp2, ms2, cfg)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !got1.Equal(&want1) {
		t.Errorf("G1: merged MSM %s, want %s", got1.String(), want1.String())
	}
	if !got2.Equal(&want2) {
		t.Errorf("G2: merged MSM %s, want %s", got2.String(), want2.String())
	}
}

func first[T any](_ T, err error) error { return err }

func bigInt(v uint64) *big.Int { return new(big.Int).SetUint64(v) }
