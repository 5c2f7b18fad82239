package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1001} {
		for _, w := range []int{0, 1, 2, 3, 16} {
			hits := make([]atomic.Int32, n)
			For(n, w, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if got := hits[i].Load(); got != 1 {
					t.Fatalf("For(%d, %d): index %d visited %d times, want 1", n, w, i, got)
				}
			}
		}
	}
}
