package supervise

import "time"

// Back-off defaults used when a Backoff field is zero.
const (
	// DefaultMinDelay is the delay before the first restart.
	DefaultMinDelay = time.Second
	// DefaultMaxDelay caps the delay between restarts.
	DefaultMaxDelay = time.Minute
	// DefaultStableAfter is how long a child must run before its next
	// crash counts as the first one again.
	DefaultStableAfter = 30 * time.Second
)

// Backoff computes restart delays: Min after the first quick exit, doubling
// after each further quick exit up to Max, and back to Min once a run
// lasted at least StableAfter. The zero value uses the defaults above. A
// Backoff is not safe for concurrent use; the supervisor owns its own.
type Backoff struct {
	Min, Max, StableAfter time.Duration

	// streak counts consecutive runs shorter than StableAfter.
	streak int
}

// Next returns how long to wait before starting the child again after a run
// that lasted ran.
func (b *Backoff) Next(ran time.Duration) time.Duration {
	lo, hi, stable := b.Min, b.Max, b.StableAfter
	if lo <= 0 {
		lo = DefaultMinDelay
	}
	if hi <= 0 {
		hi = DefaultMaxDelay
	}
	if hi < lo {
		hi = lo
	}
	if stable <= 0 {
		stable = DefaultStableAfter
	}
	if ran >= stable {
		b.streak = 0
	}
	d := lo
	for i := 0; i < b.streak && d < hi; i++ {
		d *= 2
	}
	b.streak++
	return min(d, hi)
}
