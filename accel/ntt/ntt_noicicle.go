//go:build !icicle || !cgo

package ntt

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// newIcicle reports that this binary has no icicle backend.
func newIcicle() (NTT, error) {
	return nil, fmt.Errorf("ntt: icicle backend not built in (rebuild with -tags icicle after `make icicle`, with cgo enabled): %w", accel.ErrUnavailable)
}
