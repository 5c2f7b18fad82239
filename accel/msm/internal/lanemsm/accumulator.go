package lanemsm

import (
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

// accumulator adds one window's points into its buckets, in the group of
// affine points A and Jacobian points J. It is used by one goroutine at a
// time and reused for the windows that goroutine runs.
type accumulator[A, J any, PA affinePoint[A, J], PJ jacobianPoint[A, J]] struct {
	*adder
	cv  *curve[A, J]
	pts []uint64 // the MSM's points in the lanes' form

	buckets []uint64 // bucket b holds the sum of the points of digit ±(b+1)
	// state[b] is empty for an empty bucket, else the number of the last
	// batch that added to it (filled when none did): one array, so that a
	// new addition costs one random access besides its bucket's.
	state   []uint32
	batchNo uint32 // the current batch's number, from firstBatch

	k            int     // batch capacity, a multiple of lanes.Lanes
	batch        []entry // additions of the current batch, distinct buckets
	queue, spare []entry // additions waiting for their bucket to leave the batch
	// overflow[b] sums, in Jacobian coordinates and one addition at a
	// time, the points that found bucket b busy twice: in the batch, and
	// again in the next one. Repeated scalars (a witness's 0/1 wires,
	// −1, copies of one value) send many points to one bucket, and
	// queueing them all would leave a run of one-addition batches, one
	// inversion each.
	overflow map[int32]*J

	// running and total are reduce's segment sums.
	running, total []uint64
}

func newAccumulator[A, J any, PA affinePoint[A, J], PJ jacobianPoint[A, J]](f *lanes.Field, cv *curve[A, J], c int, pts []uint64) *accumulator[A, J, PA, PJ] {
	nb := 1 << (c - 1)
	// At most nb/16 buckets in a batch: a new addition then finds its
	// bucket busy less than once in 16, and the queue stays short.
	k := max(lanes.Lanes, min(maxBatch, nb/16)/lanes.Lanes*lanes.Lanes)
	d := newAdder(f, cv.degree, k)
	return &accumulator[A, J, PA, PJ]{
		adder: d, cv: cv, pts: pts, batchNo: firstBatch,
		buckets: make([]uint64, nb*d.words), state: make([]uint32, nb),
		k: k, batch: make([]entry, 0, k), overflow: make(map[int32]*J),
		running: make([]uint64, k*d.words), total: make([]uint64, k*d.words),
	}
}

// window returns Σ d_i·P_i for one window's digits (encoded as recode
// does) whose magnitudes are at most maxDigit.
func (a *accumulator[A, J, PA, PJ]) window(digits []uint16, maxDigit int) J {
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
		a.push(e, false)
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
func (a *accumulator[A, J, PA, PJ]) windowJacobian(digits []uint16, maxDigit int) J {
	buckets := make([]J, maxDigit)
	for b := range buckets {
		buckets[b] = infinity[A, J, PJ]()
	}
	for i, code := range digits {
		if code == 0 {
			continue
		}
		p := a.affine(a.point(a.pts, int32(i)))
		b := int(code>>1) - 1
		if code&1 == 1 {
			b = int(code >> 1)
			PA(&p).Neg(&p)
		}
		PJ(&buckets[b]).AddMixed(&p)
	}
	running, total := infinity[A, J, PJ](), infinity[A, J, PJ]()
	for b := len(buckets) - 1; b >= 0; b-- {
		PJ(&running).AddAssign(&buckets[b])
		PJ(&total).AddAssign(&running)
	}
	return total
}

// push starts the addition e: into an empty bucket directly, else into the
// batch, or into the queue when its bucket is in the batch already or the
// batch is full. queued says e comes from the queue: then a busy bucket
// sends it to the overflow instead.
func (a *accumulator[A, J, PA, PJ]) push(e entry, queued bool) {
	switch st := &a.state[e.b]; {
	case *st == empty:
		b := a.point(a.buckets, e.b)
		copyPoint(b, a.point(a.pts, e.p))
		if e.neg {
			a.negateY(b)
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
func (a *accumulator[A, J, PA, PJ]) addOverflow(e entry) {
	p := a.affine(a.point(a.pts, e.p))
	if e.neg {
		PA(&p).Neg(&p)
	}
	o := a.overflow[e.b]
	if o == nil {
		o = new(J)
		PJ(o).FromAffine(&p)
		a.overflow[e.b] = o
		return
	}
	PJ(o).AddMixed(&p)
}

// flush computes the batch's additions, then moves the queue into the
// next batch as far as it goes.
func (a *accumulator[A, J, PA, PJ]) flush() {
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
		a.push(e, true)
	}
}

// compute adds, for each entry e of batch, src's point e.p (negated when
// e.neg) to dst's point e.b: in the lanes (adder.add), or, when the batch
// holds a doubling or a cancellation, pair by pair with gnark-crypto's
// group law, which handles every case. The entries' destinations are
// distinct, and no point is at infinity.
func (a *accumulator[A, J, PA, PJ]) compute(dst, src []uint64, batch []entry) {
	if !a.add(dst, src, batch) {
		a.slow(dst, src, batch) // rare
	}
}

// slow is compute pair by pair with gnark-crypto's group law. A sum at
// infinity marks its destination so (see setInfinite), and in the
// window's buckets also empties its bucket's state.
func (a *accumulator[A, J, PA, PJ]) slow(dst, src []uint64, batch []entry) {
	inBuckets := &dst[0] == &a.buckets[0]
	for _, e := range batch {
		b := a.point(dst, e.b)
		p := a.affine(a.point(src, e.p))
		if e.neg {
			PA(&p).Neg(&p)
		}
		q := a.affine(b)
		var s J
		PJ(&s).FromAffine(&q)
		PJ(&s).AddMixed(&p)
		var r A
		PA(&r).FromJacobian(&s)
		if PA(&r).IsInfinity() {
			setInfinite(b)
			if inBuckets {
				a.state[e.b] = empty
			}
			continue
		}
		a.cv.toLanes(a.f, b, &r)
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
func (a *accumulator[A, J, PA, PJ]) reduce() J {
	a.foldOverflow()

	segs := a.k
	size := len(a.state) / segs // a power of two: the bucket count is, and k divides it
	running, total := a.running, a.total
	for j := range segs {
		setInfinite(a.point(running, int32(j)))
		setInfinite(a.point(total, int32(j)))
	}
	for t := range size {
		a.batch = a.batch[:0]
		for j := range segs {
			b := (j+1)*size - 1 - t
			r := a.point(running, int32(j))
			switch {
			case a.state[b] == empty:
			case infinite(r):
				copyPoint(r, a.point(a.buckets, int32(b)))
			default:
				a.batch = append(a.batch, entry{b: int32(j), p: int32(b)})
			}
		}
		a.compute(running, a.buckets, a.batch)
		a.batch = a.batch[:0]
		for j := range segs {
			r, s := a.point(running, int32(j)), a.point(total, int32(j))
			switch {
			case infinite(r):
			case infinite(s):
				copyPoint(s, r)
			default:
				a.batch = append(a.batch, entry{b: int32(j), p: int32(j)})
			}
		}
		a.compute(total, running, a.batch)
	}
	a.batch = a.batch[:0]

	// Σ total_j + size·Σ j·running_j, the second with a running sum over j.
	sum, acc, weighted := infinity[A, J, PJ](), infinity[A, J, PJ](), infinity[A, J, PJ]()
	for j := segs - 1; j >= 0; j-- {
		if s := a.point(total, int32(j)); !infinite(s) {
			p := a.affine(s)
			PJ(&sum).AddMixed(&p)
		}
		if j == 0 {
			break
		}
		if r := a.point(running, int32(j)); !infinite(r) {
			p := a.affine(r)
			PJ(&acc).AddMixed(&p)
		}
		PJ(&weighted).AddAssign(&acc)
	}
	for s := size; s > 1; s >>= 1 {
		PJ(&weighted).DoubleAssign()
	}
	PJ(&sum).AddAssign(&weighted)
	return sum
}

// foldOverflow adds each overflow sum into its bucket (the next window
// clears the sums).
func (a *accumulator[A, J, PA, PJ]) foldOverflow() {
	if len(a.overflow) == 0 {
		return
	}
	keys := make([]int32, 0, len(a.overflow))
	jac := make([]J, 0, len(a.overflow))
	for b, o := range a.overflow {
		keys = append(keys, b)
		jac = append(jac, *o)
	}
	aff := a.cv.batchAffine(jac)
	src := make([]uint64, len(aff)*a.words)
	a.batch = a.batch[:0]
	for i, b := range keys {
		if PA(&aff[i]).IsInfinity() {
			continue // the overflow cancelled out
		}
		p := a.point(src, int32(i))
		a.cv.toLanes(a.f, p, &aff[i])
		if a.state[b] == empty {
			copyPoint(a.point(a.buckets, b), p)
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

// infinity returns the point at infinity in Jacobian coordinates.
func infinity[A, J any, PJ jacobianPoint[A, J]]() J {
	var j J
	var zero A // (0, 0), gnark-crypto's affine infinity
	PJ(&j).FromAffine(&zero)
	return j
}

// affine converts a finite point from the lanes' form.
func (a *accumulator[A, J, PA, PJ]) affine(p []uint64) A { return a.cv.fromLanes(a.f, p) }
