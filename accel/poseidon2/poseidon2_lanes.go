package poseidon2

import (
	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/lanes"
)

// laneKernel is the simd backend's eight-lane AVX-512 IFMA kernel, or nil
// where the CPU (or the build) lacks it; the backend then uses
// gnark-crypto's scalar multiplication for everything. Both give the same
// bits (TestLanesMatchGo).
var laneKernel = newLaneKernel()

// newLaneKernel builds the lane kernel from the shared round constants.
func newLaneKernel() *lanes.Kernel {
	if !lanes.Available() {
		return nil
	}
	var ext [nFullRounds * width]accel.Fr
	for i := range ext {
		ext[i] = frFromElement(&simdRC.external[i])
	}
	var in [nPartialRounds]accel.Fr
	for i := range in {
		in[i] = frFromElement(&simdRC.internal[i])
	}
	iv := frFromElement(&simdRC.iv)
	k, err := lanes.New(&ext, &in, &iv)
	if err != nil {
		return nil
	}
	return k
}

// LanesActive reports whether the simd backend runs on the eight-lane
// AVX-512 IFMA kernel on this machine (else on gnark-crypto's scalar
// field assembly). Benchmarks print it next to their figures.
func LanesActive() bool { return laneKernel != nil }

// permuteLanes permutes whole groups of eight states on k and returns the
// states left over (fewer than eight).
func permuteLanes(k *lanes.Kernel, states [][3]accel.Fr) [][3]accel.Fr {
	for len(states) >= lanes.Lanes {
		k.Permute((*[lanes.Lanes][3]accel.Fr)(states[:lanes.Lanes]))
		states = states[lanes.Lanes:]
	}
	return states
}

// compressLanes compresses whole groups of eight pairs on k and returns
// how many pairs it did. out may alias left or right: a group is read
// before it is written.
func compressLanes(k *lanes.Kernel, out, left, right []accel.Fr, key uint64) int {
	kf := FrFromUint64(key)
	var st [lanes.Lanes][3]accel.Fr
	done := 0
	for ; done+lanes.Lanes <= len(out); done += lanes.Lanes {
		for l := range st {
			st[l] = [3]accel.Fr{left[done+l], right[done+l], kf}
		}
		k.Permute(&st)
		for l := range st {
			out[done+l] = st[l][0]
		}
	}
	return done
}

// spongeMany is SpongeMany on the lane kernel: messages (checked, of one
// length) go eight at a time through the kernel's lockstep sponge, the
// groups spread over GOMAXPROCS goroutines; the last group is filled up
// with copies of its last message. It reports false, doing nothing, where
// there is no lane kernel.
func (simdBackend) spongeMany(out []accel.Fr, msgs [][]accel.Fr) bool {
	k := laneKernel
	if k == nil {
		return false
	}
	groups := (len(msgs) + lanes.Lanes - 1) / lanes.Lanes
	work := func(lo, hi int) {
		var group [lanes.Lanes][]accel.Fr
		var res [lanes.Lanes]accel.Fr
		for g := lo; g < hi; g++ {
			first := g * lanes.Lanes
			for l := range group {
				group[l] = msgs[min(first+l, len(msgs)-1)]
			}
			k.Sponge(&res, &group)
			copy(out[first:min(first+lanes.Lanes, len(out))], res[:])
		}
	}
	// A group of 2 KiB cells is about 270 permutations: two groups already
	// pay for a goroutine.
	if w := min(groups, max(1, runtimeProcs())); w > 1 {
		parallel(groups, w, work)
	} else {
		work(0, groups)
	}
	return true
}
