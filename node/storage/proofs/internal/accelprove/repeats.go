package accelprove

import (
	"runtime"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel/msm"
)

// Repeated scalars. A witness repeats many values: the storage proof's
// samples recompute the Merkle nodes their paths share, and bits and
// small constants recur. In a 100-sample storage proof 47 % of the A, B
// and K scalars repeat an earlier one. Points that share a scalar s need
// s·(Σ P) only: summing them first costs one point addition per repeat,
// where Pippenger's buckets spend one addition per window (16 on a large
// MSM) on each point. The sum is the same group element, so the proof is
// unchanged.

// minRepeatShare is the share of repeated scalars below which an MSM runs
// on its inputs as they are: grouping costs a sort of the scalars.
const minRepeatShare = 0.1

// valueGroups numbers the distinct values of scalars: ids[i] is the
// group of scalars[i], a number below n. Each distinct value has one
// group, except where more than maxLeaders distinct values share a first
// word: then a value may have several, which merges less but sums the
// same. A proof groups its wires once, and each MSM restricts that
// grouping to its own scalars (firstGroups): r·x = r·y exactly when x = y,
// so the wires' groups serve the r·w scalars too.
//
// It sorts (first word, index) pairs by the first word with a stable
// radix sort, so equal scalars end up side by side in index order. The
// first word of a scalar in Montgomery form is as good as random; scalars
// that share it but differ elsewhere are told apart by a full comparison.
func valueGroups(scalars []fr.Element) (ids []int32, n int32) {
	pairs := make([]keyIndex, len(scalars))
	for i := range scalars {
		pairs[i] = keyIndex{scalars[i][0], int32(i)}
	}
	pairs = radixSort(pairs, make([]keyIndex, len(scalars)))

	ids = make([]int32, len(scalars))
	var leader []int32 // leader[g]: group g's first index in sorted order
	for lo := 0; lo < len(pairs); {
		hi := lo + 1
		for hi < len(pairs) && pairs[hi].key == pairs[lo].key {
			hi++
		}
		runStart := int32(len(leader))
		for _, p := range pairs[lo:hi] {
			// Compare with at most maxLeaders of the run's groups, so
			// that scalars sharing a first word cannot make this
			// quadratic; one value in two groups costs only merging.
			g := max(runStart, int32(len(leader))-maxLeaders)
			for ; g < int32(len(leader)); g++ {
				if scalars[leader[g]] == scalars[p.index] {
					break
				}
			}
			if g == int32(len(leader)) {
				leader = append(leader, p.index)
			}
			ids[p.index] = g
		}
		lo = hi
	}
	return ids, int32(len(leader))
}

// firstGroups numbers the groups of an MSM's scalars by first occurrence,
// given each scalar's group in ids (numbers below n, as valueGroups
// gives): firsts[k] is the index of group k's first member and group[i]
// the group of scalar i. ok is false when fewer than minRepeatShare of the
// scalars repeat an earlier one, or none does.
func firstGroups(ids []int32, n int32) (firsts, group []int32, ok bool) {
	number := make([]int32, n)
	for g := range number {
		number[g] = -1
	}
	firsts = make([]int32, 0, min(int(n), len(ids)))
	group = make([]int32, len(ids))
	for i, g := range ids {
		if number[g] < 0 {
			number[g] = int32(len(firsts))
			firsts = append(firsts, int32(i))
		}
		group[i] = number[g]
	}
	if repeats := len(ids) - len(firsts); repeats == 0 || float64(repeats) < minRepeatShare*float64(len(ids)) {
		return nil, nil, false
	}
	return firsts, group, true
}

// maxLeaders bounds the groups a scalar is compared with among those that
// share its first word.
const maxLeaders = 8

// keyIndex is a sort key and the index it came from.
type keyIndex struct {
	key   uint64
	index int32
}

// radixSort sorts a by key, stably, in four passes of 16 bits, using tmp
// (as long as a) as scratch; it returns the sorted slice (a or tmp).
func radixSort(a, tmp []keyIndex) []keyIndex {
	var count [1 << 16]int
	for shift := 0; shift < 64; shift += 16 {
		clear(count[:])
		for i := range a {
			count[a[i].key>>shift&0xffff]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for i := range a {
			d := a[i].key >> shift & 0xffff
			tmp[count[d]] = a[i]
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}

// jacobian is a point type in Jacobian coordinates (bn254.G1Jac,
// bn254.G2Jac) whose zero value is the point at infinity.
type jacobian[A any, J any] interface {
	*J
	AddMixed(a *A) *J
}

// mergeRepeats returns points and scalars with the points that share a
// scalar replaced by their sum: Σ scalars[i]·points[i] is unchanged. ids
// holds each scalar's group among n, equal scalars in one group (see
// valueGroups). When too few scalars repeat (see minRepeatShare) it
// returns its inputs. toAffine converts Jacobian sums to affine form in
// one batch.
func mergeRepeats[A any, J any, PJ jacobian[A, J]](points []A, scalars []fr.Element, ids []int32, n int32, toAffine func([]J) []A) ([]A, []fr.Element) {
	firsts, group, ok := firstGroups(ids, n)
	if !ok {
		return points, scalars
	}
	// slot[k] numbers the groups of more than one point; -1 for the rest,
	// and for the group of zero, whose points add nothing to the MSM
	// whatever their sum (it keeps its first point).
	slot := make([]int32, len(firsts))
	for _, k := range group {
		slot[k]++
	}
	multi := int32(0)
	for k, n := range slot {
		if n > 1 && !scalars[firsts[k]].IsZero() {
			slot[k] = multi
			multi++
		} else {
			slot[k] = -1
		}
	}
	sums := make([]J, multi) // at infinity
	workers := int32(runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Each worker owns the sums of slot ≡ w mod workers.
			for i, k := range group {
				if s := slot[k]; s >= 0 && s%workers == w {
					PJ(&sums[s]).AddMixed(&points[i])
				}
			}
		})
	}
	wg.Wait()
	affine := toAffine(sums)
	outP := make([]A, len(firsts))
	outS := make([]fr.Element, len(firsts))
	for k, i := range firsts {
		outS[k] = scalars[i]
		if s := slot[k]; s >= 0 {
			outP[k] = affine[s]
		} else {
			outP[k] = points[i]
		}
	}
	return outP, outS
}

// mergeRepeatsG1 is mergeRepeats for G1.
func mergeRepeatsG1(points []bn254.G1Affine, scalars []fr.Element, ids []int32, n int32) ([]bn254.G1Affine, []fr.Element) {
	return mergeRepeats[bn254.G1Affine, bn254.G1Jac](points, scalars, ids, n, bn254.BatchJacobianToAffineG1)
}

// mergeRepeatsG2 is mergeRepeats for G2.
func mergeRepeatsG2(points []bn254.G2Affine, scalars []fr.Element, ids []int32, n int32) ([]bn254.G2Affine, []fr.Element) {
	return mergeRepeats[bn254.G2Affine, bn254.G2Jac](points, scalars, ids, n, msm.BatchJacobianToAffineG2)
}
