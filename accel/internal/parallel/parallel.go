// Package parallel splits index ranges over goroutines for the batched
// kernels of accel.
package parallel

import (
	"runtime"
	"sync"
)

// For calls fn on consecutive sub-ranges [lo, hi) covering [0, n), on up to
// workers goroutines (0 means runtime.GOMAXPROCS). With one worker, or n
// below 2, fn runs once on the calling goroutine. For returns when every
// call has returned; fn must be safe to call concurrently on disjoint ranges.
func For(n, workers int, fn func(lo, hi int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
