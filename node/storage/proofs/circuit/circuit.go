package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"

	"github.com/cairn-node/cairn/node/storage/proofs/poseidon2gadget"
)

// fieldBits is the bit length of the BN254 scalar field; a full-length
// binary decomposition in gnark is checked to be below r, as upstream's
// ExtractLowerBits does.
const fieldBits = 254

// SampleAndProve is the storage-proof circuit (see the package doc). The
// exported fields are its inputs; the three tagged public are the public
// inputs, in upstream's order. Build an empty circuit for compilation with
// New and an assignment with Assign; the slice shapes come from Params.
type SampleAndProve struct {
	Entropy     frontend.Variable `gnark:",public"`
	DataSetRoot frontend.Variable `gnark:",public"`
	SlotIndex   frontend.Variable `gnark:",public"`

	SlotRoot         frontend.Variable
	NCellsPerSlot    frontend.Variable
	NSlotsPerDataSet frontend.Variable
	SlotProof        []frontend.Variable   // MaxLog2NSlots entries
	CellData         [][]frontend.Variable // Samples × CellElems
	MerklePaths      [][]frontend.Variable // Samples × MaxDepth

	params Params
}

// New returns an unassigned circuit with the shapes of p, ready for
// frontend.Compile. It returns an error wrapping ErrParams for invalid p.
func New(p Params) (*SampleAndProve, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &SampleAndProve{
		SlotProof:   make([]frontend.Variable, p.MaxLog2NSlots),
		CellData:    make([][]frontend.Variable, p.Samples),
		MerklePaths: make([][]frontend.Variable, p.Samples),
		params:      p,
	}
	for i := range c.CellData {
		c.CellData[i] = make([]frontend.Variable, p.CellElems)
		c.MerklePaths[i] = make([]frontend.Variable, p.MaxDepth)
	}
	return c, nil
}

// Params returns the parameters the circuit was built with.
func (c *SampleAndProve) Params() Params { return c.params }

// Define declares the constraints (gnark's frontend.Circuit).
func (c *SampleAndProve) Define(api frontend.API) error {
	p := c.params
	if err := p.Validate(); err != nil {
		return err
	}
	if len(c.SlotProof) != p.MaxLog2NSlots || len(c.CellData) != p.Samples || len(c.MerklePaths) != p.Samples {
		return fmt.Errorf("%w: circuit shapes do not match %v (build it with New)", ErrParams, p)
	}

	// The slot root is leaf slotIndex of the dataset tree.
	slotBits := api.ToBinary(c.SlotIndex, p.MaxLog2NSlots)
	lastSlot, slotMask := ceilingLog2(api, c.NSlotsPerDataSet, p.MaxLog2NSlots)
	top := rootFromMerklePath(api, c.SlotRoot, slotBits, lastSlot, slotMask, c.SlotProof)
	api.AssertIsEqual(top, c.DataSetRoot)

	// nCellsPerSlot = 2^k; its mask doubles as the bits of the last index.
	mask, err := log2Mask(api, c.NCellsPerSlot, p.MaxDepth)
	if err != nil {
		return err
	}
	b := p.BlockTreeDepth
	botMask := append(append([]frontend.Variable(nil), mask[:b]...), 0)
	midMask := append(append([]frontend.Variable(nil), mask[b:p.MaxDepth]...), 0)

	// Every index sponge starts with (entropy, slot root): absorb it once.
	seed := poseidon2gadget.Absorb(api, c.Entropy, c.SlotRoot)
	for cnt := 0; cnt < p.Samples; cnt++ {
		if len(c.CellData[cnt]) != p.CellElems || len(c.MerklePaths[cnt]) != p.MaxDepth {
			return fmt.Errorf("%w: sample %d shapes do not match %v", ErrParams, cnt, p)
		}
		// CalculateCellIndexBits: low bits of the sponge, masked.
		h := poseidon2gadget.SpongeFrom(api, seed, cnt+1)
		hb := api.ToBinary(h, fieldBits)
		idx := make([]frontend.Variable, p.MaxDepth)
		for i := range idx {
			idx[i] = api.Mul(mask[i], hb[i])
		}
		// ProveSingleCell: cell hash, block tree, then slot tree.
		leaf := poseidon2gadget.Sponge(api, c.CellData[cnt]...)
		path := c.MerklePaths[cnt]
		block := rootFromMerklePath(api, leaf, idx[:b], mask[:b], botMask, path[:b])
		slot := rootFromMerklePath(api, block, idx[b:], mask[b:p.MaxDepth], midMask, path[b:])
		api.AssertIsEqual(slot, c.SlotRoot)
	}
	return nil
}
