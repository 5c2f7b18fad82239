package circuit

import (
	"errors"
	"fmt"
)

// Upstream's defaults (sample_cells.circom, logos-storage-nim).
const (
	// DefaultMaxDepth is the maximum depth of a slot tree: at most 2^32 cells.
	DefaultMaxDepth = 32
	// DefaultMaxLog2NSlots is the maximum depth of the dataset tree: at most
	// 256 slots.
	DefaultMaxLog2NSlots = 8
	// DefaultBlockTreeDepth is the depth of a block's cell tree:
	// 64 KiB / 2 KiB = 32 cells.
	DefaultBlockTreeDepth = 5
	// DefaultCellElems is the number of field elements of a 2048-byte cell
	// (31-byte chunks with 10* padding).
	DefaultCellElems = 67
)

// ErrParams is returned for parameters the circuit cannot be built with.
var ErrParams = errors.New("circuit: invalid parameters")

// Params are the compile-time parameters of SampleAndProve, in upstream's
// order. A different Params is a different circuit with different keys.
type Params struct {
	MaxDepth       int // maximum slot tree depth (cells per slot ≤ 2^MaxDepth)
	MaxLog2NSlots  int // maximum dataset tree depth (slots ≤ 2^MaxLog2NSlots)
	BlockTreeDepth int // depth of the per-block cell tree
	CellElems      int // field elements per cell
	Samples        int // number of sampled cells N
}

// DefaultParams returns upstream's parameters with n samples.
func DefaultParams(n int) Params {
	return Params{
		MaxDepth:       DefaultMaxDepth,
		MaxLog2NSlots:  DefaultMaxLog2NSlots,
		BlockTreeDepth: DefaultBlockTreeDepth,
		CellElems:      DefaultCellElems,
		Samples:        n,
	}
}

// String names the parameters, e.g. "d32-s8-b5-e67-n5".
func (p Params) String() string {
	return fmt.Sprintf("d%d-s%d-b%d-e%d-n%d", p.MaxDepth, p.MaxLog2NSlots, p.BlockTreeDepth, p.CellElems, p.Samples)
}

// Validate returns an error wrapping ErrParams unless 0 < BlockTreeDepth <
// MaxDepth ≤ 64, 0 < MaxLog2NSlots ≤ 64, CellElems > 0 and 0 < Samples ≤ 10000.
func (p Params) Validate() error {
	switch {
	case p.BlockTreeDepth <= 0 || p.BlockTreeDepth >= p.MaxDepth || p.MaxDepth > 64:
		return fmt.Errorf("%w: need 0 < BlockTreeDepth (%d) < MaxDepth (%d) <= 64", ErrParams, p.BlockTreeDepth, p.MaxDepth)
	case p.MaxLog2NSlots <= 0 || p.MaxLog2NSlots > 64:
		return fmt.Errorf("%w: MaxLog2NSlots %d not in 1..64", ErrParams, p.MaxLog2NSlots)
	case p.CellElems <= 0:
		return fmt.Errorf("%w: CellElems %d not positive", ErrParams, p.CellElems)
	case p.Samples <= 0 || p.Samples > 10000:
		return fmt.Errorf("%w: Samples %d not in 1..10000", ErrParams, p.Samples)
	}
	return nil
}
