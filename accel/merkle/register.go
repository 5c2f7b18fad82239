package merkle

import (
	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// The Merkle kernel routes like the Poseidon2 kernel it spends its time in
// (a SHA-256 tree costs a small fraction of a Poseidon2 tree of the same
// size: 10M against 0.3M leaves/s in `make bench`).
func init() {
	for _, r := range poseidon2.Registrations(accel.KernelMerkle, "leaves") {
		accel.Register(r)
	}
}
