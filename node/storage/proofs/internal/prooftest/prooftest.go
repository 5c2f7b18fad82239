// Package prooftest builds synthetic storage-proof witnesses for tests and
// benchmarks: a slot of random cells, its block and slot trees and a
// dataset tree, all with accel/poseidon2 and accel/merkle (the out-of-circuit
// reference), so the circuit is checked against trees it did not build.
package prooftest

import (
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/internal/wasmwitness"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// cellsPerBlock is the number of cells under one block digest (2^5).
const cellsPerBlock = 1 << circuit.DefaultBlockTreeDepth

// Slot describes the synthetic dataset: nSlots slots, of which slot
// SlotIndex holds NCells random cells (a power of two, at least 32); the
// other slot roots are random. Seed makes it deterministic.
type Slot struct {
	NSlots, SlotIndex, NCells int
	Seed                      uint64
}

// Witness builds the slot and returns the witness of n samples with random
// entropy, cells chosen by circuit.CellIndex.
func Witness(s Slot, n int) (*circuit.Witness, error) {
	if s.NCells < cellsPerBlock || s.NCells&(s.NCells-1) != 0 || s.SlotIndex < 0 || s.SlotIndex >= s.NSlots {
		return nil, fmt.Errorf("prooftest: bad slot %+v", s)
	}
	p, err := poseidon2.New(accel.Go)
	if err != nil {
		return nil, err
	}
	comp := merkle.Poseidon2(p)
	rng := rand.New(rand.NewPCG(s.Seed, 0x5107))
	random := func() accel.Fr {
		var x accel.Fr
		for i := 0; i < 31; i++ { // 248 bits: always below r
			x[i] = byte(rng.Uint32())
		}
		return x
	}

	cells := make([][]accel.Fr, s.NCells)
	leaves := make([]accel.Fr, s.NCells)
	for i := range cells {
		cells[i] = make([]accel.Fr, circuit.DefaultCellElems)
		for j := range cells[i] {
			cells[i][j] = random()
		}
		if leaves[i], err = p.Sponge(cells[i]); err != nil {
			return nil, err
		}
	}
	blocks := make([]*merkle.Tree[accel.Fr], s.NCells/cellsPerBlock)
	blockRoots := make([]accel.Fr, len(blocks))
	for b := range blocks {
		if blocks[b], err = merkle.Build(leaves[b*cellsPerBlock:(b+1)*cellsPerBlock], comp); err != nil {
			return nil, err
		}
		blockRoots[b] = blocks[b].Root()
	}
	slotTree, err := merkle.Build(blockRoots, comp)
	if err != nil {
		return nil, err
	}
	slotRoots := make([]accel.Fr, s.NSlots)
	for i := range slotRoots {
		slotRoots[i] = random()
	}
	slotRoots[s.SlotIndex] = slotTree.Root()
	dataset, err := merkle.Build(slotRoots, comp)
	if err != nil {
		return nil, err
	}
	slotProof, err := dataset.Proof(s.SlotIndex)
	if err != nil {
		return nil, err
	}

	w := &circuit.Witness{
		Entropy:          poseidon2.ToBig(random()),
		DataSetRoot:      poseidon2.ToBig(dataset.Root()),
		SlotIndex:        uint64(s.SlotIndex),
		SlotRoot:         poseidon2.ToBig(slotTree.Root()),
		NCellsPerSlot:    uint64(s.NCells),
		NSlotsPerDataSet: uint64(s.NSlots),
		SlotProof:        bigs(slotProof),
	}
	for c := 1; c <= n; c++ {
		idx, err := circuit.CellIndex(w.Entropy, w.SlotRoot, uint64(c), w.NCellsPerSlot)
		if err != nil {
			return nil, err
		}
		bottom, err := blocks[idx/cellsPerBlock].Proof(int(idx % cellsPerBlock))
		if err != nil {
			return nil, err
		}
		top, err := slotTree.Proof(int(idx / cellsPerBlock))
		if err != nil {
			return nil, err
		}
		w.CellData = append(w.CellData, bigs(cells[idx]))
		w.MerklePaths = append(w.MerklePaths, append(bigs(bottom), bigs(top)...))
	}
	return w, nil
}

func bigs(xs []accel.Fr) []*big.Int {
	out := make([]*big.Int, len(xs))
	for i, x := range xs {
		out[i] = poseidon2.ToBig(x)
	}
	return out
}

// UpstreamWasm is where upstream's witness generator for
// SampleAndProve(32, 8, 5, 67, 5) lies, relative to node/storage/proofs
// (see testdata/upstream/SOURCE.md).
const UpstreamWasm = "testdata/upstream/hardhat_proof_main.wasm"

// RunUpstream runs upstream's circom witness generator wasm on w, written
// as upstream's input.json for the circuit with parameters p, and returns
// circom's witness vector (wire 0 is 1, then the public inputs entropy,
// dataSetRoot, slotIndex). The generator checks every constraint of
// upstream's circuit as it goes: an error wrapping wasmwitness.ErrAssert
// means the witness does not satisfy upstream's circuit.
func RunUpstream(wasm []byte, p circuit.Params, w *circuit.Witness) ([]fr.Element, error) {
	js, err := circuit.MarshalInputJSON(p, w)
	if err != nil {
		return nil, err
	}
	in, err := wasmwitness.ParseInputs(js)
	if err != nil {
		return nil, err
	}
	return wasmwitness.Calculate(wasm, in)
}
