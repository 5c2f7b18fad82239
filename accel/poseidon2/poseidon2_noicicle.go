//go:build !icicle || !cgo

package poseidon2

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// newIcicle reports that this binary has no icicle backend.
func newIcicle() (accel.Poseidon2, error) {
	return nil, fmt.Errorf("poseidon2: icicle backend not built in (rebuild with -tags icicle after `make icicle`, with cgo enabled): %w", accel.ErrUnavailable)
}
