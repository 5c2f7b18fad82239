package lanemsm

import (
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"

	"github.com/cairn-node/cairn/accel/internal/lanes"
)

// maxBatch is the most additions that share one inversion: enough that
// the inversion (a few microseconds) costs little per addition, few enough
// that the batch's vectors stay in the L1 and L2 caches.
const maxBatch = 1024

// Bucket states besides batch numbers.
const (
	empty      = 0
	filled     = 1
	firstBatch = 2
)

// entry is one pending addition: point p (negated when neg) into bucket b.
type entry struct {
	b, p int32
	neg  bool
}

// accumulator adds one window's points into its buckets. It is used by
// one goroutine at a time and reused for the windows that goroutine runs.
type accumulator struct {
	f   *lanes.Field
	pts []point

	buckets []point // bucket b holds the sum of the points of digit ±(b+1)
	// state[b] is empty for an empty bucket, else the number of the last
	// batch that added to it (filled when none did): one array, so that a
	// new addition costs one random access besides its bucket's.
	state   []uint32
	batchNo uint32    // the current batch's number, from firstBatch
	two     [5]uint64 // 2p in normalized limbs, for negations

	k            int     // batch capacity, a multiple of lanes.Lanes
	batch        []entry // additions of the current batch, distinct buckets
	queue, spare []entry // additions waiting for their bucket to leave the batch
	// overflow[b] sums, in Jacobian coordinates and one addition at a
	// time, the points that found bucket b busy twice: in the batch, and
	// again in the next one. Repeated scalars (a witness's 0/1 wires,
	// −1, copies of one value) send many points to one bucket, and
	// queueing them all would leave a run of one-addition batches, one
	// inversion each.
	overflow map[int32]*bn254.G1Jac

	// running and total are reduce's segment sums.
	running, total []point

	// The batch's operands and intermediates, a vector per 8 additions.
	x1, y1, x2, y2, dx, dy, acc, inv []lanes.Vec
}

func newAccumulator(f *lanes.Field, c int, pts []point) *accumulator {
	nb := 1 << (c - 1)
	// At most nb/16 buckets in a batch: a new addition then finds its
	// bucket busy less than once in 16, and the queue stays short.
	k := max(lanes.Lanes, min(maxBatch, nb/16)/lanes.Lanes*lanes.Lanes)
	m := k / lanes.Lanes
	var w [4]uint64
	var carry uint64
	for i, mi := range f.Modulus() {
		w[i] = mi<<1 | carry
		carry = mi >> 63
	}
	var two lanes.Vec
	two.Set(0, &w)
	return &accumulator{
		f: f, pts: pts, batchNo: firstBatch,
		two:     [5]uint64{two[0][0], two[1][0], two[2][0], two[3][0], two[4][0]},
		buckets: make([]point, nb), state: make([]uint32, nb),
		k: k, batch: make([]entry, 0, k), overflow: make(map[int32]*bn254.G1Jac),
		running: make([]point, k), total: make([]point, k),
		x1: make([]lanes.Vec, m), y1: make([]lanes.Vec, m), x2: make([]lanes.Vec, m), y2: make([]lanes.Vec, m),
		dx: make([]lanes.Vec, m), dy: make([]lanes.Vec, m), acc: make([]lanes.Vec, m), inv: make([]lanes.Vec, m),
	}
}

// window returns Σ d_i·P_i for one window's digits (encoded as recode
// does) whose magnitudes are at most maxDigit.
func (a *accumulator) window(digits []uint16, maxDigit int) bn254.G1Jac {
	if maxDigit < 16*a.k {
		// Few buckets (the top window holds the scalars' last few bits):
		// batches would be small and the queue long.
		return a.windowJacobian(digits, maxDigit)
	}
	clear(a.state) // every bucket empty
	clear(a.overflow)
	for i, code := range digits {
		if code == 0 {
			continue
		}
		e := entry{b: int32(code>>1) - 1, p: int32(i)}
		if code&1 == 1 {
			e.b, e.neg = int32(code>>1), true
		}
		a.add(e, false)
		if len(a.batch) == a.k || len(a.queue) > a.k {
			a.flush()
		}
	}
	for len(a.batch) > 0 || len(a.queue) > 0 {
		a.flush()
	}
	return a.reduce()
}

// windowJacobian is window with buckets in Jacobian coordinates, added to
// one point at a time with gnark-crypto.
func (a *accumulator) windowJacobian(digits []uint16, maxDigit int) bn254.G1Jac {
	buckets := make([]bn254.G1Jac, maxDigit)
	for b := range buckets {
		buckets[b].Set(&infinity)
	}
	for i, code := range digits {
		if code == 0 {
			continue
		}
		p := a.affine(&a.pts[i])
		b := int(code>>1) - 1
		if code&1 == 1 {
			b = int(code >> 1)
			p.Neg(&p)
		}
		buckets[b].AddMixed(&p)
	}
	var running, total bn254.G1Jac
	running.Set(&infinity)
	total.Set(&infinity)
	for b := len(buckets) - 1; b >= 0; b-- {
		running.AddAssign(&buckets[b])
		total.AddAssign(&running)
	}
	return total
}

// add starts the addition e: into an empty bucket directly, else into the
// batch, or into the queue when its bucket is in the batch already or the
// batch is full. queued says e comes from the queue: then a busy bucket
// sends it to the overflow instead.
func (a *accumulator) add(e entry, queued bool) {
	switch st := &a.state[e.b]; {
	case *st == empty:
		a.buckets[e.b] = a.pts[e.p]
		if e.neg {
			a.buckets[e.b].y = a.negate(&a.buckets[e.b].y)
		}
		*st = filled
	case *st == a.batchNo && queued:
		a.addOverflow(e)
	case *st == a.batchNo || len(a.batch) == a.k:
		a.queue = append(a.queue, e)
	default:
		*st = a.batchNo
		a.batch = append(a.batch, e)
	}
}

// addOverflow adds e's point to its bucket's overflow sum.
func (a *accumulator) addOverflow(e entry) {
	p := a.affine(&a.pts[e.p])
	if e.neg {
		p.Neg(&p)
	}
	o := a.overflow[e.b]
	if o == nil {
		o = new(bn254.G1Jac)
		o.FromAffine(&p)
		a.overflow[e.b] = o
		return
	}
	o.AddMixed(&p)
}

// flush computes the batch's additions, then moves the queue into the
// next batch as far as it goes.
func (a *accumulator) flush() {
	if len(a.batch) > 0 {
		a.compute(a.buckets, a.pts, a.batch)
		a.batch = a.batch[:0]
	}
	a.batchNo++
	q := a.queue
	a.queue, a.spare = a.spare[:0], q
	for i, e := range q {
		if len(a.batch) == a.k {
			a.queue = append(a.queue, q[i:]...)
			break
		}
		a.add(e, true)
	}
}

// compute adds, for each entry e of batch, src[e.p] (negated when e.neg)
// to dst[e.b], with the affine formulas x3 = λ² - x1 - x2, y3 = λ(x1 -
// x3) - y1, λ = (y2 - y1)/(x2 - x1). The entries' destinations are
// distinct, and no point is at infinity.
func (a *accumulator) compute(dst, src []point, batch []entry) {
	f := a.f
	n := len(batch)
	if n == 0 {
		return
	}
	m := (n + lanes.Lanes - 1) / lanes.Lanes
	for j, e := range batch {
		v, l := j/lanes.Lanes, j%lanes.Lanes&(lanes.Lanes-1)
		b, p := &dst[e.b], &src[e.p]
		y2 := &p.y
		if e.neg {
			ny := a.negate(y2)
			y2 = &ny
		}
		gather(&a.x1[v], l, &b.x)
		gather(&a.y1[v], l, &b.y)
		gather(&a.x2[v], l, &p.x)
		gather(&a.y2[v], l, y2)
	}
	// Pad the last vector with x2 - x1 = 1, so the products stay invertible.
	one := f.One()
	for j := n; j < m*lanes.Lanes; j++ {
		v, l := j/lanes.Lanes, j%lanes.Lanes
		for i := range 5 {
			a.x1[v][i][l], a.y1[v][i][l], a.y2[v][i][l] = 0, 0, 0
			a.x2[v][i][l] = one[i][l]
		}
	}

	// dx = x2 - x1 < 5p, dy = y2 - y1 < 6p; acc[v] = dx[0]·…·dx[v] per lane.
	for v := range m {
		f.Sub(&a.dx[v], &a.x2[v], &a.x1[v])
		f.Sub(&a.dy[v], &a.y2[v], &a.y1[v])
		if v == 0 {
			f.Normalize(&a.acc[0], &a.dx[0])
		} else {
			f.Mul(&a.acc[v], &a.acc[v-1], &a.dx[v])
		}
	}
	var total lanes.Vec
	if !a.invert(&total, &a.acc[m-1]) {
		// Some x2 = x1: a doubling or a cancellation. Rare; gnark-crypto's
		// group law handles both.
		a.slow(dst, src, batch)
		return
	}
	// inv[v] = 1/dx[v]; total walks back from 1/acc[m-1] to 1/acc[0].
	for v := m - 1; v > 0; v-- {
		f.Mul(&a.inv[v], &total, &a.acc[v-1])
		f.Mul(&total, &total, &a.dx[v])
	}
	a.inv[0] = total

	var lam, t lanes.Vec
	for v := range m {
		f.Mul(&lam, &a.dy[v], &a.inv[v])
		// x3 (in dx) = λ² - x1 - x2, normalized below 2p.
		f.Mul(&t, &lam, &lam)
		f.Sub(&t, &t, &a.x1[v])
		f.Sub(&t, &t, &a.x2[v])
		f.Normalize(&a.dx[v], &t)
		// y3 (in dy) = λ(x1 - x3) - y1, normalized below 2p.
		f.Sub(&t, &a.x1[v], &a.dx[v])
		f.Mul(&t, &lam, &t)
		f.Sub(&t, &t, &a.y1[v])
		f.Normalize(&a.dy[v], &t)
	}
	for j, e := range batch {
		v, l := j/lanes.Lanes, j%lanes.Lanes&(lanes.Lanes-1)
		b := &dst[e.b]
		scatter(&b.x, &a.dx[v], l)
		scatter(&b.y, &a.dy[v], l)
	}
}

// gather copies the limbs x into lane l of v.
func gather(v *lanes.Vec, l int, x *[5]uint64) {
	v[0][l], v[1][l], v[2][l], v[3][l], v[4][l] = x[0], x[1], x[2], x[3], x[4]
}

// scatter copies lane l of v into x.
func scatter(x *[5]uint64, v *lanes.Vec, l int) {
	x[0], x[1], x[2], x[3], x[4] = v[0][l], v[1][l], v[2][l], v[3][l], v[4][l]
}

// invert sets z to the lane-wise inverse of x (normalized, below 2p) and
// reports whether every lane of x is invertible.
func (a *accumulator) invert(z, x *lanes.Vec) bool {
	var e [lanes.Lanes]fp.Element
	for l := range e {
		w := a.f.Reduce(x.Get(l))
		e[l] = fp.Element(a.f.FromLanes(&w, gnarkMul))
		if e[l].IsZero() {
			return false
		}
	}
	inv := fp.BatchInvert(e[:])
	for l := range inv {
		w := a.f.ToLanes((*[4]uint64)(&inv[l]), gnarkMul)
		z.Set(l, &w)
	}
	return true
}

// slow is compute pair by pair with gnark-crypto's group law. A sum at
// infinity marks its destination so (see infinity), and in the window's
// buckets also empties its bucket's state.
func (a *accumulator) slow(dst, src []point, batch []entry) {
	inBuckets := &dst[0] == &a.buckets[0]
	for _, e := range batch {
		b := &dst[e.b]
		p := a.affine(&src[e.p])
		if e.neg {
			p.Neg(&p)
		}
		var s bn254.G1Jac
		s.FromAffine(ptr(a.affine(b)))
		s.AddMixed(&p)
		var r bn254.G1Affine
		r.FromJacobian(&s)
		if r.IsInfinity() {
			b.x[4] = 1 << 52
			if inBuckets {
				a.state[e.b] = empty
			}
			continue
		}
		*b = toPoint(a.f, &r)
	}
}

// reduce returns Σ (b+1)·(bucket[b] + overflow[b]).
//
// The overflow sums are added into their buckets first, as one batch. The
// buckets are then split into k segments of L consecutive buckets, and
// every segment runs the usual running sum from its top bucket down,
// total += running += bucket, all segments in step: each step is two
// batches of up to k affine additions (running sums, then totals) sharing
// an inversion each, where Jacobian running sums would cost about three
// times as much per addition. Segment j then holds running_j = Σ bucket
// and total_j = Σ (b - jL + 1)·bucket over its buckets b, and the window's
// sum is Σ total_j + L·Σ j·running_j, done in Jacobian coordinates.
func (a *accumulator) reduce() bn254.G1Jac {
	a.foldOverflow()

	nb, segs := len(a.buckets), a.k
	size := nb / segs // a power of two: nb is, and k divides it
	running, total := a.running[:segs], a.total[:segs]
	for j := range segs {
		running[j].x[4], total[j].x[4] = 1<<52, 1<<52 // at infinity
	}
	for t := range size {
		a.batch = a.batch[:0]
		for j := range segs {
			b := (j+1)*size - 1 - t
			switch {
			case a.state[b] == empty:
			case running[j].infinity():
				running[j] = a.buckets[b]
			default:
				a.batch = append(a.batch, entry{b: int32(j), p: int32(b)})
			}
		}
		a.compute(running, a.buckets, a.batch)
		a.batch = a.batch[:0]
		for j := range segs {
			switch {
			case running[j].infinity():
			case total[j].infinity():
				total[j] = running[j]
			default:
				a.batch = append(a.batch, entry{b: int32(j), p: int32(j)})
			}
		}
		a.compute(total, running, a.batch)
	}
	a.batch = a.batch[:0]

	// Σ total_j + size·Σ j·running_j, the second with a running sum over j.
	var sum, acc, weighted bn254.G1Jac
	sum.Set(&infinity)
	acc.Set(&infinity)
	weighted.Set(&infinity)
	for j := segs - 1; j >= 0; j-- {
		if !total[j].infinity() {
			p := a.affine(&total[j])
			sum.AddMixed(&p)
		}
		if j == 0 {
			break
		}
		if !running[j].infinity() {
			p := a.affine(&running[j])
			acc.AddMixed(&p)
		}
		weighted.AddAssign(&acc)
	}
	for s := size; s > 1; s >>= 1 {
		weighted.DoubleAssign()
	}
	sum.AddAssign(&weighted)
	return sum
}

// foldOverflow adds each overflow sum into its bucket (the next window
// clears the sums).
func (a *accumulator) foldOverflow() {
	if len(a.overflow) == 0 {
		return
	}
	keys := make([]int32, 0, len(a.overflow))
	jac := make([]bn254.G1Jac, 0, len(a.overflow))
	for b, o := range a.overflow {
		if !o.Z.IsZero() {
			keys = append(keys, b)
			jac = append(jac, *o)
		}
	}
	aff := bn254.BatchJacobianToAffineG1(jac)
	src := make([]point, len(aff))
	a.batch = a.batch[:0]
	for i, b := range keys {
		src[i] = toPoint(a.f, &aff[i])
		if a.state[b] == empty {
			a.buckets[b] = src[i]
			a.state[b] = filled
			continue
		}
		a.batch = append(a.batch, entry{b: b, p: int32(i)})
		if len(a.batch) == a.k {
			a.compute(a.buckets, src, a.batch)
			a.batch = a.batch[:0]
		}
	}
	if len(a.batch) > 0 {
		a.compute(a.buckets, src, a.batch)
	}
	a.batch = a.batch[:0]
}

// infinity is the point at infinity in Jacobian coordinates.
var infinity = bn254.G1Jac{X: fp.One(), Y: fp.One()}

// affine converts a point from the lanes' form (coordinates below 2p).
func (a *accumulator) affine(p *point) bn254.G1Affine {
	var v lanes.Vec
	for i := range 5 {
		v[i][0], v[i][1] = p.x[i], p.y[i]
	}
	x, y := a.f.Reduce(v.Get(0)), a.f.Reduce(v.Get(1))
	return bn254.G1Affine{X: fp.Element(a.f.FromLanes(&x, gnarkMul)), Y: fp.Element(a.f.FromLanes(&y, gnarkMul))}
}

// negate returns 2p - y for y normalized and below 2p, normalized.
func (a *accumulator) negate(y *[5]uint64) [5]uint64 {
	var out [5]uint64
	var borrow uint64
	for i := range 5 {
		d := a.two[i] - y[i] - borrow
		borrow = d >> 63 // went below zero
		out[i] = d & (1<<52 - 1)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
