//go:build !icicle || !cgo || icicle_gnark

package poseidon2

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// newIcicle reports that this binary has no icicle Poseidon2: built without
// the icicle tag or cgo, or with the icicle_gnark flavour, which has none.
func newIcicle() (accel.Poseidon2, error) {
	return nil, fmt.Errorf("poseidon2: icicle backend not built in (rebuild with -tags icicle after `make icicle`, with cgo enabled; the icicle_gnark flavour has no Poseidon2): %w", accel.ErrUnavailable)
}
