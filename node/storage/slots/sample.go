package slots

import (
	"encoding/binary"
	"fmt"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// CellIndex returns the cell opened by sample counter of a slot with nCells
// cells, as nim-codex slots/sampler/utils.nim cellIndex computes it: the
// low log2(nCells) bits of Sponge(entropy, slotRoot, counter) read as an
// integer (the canonical value, so the bits of its least significant limb).
// nCells must be a power of two (up to 2^64); counters start at 1.
// Errors: ErrIndex for a bad nCells, p's errors (non-canonical inputs).
func CellIndex(p accel.Poseidon2, entropy, slotRoot accel.Fr, nCells, counter uint64) (uint64, error) {
	k, ok := log2(nCells)
	if !ok {
		return 0, fmt.Errorf("%w: %d cells is not a power of two", ErrIndex, nCells)
	}
	h, err := p.Sponge([]accel.Fr{entropy, slotRoot, poseidon2.FrFromUint64(counter)})
	if err != nil {
		return 0, fmt.Errorf("slots: cell index %d: %w", counter, err)
	}
	low := binary.LittleEndian.Uint64(h[:8])
	if k == 64 {
		return low, nil
	}
	return low & (1<<k - 1), nil
}

// CellIndices returns the cells of nSamples samples: CellIndex for counter
// 1..nSamples, in order, duplicates kept (nim-codex cellIndices). Errors as
// CellIndex.
func CellIndices(p accel.Poseidon2, entropy, slotRoot accel.Fr, nCells uint64, nSamples int) ([]uint64, error) {
	out := make([]uint64, 0, max(nSamples, 0))
	for c := 1; c <= nSamples; c++ {
		i, err := CellIndex(p, entropy, slotRoot, nCells, uint64(c))
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, nil
}
