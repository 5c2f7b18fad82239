package prover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"time"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/slots"
)

// ErrInput reports a request that cannot be proved as asked: entropy that
// is not a field element, a slot index out of range, a dataset that is not
// erasure-coded. Fix the request.
var ErrInput = errors.New("prover: invalid input")

// Result is a proof and the public inputs it proves.
type Result struct {
	Proof  *proofs.Proof
	Public proofs.PublicInputs
	// Cells are the sampled cell indices, in sample order.
	Cells []uint64
	// Elapsed is ProveSlot's time: opening (or building) the slot trees,
	// reading the cells and proving.
	Elapsed time.Duration
}

// ProveSlot proves that src holds slot slot of the protected dataset m for
// entropy, with keys.Params().Samples samples. The slot trees are opened
// from opts.Dir or, the first time, built from src and written there
// (opts.Dir must exist). src should be an *ec.Dataset so that a lost block
// is repaired from parity. Errors wrap ErrInput, slots.ErrBlock (a block
// that cannot be read or rebuilt, named), slots.ErrCorrupt or
// slots.ErrMismatch (stored data no longer matches its trees), or
// proofs.ErrUnsatisfied.
func ProveSlot(ctx context.Context, src slots.BlockReader, m *manifest.Manifest, slot int, entropy *big.Int, keys *proofs.Keys, opts slots.Options) (*Result, error) {
	start := time.Now()
	if keys == nil {
		return nil, fmt.Errorf("%w: no proving keys (set them up with proofs.Setup)", ErrInput)
	}
	w, cells, err := SlotWitness(ctx, src, m, slot, entropy, keys.Params().Samples, opts)
	if err != nil {
		return nil, err
	}
	proof, err := keys.Prove(w)
	if err != nil {
		return nil, fmt.Errorf("prover: slot %d: %w", slot, err)
	}
	return newResult(proof, entropy, w, cells, start), nil
}

// newResult is the Result of proof, made for w since start.
func newResult(proof *proofs.Proof, entropy *big.Int, w *circuit.Witness, cells []uint64, start time.Time) *Result {
	pub := proofs.PublicInputs{Entropy: new(big.Int).Set(entropy), DataSetRoot: w.DataSetRoot, SlotIndex: w.SlotIndex}
	return &Result{Proof: proof, Public: pub, Cells: cells, Elapsed: time.Since(start)}
}

// SlotWitness is ProveSlot up to the proof: it opens (or builds) the slot
// trees of the protected dataset m and returns the witness of n samples of
// slot slot for entropy, with the sampled cell indices (see Witness).
// circuit.MarshalInputJSON turns it into upstream's input.json. Errors are
// ProveSlot's, less proofs.ErrUnsatisfied.
func SlotWitness(ctx context.Context, src slots.BlockReader, m *manifest.Manifest, slot int, entropy *big.Int, n int, opts slots.Options) (*circuit.Witness, []uint64, error) {
	if m == nil || !m.Protected() {
		return nil, nil, fmt.Errorf("%w: the dataset is not erasure-coded; upload it with ?ec=K,M (or `cairn storage upload --ec K,M`) to prove it", ErrInput)
	}
	if _, err := poseidon2.FrFromBig(entropy); err != nil {
		return nil, nil, fmt.Errorf("%w: entropy: %w", ErrInput, err)
	}
	ds, err := openDataset(ctx, src, m, opts)
	if err != nil {
		return nil, nil, err
	}
	return Witness(ctx, ds, slot, entropy, n)
}

// Witness returns the circuit witness that proves slot slot of ds for
// entropy with n samples, and the sampled cell indices in sample order:
// the cells chosen from (entropy, slot root, counter) as upstream does,
// each with its data and Merkle path, and the slot's path to the dataset
// root. Cells are read from ds's block source. Errors wrap ErrInput (bad
// entropy or slot), slots.ErrBlock, slots.ErrCorrupt or slots.ErrMismatch.
func Witness(ctx context.Context, ds *slots.Dataset, slot int, entropy *big.Int, n int) (*circuit.Witness, []uint64, error) {
	ent, err := poseidon2.FrFromBig(entropy)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: entropy: %w", ErrInput, err)
	}
	s := ds.Slot(slot)
	if s == nil {
		return nil, nil, fmt.Errorf("%w: slot %d, the dataset has slots 0..%d", ErrInput, slot, ds.NumSlots()-1)
	}
	p, err := poseidon2.New(accel.Go) // a few hashes: the Go kernel is enough
	if err != nil {
		return nil, nil, err
	}
	cells, err := slots.CellIndices(p, ent, s.Root(), s.CellCount(), n)
	if err != nil {
		return nil, nil, fmt.Errorf("prover: sample slot %d: %w", slot, err)
	}
	slotPath, err := ds.SlotProof(slot)
	if err != nil {
		return nil, nil, err
	}
	w := &circuit.Witness{
		Entropy:          entropy,
		DataSetRoot:      poseidon2.ToBig(ds.Root()),
		SlotIndex:        uint64(slot),
		SlotRoot:         poseidon2.ToBig(s.Root()),
		NCellsPerSlot:    s.CellCount(),
		NSlotsPerDataSet: uint64(ds.NumSlots()),
		SlotProof:        bigs(slotPath),
		CellData:         make([][]*big.Int, n),
		MerklePaths:      make([][]*big.Int, n),
	}
	for i, c := range cells {
		cp, err := s.CellProof(ctx, c)
		if err != nil {
			return nil, nil, fmt.Errorf("prover: open cell %d of slot %d: %w", c, slot, err)
		}
		w.CellData[i], w.MerklePaths[i] = bigs(cp.Elements), bigs(cp.Path)
	}
	return w, cells, nil
}

// openDataset opens the slot trees stored in opts.Dir, building and
// storing them when they are not there yet.
func openDataset(ctx context.Context, src slots.BlockReader, m *manifest.Manifest, opts slots.Options) (*slots.Dataset, error) {
	ds, err := slots.OpenDataset(ctx, src, m, opts)
	if errors.Is(err, fs.ErrNotExist) {
		ds, err = slots.BuildDataset(ctx, src, m, opts)
	}
	if errors.Is(err, slots.ErrLayout) {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err != nil {
		return nil, fmt.Errorf("prover: slot trees of %s: %w", m.TreeCID, err)
	}
	return ds, nil
}

// VerifySlotProof checks proof for slot slotIndex of the dataset with root
// datasetRoot and entropy: nil when valid, an error wrapping
// proofs.ErrInvalidProof when not, circuit.ErrWitness for public inputs
// that are not field elements.
func VerifySlotProof(vk *proofs.VerifyingKey, proof *proofs.Proof, entropy, datasetRoot *big.Int, slotIndex uint64) error {
	if vk == nil {
		return errors.New("prover: verify: no verifying key")
	}
	return vk.Verify(proof, proofs.PublicInputs{Entropy: entropy, DataSetRoot: datasetRoot, SlotIndex: slotIndex})
}

func bigs(xs []accel.Fr) []*big.Int {
	out := make([]*big.Int, len(xs))
	for i, x := range xs {
		out[i] = poseidon2.ToBig(x)
	}
	return out
}
