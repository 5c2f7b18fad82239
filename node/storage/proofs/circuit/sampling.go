package circuit

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// CellIndex returns the index of the cell that sample counter (1-based)
// opens, as the circuit derives it: the low log2(nCells) bits of
// Sponge(entropy, slotRoot, counter) (sample_cells.circom,
// CalculateCellIndexBits). A prover calls it to pick the cells and paths of
// a Witness. nCells must be a power of two, at least 2; entropy and
// slotRoot must be below r; otherwise the error wraps ErrWitness.
func CellIndex(entropy, slotRoot *big.Int, counter, nCells uint64) (uint64, error) {
	if nCells < 2 || bits.OnesCount64(nCells) != 1 {
		return 0, fmt.Errorf("%w: nCellsPerSlot %d is not a power of two ≥ 2", ErrWitness, nCells)
	}
	e, err := poseidon2.FrFromBig(entropy)
	if err != nil {
		return 0, fmt.Errorf("%w: entropy: %w", ErrWitness, err)
	}
	s, err := poseidon2.FrFromBig(slotRoot)
	if err != nil {
		return 0, fmt.Errorf("%w: slotRoot: %w", ErrWitness, err)
	}
	p, err := poseidon2.New(accel.Go)
	if err != nil {
		return 0, fmt.Errorf("circuit: cell index: %w", err)
	}
	h, err := p.Sponge([]accel.Fr{e, s, poseidon2.FrFromUint64(counter)})
	if err != nil {
		return 0, fmt.Errorf("circuit: cell index: %w", err)
	}
	return poseidon2.ToBig(h).Uint64() & (nCells - 1), nil
}
